"""Engine behaviour the standard catalog depends on, each on both backends.

Each test pins one fix found while writing the catalog: three-valued logic with
bindings, values read through functions, keys a stated table leaves out,
evidence-dependent actions, and rule selection.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from realign.engine import Engine, SelectionError
from realign.rules.ruleset import parse_ruleset_text

ROOT = Path(__file__).resolve().parents[2]
HEALTHY = ROOT / "examples" / "healthy.toml"
CASE = ROOT / "examples" / "case_study_before.toml"
BACKENDS = ("durable_rules", "python")
HEADER = '[ruleset]\nid = "t"\nversion = "1"\ntitle = "t"\n'


def engine(text: str, backend: str, **kwargs: object) -> Engine:
    return Engine([parse_ruleset_text(HEADER + text, source="t.toml")], backend=backend, **kwargs)  # type: ignore[arg-type]


def outcome(engine: Engine, path: Path, rule: str) -> str:
    assessment = engine.assess(path)
    if rule in assessment.fired:
        return "fired"
    if rule in assessment.passed:
        return "passed"
    return "not_evaluable"


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unknown_rule_wide_condition_still_passes_when_every_match_is_false(
    backend: str,
) -> None:
    # healthy states no contract_end, and no KPI is in the relationship category.
    rules = """
[[rules]]
id = "X-01"
title = "bound"
area = "market"
severity = "low"
for = { k = "kpis" }
when = ["partnership.contract_end - as_of < Y", "k.category == 'relationship'"]

[[rules]]
id = "X-02"
title = "some match could be true"
area = "market"
severity = "low"
for = { k = "kpis" }
when = ["partnership.contract_end - as_of < Y", "k.category != 'relationship'"]
"""
    e = engine(rules, backend)
    assert outcome(e, HEALTHY, "X-01") == "passed"
    assert outcome(e, HEALTHY, "X-02") == "not_evaluable"


@pytest.mark.parametrize("backend", BACKENDS)
def test_values_read_through_a_function_keep_their_type(backend: str) -> None:
    rules = """
[[rules]]
id = "D-01"
title = "a date read through entries()"
area = "alignment"
severity = "low"
for = { w = "entries(pulse.latest)" }
when = "w.value.date within H"
message = "{w.key} answered on {w.value.date}"
"""
    assessment = engine(rules, backend).assess(CASE)
    assert assessment.fired == ("D-01",)
    finding = assessment.finding("D-01")
    assert {e.bindings["w"]["key"] for e in finding.evidence} == {"corvid", "ironbridge"}
    assert finding.message == "corvid answered on 2024-03-15"
    assert assessment.to_json()  # evidence is plain JSON


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_key_left_out_of_a_stated_table_is_unknown(backend: str, tmp_path: Path) -> None:
    text = CASE.read_text(encoding="utf-8").replace("value_fairness = 2.9, ", "", 1)
    assert text != CASE.read_text(encoding="utf-8")
    path = tmp_path / "no_fairness.toml"
    path.write_text(text, encoding="utf-8")
    rules = """
[[rules]]
id = "V-01"
title = "value fairness"
area = "alignment"
severity = "low"
for = { s = "pulse_surveys" }
when = "s.items.value_fairness < 3.0"

[[rules]]
id = "V-02"
title = "a count the enrichers build: an absent category is none"
area = "governance"
severity = "low"
when = "coalesce(escalations.by_category_h['no_such_category'], 0) >= 1"
"""
    e = engine(rules, backend)
    assessment = e.assess(path)
    assert "V-01" not in assessment.fired
    reasons = {n.rule: n.reason for n in assessment.not_evaluable}
    assert "value_fairness is unknown (not stated in the fact file)" in reasons["V-01"]
    assert "V-02" in assessment.passed


@pytest.mark.parametrize("backend", BACKENDS)
def test_actions_if_recommends_only_what_the_evidence_calls_for(backend: str) -> None:
    rules = """
[[rules]]
id = "I-01"
title = "integration elements missing"
area = "culture"
severity = "low"
when = "len(culture.active_integration_elements) < 3"
actions = ["A0"]
actions_if = [
  { when = "'team_building' not in culture.active_integration_elements", actions = ["A1", "A0"] },
  { when = "'shared_tools' not in culture.active_integration_elements", actions = ["A2"] },
  { when = "matches > 5", actions = ["A3"] },
]

