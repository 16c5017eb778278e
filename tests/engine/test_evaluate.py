"""The Python evaluator: Kleene logic, missing and unknown values, windows, dates, derived facts."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pluggy
import pytest

import realign
from realign import Engine, FactSet, FactSource, get_plugin_manager
from realign.engine.engine import functions_of, vocabulary_of
from realign.engine.evaluate import Context, evaluate_cond, evaluate_term
from realign.engine.reading import items_of
from realign.rules.functions import Function
from realign.rules.lower import Lowerer
from realign.rules.types import ANY, NUMBER, ListType, Type, Vocabulary
from realign.rules.values import Unknown, is_unknown

AS_OF = date(2024, 3, 31)

#: A small partnership: partner b's headcount is not stated (unknown); D2 is not yet
#: decided (a missing value, not an unknown one); E1 was opened on as_of, E2 exactly 182
#: days before it.
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
headcount = 10

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

[[escalations]]
id = "E1"
opened = 2024-03-31
raised_by = "a"
category = "quality"

[[escalations]]
id = "E2"
opened = 2023-10-01
raised_by = "b"
category = "quality"
resolved = 2023-10-05
"""

UNKNOWN = "partners[1].headcount > 0"
TRUE, FALSE = "true", "false"


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture(scope="module")
def vocabulary(pm: pluggy.PluginManager) -> Vocabulary:
    return vocabulary_of(pm)


@pytest.fixture(scope="module")
def functions(pm: pluggy.PluginManager) -> dict[str, Function]:
    return functions_of(pm)


def facts_from(text: str, pm: pluggy.PluginManager) -> FactSet:
    return realign.load_facts(
        FactSource.from_text(text, name="small.toml", format="toml"), plugin_manager=pm
    )


@pytest.fixture(scope="module")
def small(pm: pluggy.PluginManager) -> FactSet:
    return facts_from(SMALL, pm)


@pytest.fixture(scope="module")
def case_study(pm: pluggy.PluginManager, examples_dir: Path) -> FactSet:
    return realign.load_facts(examples_dir / "case_study_before.toml", plugin_manager=pm)


class Evaluator:
    """Lower a condition or expression and evaluate it on a fact set."""

    def __init__(self, vocabulary: Vocabulary, functions: Mapping[str, Function]) -> None:
        self.vocabulary = vocabulary
        self.functions = dict(functions)

    def _lowerer(self, types: Mapping[str, Type]) -> Lowerer:
        return Lowerer(self.vocabulary, self.functions, {}, types)

    def _bind(
        self, facts: FactSet, ctx: Context, bindings: Mapping[str, tuple[str, int]]
    ) -> tuple[dict[str, Any], dict[str, Type]]:
        env: dict[str, Any] = {}
        types: dict[str, Type] = {}
        for name, (collection, position) in bindings.items():
            lowered = self._lowerer({}).expression(collection)
            assert lowered is not None
            term, typ = lowered
            env[name] = items_of(evaluate_term(term, ctx, {}))[position]
            types[name] = typ.elem if isinstance(typ, ListType) else ANY
        return env, types

    def cond(
        self, facts: FactSet, text: str, ctx: Context | None = None, **bindings: tuple[str, int]
    ) -> bool | Unknown:
        ctx = ctx or Context(facts)
        env, types = self._bind(facts, ctx, bindings)
        lowerer = self._lowerer(types)
        cond = lowerer.condition(text)
        assert cond is not None, lowerer.issues
        return evaluate_cond(cond, ctx, env)

    def term(self, facts: FactSet, text: str, **bindings: tuple[str, int]) -> Any:
        ctx = Context(facts)
        env, types = self._bind(facts, ctx, bindings)
        lowerer = self._lowerer(types)
        lowered = lowerer.expression(text)
        assert lowered is not None, lowerer.issues
        return evaluate_term(lowered[0], ctx, env)


@pytest.fixture(scope="module")
def ev(vocabulary: Vocabulary, functions: dict[str, Function]) -> Evaluator:
    return Evaluator(vocabulary, functions)


def kleene(value: bool | Unknown) -> str:
    return "U" if is_unknown(value) else ("T" if value is True else "F")


