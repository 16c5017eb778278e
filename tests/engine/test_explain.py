"""Engine.explain: why a rule fired, and why it did not and the smallest change that would."""

from __future__ import annotations

import json
from pathlib import Path

import pluggy
import pytest

import realign
from realign import Engine, FactSet, FactSource, get_plugin_manager
from realign.engine.explain import Change, RuleExplanation, smallest_change
from realign.engine.reading import Check

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "rulesets" / "sample.toml"

#: Thresholds the case study misses by a known amount: 3 late milestones, a pace gap of
#: 3.0, a start on 2023-01-15, a last steering committee on 2023-11-02, alignment scores
#: of 4 (corvid) and 2 (ironbridge), and a high-pace partnership.
EXPLAIN_RULES = """
[ruleset]
id = "explain"
version = "0.1.0"
title = "Near misses"

[[rules]]
id = "X-01"
title = "Many late milestones"
area = "continuous"
severity = "medium"
when = "count(m in milestones where m.late) >= 5"

[[rules]]
id = "X-02"
title = "Very wide pace gap"
area = "culture"
severity = "low"
when = "culture.gaps.pace > 3.5"

[[rules]]
id = "X-03"
title = "Young partnership"
area = "governance"
severity = "low"
when = "partnership.start_date >= 2023-03-01"

[[rules]]
id = "X-04"
title = "More than four late milestones"
area = "continuous"
severity = "low"
when = "count(m in milestones where m.late) > 4"

[[rules]]
id = "X-05"
title = "Committee quiet since the summer"
area = "governance"
severity = "low"
when = "governance.steering_committee.last_meeting < 2023-10-01"

[[rules]]
id = "X-06"
title = "Narrow pace gap"
area = "culture"
severity = "low"
when = "culture.gaps.pace < 2.5"

[[rules]]
id = "X-07"
title = "Partner barely aligned"
area = "alignment"
severity = "low"
for = { p = "partners" }
when = "p.internal_alignment_score < 2"

[[rules]]
id = "X-08"
title = "Calm partnership"
area = "governance"
severity = "low"
when = "partnership.high_pace == false"

[[rules]]
id = "X-09"
title = "Calm partnership, said plainly"
area = "governance"
severity = "low"
when = "not partnership.high_pace"

[[rules]]
id = "X-10"
title = "Few contacts at a misaligned partner"
area = "alignment"
severity = "low"
for = { p = "partners" }
when = ["p.internal_alignment_score <= 2", "p.named_contacts >= 5"]
"""