[[rules]]
id = "I-02"
title = "an info finding recommends nothing"
area = "culture"
severity = "info"
when = "len(culture.active_integration_elements) < 3"
actions_if = [{ when = "true", actions = ["A3"] }]

[[actions]]
id = "A0"
title = "always"
[[actions]]
id = "A1"
title = "team building"
[[actions]]
id = "A2"
title = "tools"
[[actions]]
id = "A3"
title = "never"
"""
    assessment = engine(rules, backend).assess(CASE)
    assert assessment.finding("I-01").actions == ("A0", "A1", "A2")
    assert assessment.finding("I-02").actions == ()
    healthy = engine(rules, backend).assess(HEALTHY)
    assert healthy.fired == ()


def test_actions_if_names_unknown_actions_with_a_suggestion() -> None:
    file = parse_ruleset_text(
        HEADER
        + """
[[rules]]
id = "I-01"
title = "t"
area = "culture"
severity = "low"
when = "true"
actions_if = [{ when = "true", actions = ["ACT-1"] }, { when = "true" }]

[[actions]]
id = "ACT-01"
title = "one"
""",
        source="t.toml",
    )
    assert any("missing required key 'actions'" in p.message for p in file.problems)
    with pytest.raises(Exception, match=r"unknown action 'ACT-1'; .*did you mean 'ACT-01'"):
        Engine([file])


@pytest.mark.parametrize("backend", BACKENDS)
def test_select_and_ignore_by_id_or_prefix(backend: str) -> None:
    everything = Engine.default(backend=backend)
    governance = Engine.default(backend=backend, select=["GOV"])
    assert {r.id[:3] for r in governance.rules} == {"GOV"}
    assert len(governance.rules) == 11
    fewer = Engine.default(backend=backend, select=["GOV", "CUL-0"], ignore=["GOV-1", "CUL-06"])
    ids = {r.id for r in fewer.rules}
    assert not ids & {"GOV-10", "GOV-11", "CUL-06"}
    assert {"GOV-01", "GOV-09", "CUL-05"} <= ids
    assessment = governance.assess(CASE)
    assert set(assessment.areas) == {"governance"}
    assert len(everything.rules) == 50


def test_a_rule_reading_a_rule_left_out_is_not_evaluable() -> None:
    # CUL-06 reads fired('CUL-05'); on the case study its other conditions hold.
    e = Engine.default(select=["CUL"], ignore=["CUL-05"])
    assessment = e.assess(CASE)
    reasons = {n.rule: n.reason for n in assessment.not_evaluable}
    assert "CUL-05" in reasons["CUL-06"]


def test_a_selection_that_matches_nothing_says_so() -> None:
    with pytest.raises(SelectionError, match="did you mean 'GOV-11'"):
        Engine.default(select=["GOV-1l"])
    with pytest.raises(SelectionError, match="no rule id is or starts with 'XYZ'"):
        Engine.default(ignore=["XYZ"])


SAME_STRATUM_READERS = """
[[rules]]
id = "R-01"
title = "exit provisions missing"
area = "governance"
severity = "high"
when = "partnership.exit_provisions_defined == false"

[[rules]]
id = "R-02"
title = "a reader"
area = "governance"
severity = "high"
when = "count(f in findings where f.severity == 'high') >= 1"
message = "{count(f in findings where f.severity == 'high')} high findings"

[[rules]]
id = "R-03"
title = "another reader, short-circuiting first"
area = "governance"
severity = "low"
when = '''partnership.exit_provisions_defined == false
  or count(f in findings where f.severity == 'high') >= 1'''
"""


def test_rules_of_one_stratum_do_not_see_each_others_findings() -> None:
    documents = {b: engine(SAME_STRATUM_READERS, b).assess(CASE) for b in BACKENDS}
    assert documents["python"].to_json() == documents["durable_rules"].to_json()
    assessment = documents["python"]
    assert assessment.finding("R-02").message == "1 high findings"
    checks = [c for e in assessment.finding("R-03").evidence for c in e.checks]
    counts = [c.actual for c in checks if c.left.startswith("count(")]
    assert counts in ([], [1])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_key_absent_from_a_table_a_function_returns_is_missing_not_unknown(
    backend: str,
) -> None:
    from realign import Function, get_plugin_manager
    from realign.hookspecs import hookimpl
    from realign.rules.types import NUMBER, STRING, MapType

    class Tally:
        @hookimpl
        def realign_condition_functions(self) -> list[Function]:
            return [
                Function(
                    name="tally",
                    params=(STRING,),
                    returns=MapType("table", NUMBER),
                    impl=lambda s: {"a": 1},
                    doc="a table from a function",
                )
            ]

    pm = get_plugin_manager(load_entrypoints=False, extra=[Tally()])
    rules = """
