"""Shared fixtures and Hypothesis profiles for the realign test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pluggy
import pytest
from hypothesis import HealthCheck, settings

from realign import get_plugin_manager

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


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    """The built-in plugins only: installed plugins never leak into unit tests."""
    return get_plugin_manager(load_entrypoints=False)
