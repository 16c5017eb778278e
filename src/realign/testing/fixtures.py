"""pytest fixtures for testing realign plugins.

Activate them in a ``conftest.py``::

    pytest_plugins = ["realign.testing.fixtures"]

then name the plugins under test by overriding ``realign_plugins``::

    @pytest.fixture(scope="module")
    def realign_plugins():
        return [my_plugin]

Both fixtures are module-scoped: building an engine compiles every rule, and
Hypothesis tests may use module-scoped fixtures but not function-scoped ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ..engine import Engine
from . import engine_with

__all__ = ["realign_engine", "realign_plugins"]


@pytest.fixture(scope="module")
def realign_plugins() -> Sequence[object]:
    """The plugin objects or modules under test; none unless a test module overrides it."""
    return ()


@pytest.fixture(scope="module")
def realign_engine(realign_plugins: Sequence[object]) -> Engine:
    """An engine with the standard catalog and the plugins under test, nothing installed."""
    return engine_with(*realign_plugins)
