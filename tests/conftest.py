"""Shared fixtures and Hypothesis profiles for the realign test suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pluggy
import pytest
from hypothesis import HealthCheck, settings

from realign import get_plugin_manager
from realign.plugins import DISABLE_PLUGINS_ENV, LOAD_PLUGINS_ENV

settings.register_profile("dev", max_examples=60, deadline=None)
# CI: derandomised so a red run can be reproduced, and no deadline on a shared 2-core machine.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session", autouse=True)
def _only_builtin_plugins() -> Iterator[None]:
    """The core suite runs on realign's own plugins only.

    CI installs the example plugins (plugins/*), whose rules would add findings to
    every assessment here. Tests of plugin discovery set the variables themselves.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(LOAD_PLUGINS_ENV, "")
        patch.delenv(DISABLE_PLUGINS_ENV, raising=False)
        yield


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    """The built-in plugins only: installed plugins never leak into unit tests."""
    return get_plugin_manager(load_entrypoints=False)