[[rules]]
id = "F-01"
title = "absent key of a function's table"
area = "governance"
severity = "low"
when = "tally('x')['b'] > 0"
"""
    e = Engine(
        [parse_ruleset_text(HEADER + rules, source="t.toml")], plugin_manager=pm, backend=backend
    )  # type: ignore[arg-type]
    assert e.assess(HEALTHY).passed == ("F-01",)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_known_false_condition_beats_an_unknown_collection(backend: str, tmp_path: Path) -> None:
    text = CASE.read_text(encoding="utf-8")
    head, rest = text.split("\n[partnership]", 1)
    rest = "\n\n".join(
        block
        for block in ("[partnership]" + rest).split("\n\n")
        if not block.lstrip().startswith("[[escalations]]")
    )
    path = tmp_path / "gap.toml"
    path.write_text(head + '\ndata_gaps = ["escalations"]\n\n' + rest, encoding="utf-8")
    rules = """
[[rules]]
id = "G-01"
title = "bound to an unknown collection"
area = "governance"
severity = "high"
for = { e = "escalations" }
when = ["partnership.exit_provisions_defined == true", "e.level_reached > 1"]

[[rules]]
id = "G-02"
title = "the same as a count"
area = "governance"
severity = "high"
when = [
  "partnership.exit_provisions_defined == true",
  "count(e in escalations where e.level_reached > 1) > 0",
]

[[rules]]
id = "G-03"
title = "bound to an unknown collection, nothing false"
area = "governance"
severity = "high"
for = { e = "escalations" }
when = "e.level_reached > 1"
"""
    assessment = engine(rules, backend).assess(path)
    assert set(assessment.passed) == {"G-01", "G-02"}
    reasons = {n.rule: n.reason for n in assessment.not_evaluable}
    assert "declared a data gap" in reasons["G-03"]


def test_timings_add_up_per_phase() -> None:
    e = Engine.default()
    timings: dict[str, float] = {}
    e.assess(CASE, timings=timings)
    assert set(timings) == {"load", "match", "explain", "score"}
    assert all(v >= 0 for v in timings.values())
    first = dict(timings)
    e.assess(CASE, timings=timings)
    assert all(timings[k] >= first[k] for k in first)


def test_a_selection_gives_no_trend_against_whole_catalog_history(tmp_path: Path) -> None:
    text = CASE.read_text(encoding="utf-8") + (
        '\n[[history]]\nperiod = "2023-Q4"\ncatalog_version = "0.1"\n'
        "area_scores = { governance = 15.3, culture = 33.2, market = 90.0, alignment = 16.0, "
        "early_warning = 49.9, continuous = 61.6 }\noverall = 41.4\n"
    )
    path = tmp_path / "with_history.toml"
    path.write_text(text, encoding="utf-8")
    whole = Engine.default().assess(path)
    assert whole.overall is not None
    assert whole.overall.trend == "stable"
    part = Engine.default(select=["MKT"]).assess(path)
    assert part.overall is not None
    assert part.overall.trend is None
    assert all(area.trend is None for area in part.areas.values())
    assert any("no trend is given" in d for d in part.diagnostics)


def test_an_empty_selection_is_refused() -> None:
    with pytest.raises(SelectionError, match="empty"):
        Engine.default(ignore=[""])


def test_an_actions_if_entry_without_actions_is_a_problem() -> None:
    file = parse_ruleset_text(
        HEADER + '[[rules]]\nid = "A"\ntitle = "t"\narea = "culture"\nseverity = "low"\n'
        'when = "true"\nactions_if = [{ when = "true", actions = [] }]\n',
        source="t.toml",
    )
    assert [p.message for p in file.problems] == [
        "rule A: actions is empty, so the entry recommends nothing"
    ]