def reasons(value: Any) -> frozenset[str]:
    assert is_unknown(value), value
    return value.reasons  # type: ignore[no-any-return]


# --- Kleene logic ----------------------------------------------------------------------

ATOMS = {"T": TRUE, "F": FALSE, "U": UNKNOWN}
AND = {
    ("T", "T"): "T",
    ("T", "F"): "F",
    ("T", "U"): "U",
    ("F", "T"): "F",
    ("F", "F"): "F",
    ("F", "U"): "F",
    ("U", "T"): "U",
    ("U", "F"): "F",
    ("U", "U"): "U",
}
OR = {
    ("T", "T"): "T",
    ("T", "F"): "T",
    ("T", "U"): "T",
    ("F", "T"): "T",
    ("F", "F"): "F",
    ("F", "U"): "U",
    ("U", "T"): "T",
    ("U", "F"): "U",
    ("U", "U"): "U",
}
NOT = {"T": "F", "F": "T", "U": "U"}


def test_the_atoms(ev: Evaluator, small: FactSet) -> None:
    assert {k: kleene(ev.cond(small, text)) for k, text in ATOMS.items()} == {
        "T": "T",
        "F": "F",
        "U": "U",
    }


@pytest.mark.parametrize(("a", "b"), sorted(AND))
def test_kleene_and(ev: Evaluator, small: FactSet, a: str, b: str) -> None:
    assert kleene(ev.cond(small, f"{ATOMS[a]} and {ATOMS[b]}")) == AND[a, b]


@pytest.mark.parametrize(("a", "b"), sorted(OR))
def test_kleene_or(ev: Evaluator, small: FactSet, a: str, b: str) -> None:
    assert kleene(ev.cond(small, f"{ATOMS[a]} or {ATOMS[b]}")) == OR[a, b]


@pytest.mark.parametrize(("a", "b"), sorted(AND))
def test_kleene_negation_of_and_and_or(ev: Evaluator, small: FactSet, a: str, b: str) -> None:
    assert kleene(ev.cond(small, f"not ({ATOMS[a]} and {ATOMS[b]})")) == NOT[AND[a, b]]
    assert kleene(ev.cond(small, f"not ({ATOMS[a]} or {ATOMS[b]})")) == NOT[OR[a, b]]


def test_unknown_carries_its_reason(ev: Evaluator, small: FactSet) -> None:
    result = ev.cond(small, f"{UNKNOWN} and true")
    assert reasons(result) == {"partners[1].headcount is unknown (not stated in the fact file)"}
    both = ev.cond(small, "partners[1].headcount > 0 or partners[1].named_contacts > 0")
    assert len(reasons(both)) == 2


# --- missing values ("not yet") --------------------------------------------------------


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_a_comparison_with_a_missing_value_is_false_and_so_is_its_negation(
    ev: Evaluator, small: FactSet, op: str
) -> None:
    text = f"decisions[1].decided {op} 2024-01-01"
    assert ev.cond(small, text) is False
    assert ev.cond(small, f"not ({text})") is False
    assert ev.cond(small, f"2024-01-01 {op} decisions[1].decided") is False


def test_a_missing_value_is_known(ev: Evaluator, small: FactSet) -> None:
    assert ev.cond(small, "exists decisions[1].decided") is False
    assert ev.cond(small, "not exists decisions[1].decided") is True
    assert ev.cond(small, "exists decisions[0].decided") is True
    assert ev.cond(small, "known(decisions[1].decided)") is True
    assert ev.cond(small, "decisions[1].open") is True


def test_membership_of_a_missing_value_is_false(ev: Evaluator, small: FactSet) -> None:
    assert ev.cond(small, "decisions[1].decided in [2024-01-01]") is False
    assert ev.cond(small, "decisions[1].decided not in [2024-01-01]") is False


# --- unknown propagates ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "partners[1].headcount + 1",
        "partners[1].headcount * 0",
        "-partners[1].headcount",
        "abs(partners[1].headcount)",
        "round(partners[1].headcount, 1)",
        "ratio(partners[0].headcount, partners[1].headcount)",
        "max(partners[1].headcount, 3)",
        "partners[1].headcount + 1 / 0",
        "[1, partners[1].headcount]",
    ],
)
def test_unknown_propagates_through_arithmetic_and_functions(
    ev: Evaluator, small: FactSet, text: str
) -> None:
    assert "partners[1].headcount is unknown" in next(iter(reasons(ev.term(small, text))))