#: The small partnership of the evaluator tests, trimmed: two decisions raised within H.
SMALL = """
[assessment]
id = "S-1"
partnership_id = "small"
as_of = 2024-03-31
period = "2024-Q1"

[partnership]
id = "small"
name = "Small"
type = "co_development"

[[partners]]
id = "a"
name = "A"

[[partners]]
id = "b"
name = "B"

[[decisions]]
id = "D1"
raised = 2024-01-01
decided = 2024-01-11

[[decisions]]
id = "D2"
raised = 2024-02-01
"""


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture(scope="module")
def engine(pm: pluggy.PluginManager, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    extra = tmp_path_factory.mktemp("explain") / "explain.toml"
    extra.write_text(EXPLAIN_RULES, encoding="utf-8")
    return Engine([SAMPLE, extra], plugin_manager=pm, backend="python")


@pytest.fixture(scope="module")
def case_study(engine: Engine, examples_dir: Path) -> FactSet:
    return engine.facts(examples_dir / "case_study_before.toml")


@pytest.fixture(scope="module")
def healthy(engine: Engine, examples_dir: Path) -> FactSet:
    return engine.facts(examples_dir / "healthy.toml")


@pytest.fixture(scope="module")
def small(pm: pluggy.PluginManager) -> FactSet:
    return realign.load_facts(
        FactSource.from_text(SMALL, name="small.toml", format="toml"), plugin_manager=pm
    )


def only_change(explanation: RuleExplanation) -> Change:
    assert len(explanation.failing) == 1, explanation.failing
    return explanation.failing[0]


# --- fired -----------------------------------------------------------------------------


def test_a_fired_rule_shows_its_evidence(engine: Engine, case_study: FactSet) -> None:
    why = engine.explain("T-02", case_study)
    assert why.status == "fired"
    assert why.rule == "T-02"
    assert why.title == "Recurring escalation theme"
    assert why.failing == ()
    assert why.params == {"recurring_min": 3}
    assert [e.bindings["e"]["id"] for e in why.evidence] == ["E1", "E2", "E4", "E5"]
    for evidence in why.evidence:
        (check,) = evidence.checks
        assert check.op == ">="
        assert check.actual == 4
        assert check.threshold == 3
        assert check.left.startswith("count(x in escalations")
        assert check.right == "recurring_min"
    text = str(why)
    assert "T-02 Recurring escalation theme: fired" in text
    assert "= 4 >= 3" in text


def test_a_fired_rule_with_several_bindings(engine: Engine, case_study: FactSet) -> None:
    why = engine.explain("T-05", case_study)
    assert why.status == "fired"
    first = why.evidence[0]
    assert first.bindings == {"o": {"id": "O1"}, "p": {"id": "ironbridge"}, "q": {"id": "corvid"}}
    assert [(c.left, c.actual, c.op, c.threshold) for c in first.checks] == [
        ("o.priority[p.id]", 5, ">=", 4),
        ("o.priority[p.id] - o.priority[q.id]", 2, ">=", 2),
    ]
    assert {e.severity for e in why.evidence} == {"critical"}


def test_fired_evidence_names_the_thresholds_of_params(engine: Engine, case_study: FactSet) -> None:
    why = engine.explain("T-03", case_study)
    assert why.status == "fired"
    assert why.params == {"gap_threshold": 2.0}
    checks = why.evidence[0].checks
    assert {(c.left, c.actual, c.threshold) for c in checks} == {
        ("culture.gaps.pace", 3.0, 2.0),
        ("culture.gaps.risk_appetite", 3.0, 2.0),
    }


def test_fired_evidence_is_the_assessment_evidence(engine: Engine, case_study: FactSet) -> None:
    assessment = engine.assess(case_study)
    for rule in assessment.fired:
        assert engine.explain(rule, case_study).evidence == assessment.finding(rule).evidence


# --- did not fire ----------------------------------------------------------------------


def test_a_count_below_its_threshold(engine: Engine, case_study: FactSet) -> None:
    why = engine.explain("X-01", case_study)
    assert why.status == "passed"
    assert why.evidence == ()
    change = only_change(why)
    assert change.left == "count(m in milestones where m.late)"
    assert (change.actual, change.op, change.threshold) == (3, ">=", 5)
    assert (change.needed, change.change) == (5, 2)
    assert "+2" in change.note
    assert why.closest == {
        "bindings": {},
        "failed_conditions": ["count(m in milestones where m.late) >= 5"],
    }


def test_a_requirement_two_short_of_three(engine: Engine, small: FactSet) -> None:
    why = engine.explain("T-04", small)
    assert why.status == "not_evaluable"
    assert why.reasons == ("fewer than 3 decisions raised within H",)
    change = only_change(why)
    assert change.left == "count(d in decisions where d.raised within H)"
    assert (change.actual, change.op, change.threshold) == (2, ">=", 3)
    assert (change.needed, change.change) == (3, 1)
    assert "+1" in change.note
    assert "because fewer than 3 decisions raised within H" in str(why)


def test_a_float_threshold_with_greater_than_is_just_above(
    engine: Engine, case_study: FactSet
) -> None:
    change = only_change(engine.explain("X-02", case_study))
    assert (change.actual, change.op, change.threshold) == (3.0, ">", 3.5)
    assert change.needed == 3.5
    assert change.change == 0.5
    assert change.note.startswith("just above 3.5")


def test_a_float_threshold_with_less_than_is_just_below(
    engine: Engine, case_study: FactSet
) -> None:
    change = only_change(engine.explain("X-06", case_study))
    assert (change.actual, change.op, change.threshold) == (3.0, "<", 2.5)
    assert change.change == -0.5
    assert change.note.startswith("just below 2.5")


def test_an_integer_threshold_with_greater_than_needs_one_more(
    engine: Engine, case_study: FactSet
) -> None:
    change = only_change(engine.explain("X-04", case_study))
    assert (change.actual, change.op, change.threshold) == (3, ">", 4)
    assert (change.needed, change.change) == (5, 2)


@pytest.mark.parametrize(("rule", "needed"), [("X-04", 5)])
def test_the_note_of_an_integer_strict_threshold_names_the_value_that_suffices(
    engine: Engine, case_study: FactSet, rule: str, needed: int
) -> None:
    change = only_change(engine.explain(rule, case_study))
    assert change.needed == needed
    # 'above 5' would say that 5 itself is not enough
    assert f"above {needed}" not in change.note
    assert f"below {needed}" not in change.note
    assert str(needed) in change.note


def test_a_date_threshold_is_counted_in_days(engine: Engine, case_study: FactSet) -> None:
    change = only_change(engine.explain("X-03", case_study))
    assert (change.actual, change.op, change.threshold) == ("2023-01-15", ">=", "2023-03-01")
    assert change.needed == "2023-03-01"
    assert change.change == 45
    assert "+45 days" in change.note


def test_a_strict_date_threshold_needs_the_day_before(engine: Engine, case_study: FactSet) -> None:
    change = only_change(engine.explain("X-05", case_study))
    assert (change.actual, change.op, change.threshold) == ("2023-11-02", "<", "2023-10-01")
    assert change.needed == "2023-09-30"
    assert change.change == -33
    assert "-33 days" in change.note


def test_the_closest_binding_is_chosen(engine: Engine, case_study: FactSet) -> None:
    # corvid (score 4, 4 contacts) fails both conditions, ironbridge (2, 2) only one.
    why = engine.explain("X-10", case_study)
    assert why.status == "passed"
    assert why.closest is not None
    assert why.closest["bindings"] == {"p": {"id": "ironbridge"}}
    assert why.closest["failed_conditions"] == ["p.named_contacts >= 5"]
    change = only_change(why)
    assert (change.left, change.actual, change.needed, change.change) == (
        "p.named_contacts",
        2,
        5,
        3,
    )


def test_a_strict_less_than_on_a_continuous_scale(engine: Engine, case_study: FactSet) -> None:
    # A 1-5 score may be 1.9, so from 2.0 the score must go just below 2, not down to 1.
    why = engine.explain("X-07", case_study)
    assert why.status == "passed"
    change = only_change(why)
    assert (change.actual, change.op, change.threshold) == (2.0, "<", 2)
    assert change.needed == 2
    assert change.change == 0
    assert change.note.startswith("just below 2 (it is 2)")


def test_among_equally_failing_bindings_the_nearest_is_shown(
    engine: Engine, case_study: FactSet
) -> None:
    # corvid (4) and ironbridge (2) both fail 'p.internal_alignment_score < 2'; ironbridge
    # is at the boundary, corvid two points above it.
    why = engine.explain("X-07", case_study)
    assert why.closest is not None
    assert why.closest["bindings"] == {"p": {"id": "ironbridge"}}
    assert only_change(why).change == 0


def test_a_boolean_comparison(engine: Engine, case_study: FactSet) -> None:
    change = only_change(engine.explain("X-08", case_study))
    assert (change.actual, change.op, change.threshold) == (True, "==", False)
    assert change.needed is False


def test_a_boolean_comparison_is_worded_in_the_language(
    engine: Engine, case_study: FactSet
) -> None:
    note = only_change(engine.explain("X-08", case_study)).note
    assert "False" not in note
    assert "false" in note


def test_a_boolean_condition(engine: Engine, case_study: FactSet) -> None:
    change = only_change(engine.explain("X-09", case_study))
    assert change.op == "is"
    assert change.actual is True
    assert change.needed is False
    assert "false" in change.note


def test_a_passed_rule_in_words(engine: Engine, healthy: FactSet) -> None:
    text = str(engine.explain("T-03", healthy))
    assert text.splitlines()[0] == "T-03 Pace mismatch: passed"
    assert "fails: culture.gaps.pace = 1.0, needs >= 2.0" in text


# --- not evaluable ---------------------------------------------------------------------


def test_a_rule_on_unknown_facts_gives_the_reasons(engine: Engine, small: FactSet) -> None:
    why = engine.explain("T-03", small)
    assert why.status == "not_evaluable"
    assert len(why.reasons) == 1
    assert why.reasons[0].startswith("culture.gaps is unknown (")
    # nothing failed: the condition is unknown, not false
    assert why.failing == ()
    assert "because culture.gaps is unknown" in str(why)


def test_a_rule_on_unknown_record_fields_names_each(engine: Engine, small: FactSet) -> None:
    why = engine.explain("T-07", small)
    assert why.status == "not_evaluable"
    assert why.reasons == (
        "partners[0].internal_alignment_score is unknown (not stated in the fact file)",
        "partners[1].internal_alignment_score is unknown (not stated in the fact file)",
    )


# --- the interface ---------------------------------------------------------------------


def test_an_unknown_rule_id_is_a_key_error_with_did_you_mean(
    engine: Engine, case_study: FactSet
) -> None:
    with pytest.raises(KeyError, match="did you mean 'T-01'"):
        engine.explain("T-1", case_study)
    with pytest.raises(KeyError, match="no rule 'NOPE'"):
        engine.explain("NOPE", case_study)


def test_explain_agrees_with_assess(engine: Engine, case_study: FactSet, healthy: FactSet) -> None:
    for facts in (case_study, healthy):
        assessment = engine.assess(facts)
        statuses = dict.fromkeys(assessment.fired, "fired")
        statuses |= dict.fromkeys(assessment.passed, "passed")
        statuses |= {n.rule: "not_evaluable" for n in assessment.not_evaluable}
        for rule in engine.rules:
            assert engine.explain(rule.id, facts).status == statuses[rule.id], rule.id


def test_explain_takes_a_path(engine: Engine, examples_dir: Path, case_study: FactSet) -> None:
    by_path = engine.explain("X-01", examples_dir / "case_study_before.toml")
    assert by_path == engine.explain("X-01", case_study)


def test_to_dict_is_json(engine: Engine, case_study: FactSet, small: FactSet) -> None:
    for rule, facts in (("T-05", case_study), ("X-03", case_study), ("T-04", small)):
        document = engine.explain(rule, facts).to_dict()
        assert set(document) == {
            "rule",
            "title",
            "status",
            "conditions",
            "params",
            "reasons",
            "evidence",
            "closest",
            "failing",
            "derived",
        }
        assert json.loads(json.dumps(document)) == document
    failing = engine.explain("X-03", case_study).to_dict()["failing"]
    assert failing[0]["change"] == 45


def test_the_durable_rules_backend_explains_the_same(
    engine: Engine, pm: pluggy.PluginManager, case_study: FactSet
) -> None:
    durable = Engine([SAMPLE], plugin_manager=pm)
    for rule in ("T-02", "T-05", "T-07"):
        assert durable.explain(rule, case_study) == engine.explain(rule, case_study)


# --- smallest_change on its own --------------------------------------------------------


def check(actual: object, op: str, threshold: object) -> Check:
    return Check("x", op, "x", actual, "t", threshold, False)


def test_smallest_change_of_a_missing_value() -> None:
    change = smallest_change(check(None, ">", 3))
    assert change is not None
    assert change.needed is None
    assert "no value" in change.note


def test_smallest_change_of_membership() -> None:
    change = smallest_change(check("x", "in", ["a", "b"]))
    assert change is not None
    assert "one of" in change.note
    change = smallest_change(check("a", "not in", ["a", "b"]))
    assert change is not None
    assert "none of" in change.note


def test_smallest_change_of_not_equal() -> None:
    change = smallest_change(check(3, "!=", 3))
    assert change is not None
    assert change.needed is None
    assert "other than 3" in change.note


@pytest.mark.parametrize(
    ("actual", "op", "threshold", "needed", "delta"),
    [
        (2, ">=", 3, 3, 1),
        (2, ">", 3, 4, 2),
        (5, "<=", 3, 3, -2),
        (5, "<", 3, 2, -3),
        (5, "==", 3, 3, -2),
        (1.25, ">=", 2, 2, 0.75),
        (0.1, ">=", 0.3, 0.3, 0.2),
    ],
)
def test_smallest_change_of_numbers(
    actual: float, op: str, threshold: float, needed: float, delta: float
) -> None:
    change = smallest_change(check(actual, op, threshold))
    assert change is not None
    assert change.needed == needed
    assert change.change == delta
