"""A kit for testing realign plugins and rule sets.

* :func:`with_plugins` and :func:`engine_with` build a plugin manager or an
  engine with the built-ins and exactly the plugins a test names, whatever
  else is installed and whatever the environment selects.
* :mod:`realign.testing.fixtures` is a pytest plugin with the fixtures
  ``realign_plugins`` and ``realign_engine``; activate it with
  ``pytest_plugins = ["realign.testing.fixtures"]`` in a ``conftest.py``.
* :mod:`realign.testing.strategies` holds Hypothesis strategies of valid
  partnerships and fact sets, for fuzzing rules and enrichers. It needs the
  ``hypothesis`` package (part of the ``test`` extra).

docs/plugins.md walks through testing a plugin with all three.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pluggy

from ..engine import Engine
from ..engine.engine import Backend
from ..plugins import get_plugin_manager

__all__ = ["engine_with", "with_plugins"]


def with_plugins(*plugins: object, installed: bool = False) -> pluggy.PluginManager:
    """A plugin manager with realign's built-ins and *plugins* (modules or objects).

    Installed plugins load only with *installed*; ``REALIGN_LOAD_PLUGINS`` and
    ``REALIGN_DISABLE_PLUGINS`` are ignored, so a test sees the same plugins on
    every machine.
    """
    return get_plugin_manager(load_entrypoints=installed, extra=plugins, environ={})


def engine_with(
    *plugins: object,
    rulesets: Sequence[str | Path] = (),
    params: Mapping[str, Any] | None = None,
    backend: Backend = "durable_rules",
    installed: bool = False,
) -> Engine:
    """``Engine.default()`` with *plugins*: the standard catalog, their rule sets and *rulesets*."""
    return Engine.default(
        plugin_manager=with_plugins(*plugins, installed=installed),
        extra=rulesets,
        params=params,
        backend=backend,
    )