def test_unknown_propagates_through_fields(ev: Evaluator, small: FactSet) -> None:
    # No governance table is stated: everything under it is unknown, with the reason.
    result = ev.cond(small, "governance.decision_protocol.documented == true")
    assert reasons(result) == {"governance is unknown (not stated in the fact file)"}
    assert is_unknown(ev.cond(small, "not (governance.escalation_path.defined == false)"))
    assert is_unknown(ev.cond(small, "exists governance.escalation_path"))


def test_unknown_comes_before_missing(ev: Evaluator, small: FactSet) -> None:
    assert is_unknown(ev.cond(small, "partners[1].headcount > 0 or decisions[1].decided > as_of"))
    assert kleene(ev.cond(small, f"decisions[1].decided > as_of and {UNKNOWN}")) == "F"


def test_coalesce_and_known_handle_unknown(ev: Evaluator, small: FactSet) -> None:
    assert ev.term(small, "coalesce(partners[1].headcount, 7)") == 7
    assert ev.term(small, "coalesce(partners[1].headcount, partners[0].headcount)") == 10
    assert ev.term(small, "coalesce(decisions[1].decided, as_of)") == AS_OF
    assert ev.cond(small, "known(partners[1].headcount)") is False
    assert ev.cond(small, "not known(partners[1].headcount)") is True
    assert ev.cond(small, "known(partners[0].headcount)") is True


def test_a_failing_function_is_unknown_with_the_reason(
    vocabulary: Vocabulary, functions: dict[str, Function], small: FactSet
) -> None:
    def explode(value: float) -> float:
        raise ZeroDivisionError("boom")

    broken = Function(name="explode", params=(NUMBER,), returns=NUMBER, impl=explode)
    evaluator = Evaluator(vocabulary, {**functions, "explode": broken})
    # The failure is the reason the value is unknown; it is not a diagnostic, since
    # the two backends evaluate different subsets of the values.
    result = evaluator.cond(small, "explode(1) > 0", ctx=Context(small))
    assert len(reasons(result)) == 1
    assert "explode() failed" in next(iter(reasons(result)))


# --- aggregates ------------------------------------------------------------------------


def test_count_with_an_unknown_filter_is_unknown(ev: Evaluator, small: FactSet) -> None:
    assert is_unknown(ev.term(small, "count(p in partners where p.headcount > 5)"))
    assert is_unknown(ev.cond(small, "count(p in partners where p.headcount > 5) >= 0"))
    assert ev.term(small, "count(p in partners where p.id == 'a')") == 1
    assert ev.term(small, "count(partners)") == 2


def test_any_true_beats_unknown(ev: Evaluator, small: FactSet) -> None:
    assert ev.cond(small, "any(p in partners where p.headcount > 5)") is True
    assert ev.cond(small, "exists p in partners where p.headcount > 5") is True
    assert is_unknown(ev.cond(small, "any(p in partners where p.headcount > 50)"))
    assert ev.cond(small, "none(p in partners where p.headcount > 5)") is False
    assert is_unknown(ev.cond(small, "none(p in partners where p.headcount > 50)"))
    assert is_unknown(ev.cond(small, "not any(p in partners where p.headcount > 50)"))


def test_all_false_beats_unknown(ev: Evaluator, small: FactSet) -> None:
    assert ev.cond(small, "all(p.headcount > 50 for p in partners)") is False
    assert is_unknown(ev.cond(small, "all(p.headcount > 5 for p in partners)"))
    # the filter leaves out the unknown partner
    assert ev.cond(small, "all(p.headcount > 5 for p in partners where p.id == 'a')") is True
    # an item the filter cannot decide counts against all() only if it would fail
    either = "all(p.id == 'a' or p.id == 'b' for p in partners where p.headcount > 5)"
    assert ev.cond(small, either) is True
    assert is_unknown(ev.cond(small, "all(p.id == 'a' for p in partners where p.headcount > 5)"))


