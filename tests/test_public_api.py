"""The public surface stays small, sorted and importable."""

from __future__ import annotations

import importlib

import pytest

import realign

PUBLIC_MODULES = [
    "realign",
    "realign.errors",
    "realign.model",
    "realign.model.enums",
    "realign.model.scales",
    "realign.model.partnership",
    "realign.enrich",
    "realign.enrich.factset",
    "realign.loading",
    "realign.loading.source",
    "realign.loading.dump",
    "realign.hookspecs",
    "realign.plugins",
    "realign.schema",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert list(exported) == sorted(exported), f"{name}.__all__ is not sorted"
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.{attribute} is in __all__ but missing"


def test_top_level_api_covers_the_data_flow() -> None:
    for name in ("load_partnership", "load_facts", "enrich", "get_plugin_manager", "hookimpl"):
        assert name in realign.__all__


def test_version_is_exposed() -> None:
    assert realign.__version__.count(".") == 2
