"""Review of `realign explain`'s provenance: which derived facts a fired rule read.

Each probe rule fires on the healthy example; the derived facts it reads are
known from its condition, so each test names them, and checks the explanation
lists them with the provenance `realign facts` gives them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from realign import Engine
from realign.enrich.factset import FactSet
from realign.testing import engine_with

ROOT = Path(__file__).resolve().parent.parent
HEALTHY = ROOT / "examples" / "healthy.toml"

PROBES = """\
[ruleset]
id = "review-probes"
version = "0.1.0"
title = "Provenance probes"
realign = ">=0.1"

[[rules]]
id = "PV-CALL"
title = "Derived fact inside a function call"
area = "governance"
severity = "low"
when = "coalesce(decisions.median_latency_days_h, 0) >= 0"

[[rules]]
id = "PV-TWO"
title = "Two bindings, some matches"
area = "alignment"
severity = "low"
for = { o = "objectives", p = "partners" }
when = ["o.priority_gap >= 1", "p.id == 'helix'", "p.has_alliance_manager == true"]

[[rules]]
id = "PV-WAVE"
title = "Some pulse waves"
area = "early_warning"
severity = "low"
for = { w = "pulse_surveys" }
when = "w.composite >= 4.1"

[[rules]]
id = "PV-STATED"
title = "Stated facts only"
area = "governance"
severity = "low"
when = "governance.escalation_path.defined == true"

[[rules]]
id = "PV-NEVER"
title = "Never fires"
area = "governance"
severity = "low"
when = "decisions.median_latency_days_h < 0"

[[rules]]
id = "PV-MEDIAN"
title = "Derived fact through a comprehension"
area = "governance"
severity = "low"
when = "median(d.latency_days for d in decisions) >= 0"

[[rules]]
id = "PV-EXISTS"
title = "Derived fact through exists"
area = "governance"
severity = "low"
when = "exists d in decisions where d.latency_days >= 0"

[[rules]]
id = "PV-COUNT"
title = "Bound record and a comprehension of its own"
area = "governance"
severity = "low"
for = { d = "decisions" }
when = "d.latency_days > 15 and count(x in decisions where not x.open) >= 1"

[[rules]]
id = "PV-INDEX"
title = "Derived fact at an index"
area = "governance"
severity = "low"
when = "decisions[0].latency_days >= 0"

[[rules]]
id = "PV-ENTRIES"
title = "Binding over a derived fact"
area = "culture"
severity = "low"
for = { g = "entries(culture.gaps)" }
when = "g.value >= 2"

[[rules]]
id = "PV-STRING"
title = "A fact path in a string"
area = "governance"
severity = "low"
when = "governance.escalation_path.defined == true and 'decisions.median_latency_days_h' != ''"

[[rules]]
id = "PV-SEVERITY"
title = "Severity from a derived fact"
area = "governance"
severity = "low"
when = "governance.escalation_path.defined == true"
severity_if = [{ when = "decisions.median_latency_days_h >= 0", severity = "high" }]
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("rules") / "probes.toml"
    path.write_text(PROBES, encoding="utf-8")
    return Engine([path], backend="python")


@pytest.fixture(scope="module")
def facts(engine: Engine) -> FactSet:
    return engine.facts(HEALTHY)


def _read(engine: Engine, rule: str) -> list[str]:
    explanation = engine.explain(rule, HEALTHY)
    assert explanation.status == "fired", rule
    facts = engine.facts(HEALTHY).derived
    for use in explanation.derived:
        # Whatever it lists is the derived fact `realign facts` shows, provenance and all.
        assert use.sources == facts[use.fact].sources
        assert use.description == facts[use.fact].description
    return [use.fact for use in explanation.derived]


def _each(facts: FactSet, pattern: str, count: int) -> list[str]:
    names = [pattern.format(i) for i in range(count)]
    assert all(name in facts.derived for name in names)
    return names


def test_a_derived_fact_inside_a_function_call_is_listed(engine: Engine) -> None:
    assert _read(engine, "PV-CALL") == ["decisions.median_latency_days_h"]