def test_quantifiers_over_nothing(ev: Evaluator, small: FactSet) -> None:
    assert ev.cond(small, "any(m in meetings)") is False
    assert ev.cond(small, "all(m.minutes_published for m in meetings)") is True
    assert ev.cond(small, "none(m in meetings)") is True


def test_all_with_only_a_filter_reads_it_as_the_test(
    vocabulary: Vocabulary, functions: dict[str, Function], small: FactSet
) -> None:
    """``all(p in partners where p.headcount > 50)`` must not be vacuously true.

    any() and none() read ``where`` as the test; all() reads it as a filter with no test,
    so every such condition is true whatever the facts. Rejecting the form is fine too.
    """
    lowerer = Lowerer(vocabulary, functions, {}, {})
    cond = lowerer.condition("all(p in partners where p.headcount > 50)")
    if cond is None:
        return  # refused with an error: acceptable
    assert evaluate_cond(cond, Context(small), {}) is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("median(d.latency_days for d in decisions where d.raised > as_of)", None),
        ("mean(d.latency_days for d in decisions where d.raised > as_of)", None),
        ("min(d.raised for d in decisions where d.raised > as_of)", None),
        ("max(d.latency_days for d in decisions where false)", None),
        ("sum(d.latency_days for d in decisions where false)", 0),
        ("count(d in decisions where false)", 0),
        ("median(d.latency_days for d in decisions)", (10 + 59) / 2),
        ("mean(d.latency_days for d in decisions)", (10 + 59) / 2),
        ("sum(d.latency_days for d in decisions)", 69),
        ("min(d.raised for d in decisions)", date(2024, 1, 1)),
        ("max(d.decided for d in decisions)", date(2024, 1, 11)),
    ],
)
def test_aggregate_values(ev: Evaluator, small: FactSet, text: str, expected: Any) -> None:
    assert ev.term(small, text) == expected


def test_median_of_nothing_is_missing_so_comparisons_are_false(
    ev: Evaluator, small: FactSet
) -> None:
    text = "median(d.latency_days for d in decisions where d.raised > as_of)"
    assert ev.cond(small, f"{text} > 0") is False
    assert ev.cond(small, f"not ({text} > 0)") is False
    assert ev.cond(small, f"exists {text}") is False


# --- windows and dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("escalations[0].opened within 0d", True),  # opened on as_of
        ("escalations[1].opened within 182d", True),  # exactly 182 days before
        ("escalations[1].opened within H", True),
        ("escalations[1].opened within 181d", False),
        ("as_of within 0d", True),
        ("(as_of - 91d) within Q", True),
        ("(as_of - 92d) within Q", False),
        ("(as_of - 1d) within 0d", False),
        ("(as_of + 1d) within 30d", False),  # the future is not within a past window
        ("2024-03-30 within 1d", True),
    ],
)
def test_within_is_inclusive_at_both_ends(
    ev: Evaluator, small: FactSet, text: str, expected: bool
) -> None:
    assert ev.cond(small, text) is expected


def test_within_of_a_missing_date_is_false_both_ways(ev: Evaluator, small: FactSet) -> None:
    assert ev.cond(small, "decisions[1].decided within Y") is False
    assert ev.cond(small, "not (decisions[1].decided within Y)") is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("as_of - 2024-03-01", 30),
        ("as_of - as_of", 0),
        ("2024-01-01 - as_of", -90),
        ("as_of + 1d", date(2024, 4, 1)),
        ("as_of - 1w", date(2024, 3, 24)),
        ("2024-02-28 + 1d", date(2024, 2, 29)),
        ("2023-02-28 + 1d", date(2023, 3, 1)),
        ("1 + as_of", date(2024, 4, 1)),
        ("as_of - Y", date(2023, 4, 1)),
        ("decisions[0].decided - decisions[0].raised", 10),
        ("decisions[1].decided - decisions[1].raised", None),
    ],
)
def test_date_arithmetic(ev: Evaluator, small: FactSet, text: str, expected: Any) -> None:
    assert ev.term(small, text) == expected


@pytest.mark.parametrize("text", ["1 / 0", "5 % 0", "ratio(3, 0)", "percent_change(3, 0)"])
def test_division_by_zero_is_missing(ev: Evaluator, small: FactSet, text: str) -> None:
    assert ev.term(small, text) is None
    assert ev.cond(small, f"{text} > 0") is False
    assert ev.cond(small, f"not ({text} > 0)") is False


