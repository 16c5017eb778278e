"""The second round of shortcuts in building findings and scores gives what the plain way gives.

Checks, evidence and findings are made by positional constructors that fill the
slots directly; findings are ordered by a module-level key; and scoring takes the
layout of the rules an engine runs from the engine, made once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realign._builders import positional
from realign.assessment import (
    Check,
    Evidence,
    Finding,
    NotEvaluable,
    new_check,
    new_evidence,
    new_finding,
    severity_rank,
)
from realign.engine import reading
from realign.engine.engine import Engine, _finding_order
from realign.plugins import get_plugin_manager
from realign.rules.ruleset import AREAS
from realign.rules.types import SEVERITIES
from realign.scoring import ScoringModel, layout_of, score

DATA = Path(__file__).resolve().parent.parent / "data"

# Two rules that share a condition reading no binding, each with a condition of its
# own that does read one, in one stratum.
SHARED = """
[ruleset]
id = "shared"
version = "0.1.0"
title = "Rules sharing a rule-wide condition"
realign = ">=0.1"

[[rules]]
id = "SH-01"
title = "Decisions while partners exist"
area = "governance"
severity = "low"
for = { d = "decisions" }
when = "count(x in partners where true) >= 1 and exists d.raised"

[[rules]]
id = "SH-02"
title = "Partners while partners exist"
area = "culture"
severity = "medium"
for = { p = "partners" }
when = "count(x in partners where true) >= 1 and p.id != \\"\\""
"""

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.text(max_size=3)
    | st.lists(st.integers(0, 2), max_size=2)
)


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("shared") / "shared.toml"
    path.write_text(SHARED, encoding="utf-8")
    return Engine([path], plugin_manager=get_plugin_manager(load_entrypoints=False))


def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(cls))


def _same(fast: Any, slow: Any) -> None:
    assert type(fast) is type(slow)
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert fast.to_dict() == slow.to_dict()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.severity = "x"


@settings(max_examples=100, deadline=None)
@given(
    st.tuples(
        st.text(max_size=3),
        st.text(max_size=3),
        st.sampled_from(("<", "is")),
        _scalars,
        st.text(max_size=3),
        _scalars,
    )
)
def test_a_positional_check_is_what_init_makes(values: tuple[Any, ...]) -> None:
    fast = new_check(*values)
    slow = Check(**dict(zip(_field_names(Check), values, strict=True)))
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert fast.to_dict() == slow.to_dict()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.op = "x"  # type: ignore[misc]


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abc"), _scalars, max_size=2),
    st.sampled_from(SEVERITIES),
    st.lists(st.tuples(st.text(max_size=2), _scalars), max_size=2),
    st.text(max_size=4),
    st.lists(st.sampled_from(("A-1", "A-2")), max_size=2).map(tuple),
    st.sampled_from(("governance", "culture", "elsewhere")),
)
def test_positional_evidence_and_findings_are_what_init_makes(
    bindings: dict[str, Any],
    severity: str,
    raw_checks: list[tuple[str, Any]],
    message: str,
    actions: tuple[str, ...],
    area: str,
) -> None:
    checks = tuple(new_check(t, "l", "==", v, "r", v) for t, v in raw_checks)
    fast = new_evidence(bindings, severity, checks)
    slow = Evidence(bindings=bindings, severity=severity, checks=checks)
    _same(fast, slow)
    values = (
        "R-1",
        "t",
        area,
        severity,
        message,
        (fast,),
        actions,
        ("c",),
        {"p": 1},
        "why",
        ("s",),
        ("tag",),
    )
    _same(new_finding(*values), Finding(**dict(zip(_field_names(Finding), values, strict=True))))


def test_the_shortcut_is_taken_only_for_plain_fields() -> None:
    @attrs.frozen
    class Checked:
        a: int = attrs.field(validator=attrs.validators.instance_of(int))
        b: str = attrs.field(converter=str)

    build = positional(Checked, ("a", "b"))
    assert build(1, 2) == Checked(1, "2")
    assert build(1, 2).b == "2"
    with pytest.raises(TypeError):
        build("one", 2)

    @attrs.frozen
    class Plain:
        a: int
        b: int

    # The names in another order than the fields: __init__, by keyword, decides.
    swapped = positional(Plain, ("b", "a"))
    assert swapped(1, 2) == Plain(a=2, b=1)
    assert positional(Plain, ("a", "b"))(1, 2) == Plain(1, 2)
    # Without names, the fields in their order.
    assert positional(Plain)(1, 2) == Plain(1, 2)

    @attrs.frozen
    class Computed:
        a: int
        b: int = attrs.field(init=False, default=7)

    # A field __init__ does not take is not stored as given: __init__ decides.
    assert positional(Computed, ("a",))(1) == Computed(1)


def test_a_rule_wide_check_is_written_once_per_finding(
    shared_engine: Engine, examples_dir: Path
) -> None:
    assessment = shared_engine.assess(examples_dir / "case_study_before.toml")
    for finding in (assessment.finding("SH-01"), assessment.finding("SH-02")):
        assert len(finding.evidence) > 1
        shared = [e.checks[0] for e in finding.evidence]
        assert shared[0].condition == "count(x in partners where true) >= 1"
        # One object for the condition in every piece of evidence of the finding.
        assert all(c is shared[0] for c in shared)
    # The checks of the bound conditions stay each evidence's own.
    second = assessment.finding("SH-02")
    own = [e.checks[1] for e in second.evidence]
    assert [c.actual for c in own] == [e.bindings["p"]["id"] for e in second.evidence]
    assert len({id(c) for c in own}) == len(own)


def test_written_checks_do_not_cross_assessments(
    shared_engine: Engine, examples_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sources = [examples_dir / "case_study_before.toml", examples_dir / "healthy.toml"]
    # One engine, assessments interleaved, against a fresh engine per partnership.
    reused = [shared_engine.assess(s).to_json() for s in [*sources, *sources]]
    path = tmp_path_factory.mktemp("fresh") / "shared.toml"
    path.write_text(SHARED, encoding="utf-8")
    fresh = [
        Engine([path], plugin_manager=get_plugin_manager(load_entrypoints=False))
        .assess(s)
        .to_json()
        for s in sources
    ]
    assert reused == [*fresh, *fresh]


def _reference_order(finding: Finding) -> tuple[int, int, str, str]:
    order = {area: i for i, area in enumerate(AREAS)}
    return (
        -severity_rank(finding.severity),
        order.get(finding.area, len(order)),
        finding.area,
        finding.rule,
    )


@given(
    st.lists(
        st.tuples(
            st.sampled_from(SEVERITIES),
            st.sampled_from((*AREAS, "zeta", "alpha")),
            st.sampled_from(("R-1", "R-2", "R-3")),
        ),
        max_size=8,
    )
)
def test_findings_are_ordered_as_before(rows: list[tuple[str, str, str]]) -> None:
    findings = [
        new_finding(r, r, area, sev, "", (), (), (), {}, "", (), ()) for sev, area, r in rows
    ]
    assert sorted(findings, key=_finding_order) == sorted(findings, key=_reference_order)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([f"R-{i}" for i in range(6)]),
        st.sampled_from(("governance", "culture", "market", "other")),
        min_size=1,
    ),
    st.data(),
)
def test_a_layout_given_scores_as_one_made_on_the_spot(
    rule_areas: dict[str, str], data: st.DataObject
) -> None:
    model = ScoringModel(catalog_version="1", plan_size=2)
    fired = data.draw(st.lists(st.sampled_from(sorted(rule_areas)), unique=True))
    findings = [
        new_finding(
            r,
            r,
            rule_areas[r],
            data.draw(st.sampled_from(SEVERITIES)),
            "",
            (),
            tuple(data.draw(st.lists(st.sampled_from(("A-1", "A-2", "A-3")), unique=True))),
            (),
            {},
            "",
            (),
            (),
        )
        for r in fired
    ]
    rest = sorted(set(rule_areas) - set(fired))
    skipped = data.draw(st.lists(st.sampled_from(rest), unique=True)) if rest else []
    common: dict[str, Any] = {
        "findings": findings,
        "not_evaluable": [NotEvaluable(r, "missing") for r in sorted(skipped)],
        "passed": [r for r in rest if r not in skipped],
        "rule_areas": rule_areas,
        "actions": {},
        "model": model,
    }
    assert score(layout=layout_of(rule_areas, model), **common) == score(**common)


def test_a_traced_check_is_what_init_makes() -> None:
    values = ("x > 1", ">", "x", 2, "1", 1, True)
    built = reading.new_check(*values)
    assert type(built) is reading.Check
    assert built == reading.Check(*values)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.result = False  # type: ignore[misc]