def test_two_bindings_list_the_derived_facts_of_the_matched_records_only(
    engine: Engine, facts: FactSet
) -> None:
    gaps = [
        f"objectives[{i}].priority_gap"
        for i in range(len(facts.partnership.objectives))
        if facts.derived[f"objectives[{i}].priority_gap"].value >= 1
    ]
    helix = [p.id for p in facts.partnership.partners].index("helix")
    assert 0 < len(gaps) < len(facts.partnership.objectives)
    assert _read(engine, "PV-TWO") == [*gaps, f"partners[{helix}].has_alliance_manager"]


def test_bound_pulse_waves_are_the_ones_that_matched(engine: Engine, facts: FactSet) -> None:
    # Evidence names a pulse wave by partner and period, not by position.
    waves = [
        f"pulse_surveys[{i}].composite"
        for i in range(len(facts.partnership.pulse_surveys))
        if facts.derived[f"pulse_surveys[{i}].composite"].value >= 4.1
    ]
    assert 0 < len(waves) < len(facts.partnership.pulse_surveys)
    assert _read(engine, "PV-WAVE") == waves


def test_a_fired_rule_reading_only_stated_facts_lists_none(engine: Engine) -> None:
    assert _read(engine, "PV-STATED") == []
    assert "derived facts it read" not in str(engine.explain("PV-STATED", HEALTHY))


def test_a_rule_that_did_not_fire_lists_no_provenance(engine: Engine) -> None:
    explanation = engine.explain("PV-NEVER", HEALTHY)
    assert explanation.status == "passed"
    assert explanation.derived == ()
    assert explanation.to_dict()["derived"] == []


def test_both_backends_list_the_same_provenance(tmp_path: Path) -> None:
    path = tmp_path / "probes.toml"
    path.write_text(PROBES, encoding="utf-8")
    python, durable = (Engine([path], backend=b) for b in ("python", "durable_rules"))
    for rule in ("PV-CALL", "PV-TWO", "PV-WAVE", "PV-STATED"):
        assert python.explain(rule, HEALTHY).to_dict() == durable.explain(rule, HEALTHY).to_dict()


def test_a_plugin_rule_lists_the_derived_facts_of_its_matched_objective() -> None:
    from realign_codev import plugin as codev

    engine = engine_with(codev, backend="python")
    case = ROOT / "examples" / "case_study_before.toml"
    explanation = engine.explain("COD-04", case)
    assert explanation.status == "fired"
    facts = engine.facts(case)
    ids = [o.id for o in facts.partnership.objectives]
    matched = sorted({ids.index(e.bindings["o"]["id"]) for e in explanation.evidence})
    assert [use.fact for use in explanation.derived] == sorted(
        name
        for i in matched
        for name in (f"objectives[{i}].not_agreed_by", f"objectives[{i}].priority_max")
    )


# -- defects ------------------------------------------------------------------------------

NESTED = "derived facts read through a comprehension variable"


def test_a_derived_fact_read_in_a_comprehension_is_listed(engine: Engine, facts: FactSet) -> None:
    count = len(facts.partnership.decisions)
    assert _read(engine, "PV-MEDIAN") == _each(facts, "decisions[{}].latency_days", count)


def test_a_derived_fact_read_by_exists_is_listed(engine: Engine, facts: FactSet) -> None:
    # exists stops at the first record that holds; it read at least that one.
    read = _read(engine, "PV-EXISTS")
    assert read
    assert set(read) <= set(
        _each(facts, "decisions[{}].latency_days", len(facts.partnership.decisions))
    )


def test_a_comprehension_beside_a_binding_lists_both(engine: Engine, facts: FactSet) -> None:
    read = _read(engine, "PV-COUNT")
    count = len(facts.partnership.decisions)
    assert set(_each(facts, "decisions[{}].open", count)) <= set(read)


def test_a_derived_fact_at_an_index_is_listed(engine: Engine) -> None:
    assert _read(engine, "PV-INDEX") == ["decisions[0].latency_days"]


def test_a_binding_over_a_derived_fact_lists_it(engine: Engine) -> None:
    assert _read(engine, "PV-ENTRIES") == ["culture.gaps"]


def test_a_fact_path_in_a_string_is_not_a_fact_read(engine: Engine) -> None:
    assert _read(engine, "PV-STRING") == []


def test_a_severity_if_that_set_the_severity_lists_its_derived_fact(engine: Engine) -> None:
    explanation = engine.explain("PV-SEVERITY", HEALTHY)
    assert [e.severity for e in explanation.evidence] == ["high"]
    assert _read(engine, "PV-SEVERITY") == ["decisions.median_latency_days_h"]