def test_arithmetic(ev: Evaluator, small: FactSet) -> None:
    assert ev.term(small, "7 / 2") == 3.5
    assert ev.term(small, "7 % 3") == 1
    assert ev.term(small, "2 + 3 * 4") == 14
    assert ev.term(small, "-(2 - 5)") == 3


# --- derived facts ---------------------------------------------------------------------


def test_derived_facts_of_a_bound_record(ev: Evaluator, small: FactSet) -> None:
    assert ev.term(small, "d.latency_days", d=("decisions", 0)) == 10
    assert ev.term(small, "d.latency_days", d=("decisions", 1)) == 59  # open: to as_of
    assert ev.cond(small, "d.open", d=("decisions", 1)) is True
    assert ev.cond(small, "d.open", d=("decisions", 0)) is False
    assert ev.term(small, "decisions[0].latency_days") == 10
    assert ev.term(small, "e.days_open", e=("escalations", 1)) == 4


def test_derived_facts_of_a_bound_record_in_a_comprehension(
    ev: Evaluator, case_study: FactSet
) -> None:
    assert ev.term(case_study, "count(d in decisions where d.latency_days > 30)") == sum(
        1
        for name, fact in case_study.derived.items()
        if name.startswith("decisions[") and name.endswith("latency_days") and fact.value > 30
    )


def test_derived_facts_in_namespaces(ev: Evaluator, case_study: FactSet) -> None:
    missed = case_study.value("governance.sponsors.missed_meetings")
    assert missed == {"corvid": 2, "ironbridge": 0}
    assert ev.term(case_study, "governance.sponsors.missed_meetings['corvid']") == 2
    assert ev.term(case_study, "governance.sponsors.missed_meetings.ironbridge") == 0
    assert ev.cond(case_study, "governance.sponsors.missed_meetings[p.id] >= 2", p=("partners", 0))
    assert ev.term(case_study, "culture.gaps.pace") == case_study.value("culture.gaps")["pace"]
    assert ev.term(case_study, "escalations.opened_last_q") == case_study.value(
        "escalations.opened_last_q"
    )
    assert ev.term(case_study, "decisions.median_latency_days_h") == 76.0


def test_unknown_derived_facts_say_why(ev: Evaluator, small: FactSet) -> None:
    # No culture profiles: the gaps cannot be computed.
    result = ev.cond(small, "culture.gaps.pace >= 2")
    (reason,) = reasons(result)
    assert reason.startswith("culture.gaps is unknown (")
    assert reason == f"culture.gaps is unknown ({small.derived['culture.gaps'].unknown})"


def test_derived_facts_under_an_unstated_table_stay_reachable(
    ev: Evaluator, small: FactSet
) -> None:
    """The governance table is not stated, but the sponsors' missed meetings come from the
    meeting log and are known; the evaluator must not answer "unknown" for them."""
    assert small.value("governance.sponsors.missed_meetings") == {"a": 0, "b": 0}
    result = ev.cond(small, "governance.sponsors.missed_meetings['a'] == 0")
    assert result is True, result


def test_derived_facts_under_an_unstated_record_stay_reachable(
    ev: Evaluator, pm: pluggy.PluginManager
) -> None:
    facts = facts_from(SMALL + "\n[governance.decision_protocol]\ndocumented = true\n", pm)
    assert facts.value("governance.steering_committee.meetings_held") == 0
    result = ev.cond(facts, "governance.steering_committee.meetings_held == 0")
    assert result is True, result


# --- rules on data gaps, end to end ----------------------------------------------------

