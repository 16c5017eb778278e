"""realign.testing: plugin managers and engines with exactly the plugins a test names."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings

import realign
from realign import DerivedFact, FactSet, hookimpl
from realign.plugins import DISABLE_PLUGINS_ENV, LOAD_PLUGINS_ENV
from realign.testing import engine_with, with_plugins
from realign.testing.strategies import fact_sets

SAMPLE = Path(__file__).parent / "data" / "rulesets" / "sample.toml"


class _Counting:
    @hookimpl
    def realign_enrich_facts(self, facts: FactSet) -> Iterable[DerivedFact]:
        partners = facts.partnership.partners
        return [DerivedFact(name="kit.partners", value=len(partners), description="partners")]


KIT = _Counting()


def test_with_plugins_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_PLUGINS_ENV, "realign.enrich.market")
    monkeypatch.setenv(LOAD_PLUGINS_ENV, "nothing-installed")
    pm = with_plugins(KIT)
    assert pm.get_plugin("realign.enrich.market") is not None
    assert KIT in pm.get_plugins()


def test_installed_plugins_load_only_when_asked(install: Callable[..., None]) -> None:
    install(("fake", "realign-fake", lambda: KIT))
    assert with_plugins().get_plugin("fake") is None
    assert with_plugins(installed=True).get_plugin("fake") is KIT


def test_engine_with_adds_rule_sets_and_params(examples_dir: Path) -> None:
    engine = engine_with(KIT, rulesets=[SAMPLE], params={"recurring_min": 1}, backend="python")
    assert {"T-01", "GOV-01"} <= {rule.id for rule in engine.rules}
    assert engine.catalog.params["recurring_min"].value == 1
    facts = engine.facts(examples_dir / "healthy.toml")
    assert facts.derived["kit.partners"].value == 2


@settings(max_examples=20)
@given(facts=fact_sets(with_plugins(KIT), max_partners=3))
def test_fact_sets_are_enriched_by_the_plugins_given(facts: FactSet) -> None:
    assert isinstance(facts, realign.FactSet)
    assert facts.derived["kit.partners"].value == len(facts.partnership.partners) <= 3
    assert "governance.steering_committee.meetings_held" in facts.derived