GAP_RULES = """
[ruleset]
id = "gaps"
version = "0.1.0"
title = "Gap rules"

[[rules]]
id = "G-01"
title = "Open escalations"
area = "governance"
severity = "high"
when = "count(e in escalations where e.open) >= 1"

[[rules]]
id = "G-02"
title = "Each open escalation"
area = "governance"
severity = "medium"
for = { e = "escalations" }
when = "e.open"

[[rules]]
id = "G-03"
title = "Small partner"
area = "alignment"
severity = "low"
for = { p = "partners" }
when = "p.headcount < 100"

[[rules]]
id = "G-04"
title = "Slow decision"
area = "governance"
severity = "low"
for = { d = "decisions" }
when = "d.latency_days > 30"

[[rules]]
id = "G-05"
title = "Follows G-01"
area = "governance"
severity = "low"
when = "fired('G-01')"

[[rules]]
id = "G-06"
title = "Any high finding"
area = "governance"
severity = "low"
when = "count(f in findings where f.severity == 'high') >= 1"
"""

GAPPED = SMALL.replace(
    'period = "2024-Q1"', 'period = "2024-Q1"\ndata_gaps = ["escalations"]', 1
).split("[[escalations]]", 1)[0]


@pytest.fixture(scope="module", params=["python", "durable_rules"])
def gap_engine(
    request: pytest.FixtureRequest,
    pm: pluggy.PluginManager,
    tmp_path_factory: pytest.TempPathFactory,
) -> Engine:
    path = tmp_path_factory.mktemp("gaps") / "gaps.toml"
    path.write_text(textwrap.dedent(GAP_RULES), encoding="utf-8")
    return Engine([path], plugin_manager=pm, backend=request.param)


def test_a_data_gap_makes_dependent_rules_not_evaluable_with_the_gap_named(
    gap_engine: Engine, pm: pluggy.PluginManager
) -> None:
    facts = facts_from(GAPPED, pm)
    assert facts.unknown["escalations"] == "declared a data gap in assessment.data_gaps"
    assessment = gap_engine.assess(facts)
    reasons_by_rule = {n.rule: n.reason for n in assessment.not_evaluable}
    for rule in ("G-01", "G-02"):
        assert "escalations" in reasons_by_rule[rule], rule
        assert "data gap" in reasons_by_rule[rule], rule
    # rules that do not read escalations are unaffected
    assert "G-04" in assessment.fired
    assert "G-01" not in assessment.passed


def test_unknown_fields_of_some_records_make_the_rule_not_evaluable(
    gap_engine: Engine, small: FactSet
) -> None:
    assessment = gap_engine.assess(small)
    # partner a (10 people) matches, so the rule fires despite partner b's unknown headcount
    assert "G-03" in assessment.fired
    assert [e.bindings["p"] for e in assessment.finding("G-03").evidence] == [{"id": "a"}]
    assert "G-01" in assessment.fired  # E1 is open


def test_a_rule_on_an_unknown_record_field_alone_is_not_evaluable(
    gap_engine: Engine, pm: pluggy.PluginManager
) -> None:
    text = SMALL.replace("headcount = 10\n", "headcount = 500\n")
    assessment = gap_engine.assess(facts_from(text, pm))
    reasons_by_rule = {n.rule: n.reason for n in assessment.not_evaluable}
    assert "G-03" not in assessment.passed
    assert "partners[1].headcount is unknown" in reasons_by_rule["G-03"]


def test_fired_of_a_rule_that_is_not_evaluable_is_unknown(
    gap_engine: Engine, pm: pluggy.PluginManager
) -> None:
    assessment = gap_engine.assess(facts_from(GAPPED, pm))
    reasons_by_rule = {n.rule: n.reason for n in assessment.not_evaluable}
    assert "G-01 is not evaluable" in reasons_by_rule["G-05"]


def test_counting_findings_when_a_rule_is_not_evaluable_is_unknown(
    gap_engine: Engine, pm: pluggy.PluginManager
) -> None:
    """G-01 (high) could not be evaluated, so whether any high finding exists is unknown:
    G-06 must not pass, as fired('G-01') does not."""
    assessment = gap_engine.assess(facts_from(GAPPED, pm))
    assert "G-06" not in assessment.passed
    assert "G-06" in {n.rule for n in assessment.not_evaluable}


def test_the_small_partnership_is_as_described(small: FactSet) -> None:
    # Guards the fixture the tests above rely on.
    assert small.partnership.assessment.as_of == AS_OF
    assert small.unknown["partners[1].headcount"] == "not stated in the fact file"
    assert "partners[0].headcount" not in small.unknown
    assert small.is_known("decisions[1].decided")
