"""The fast paths of scoring give what the plain formulation of DOMAIN §4 gives."""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realign.assessment import Finding, NotEvaluable
from realign.model import HistoryEntry
from realign.rules.ruleset import ActionSpec
from realign.rules.types import SEVERITIES
from realign.scoring import PlanItem, ScoringModel, round_score, score, trend

# The module, not the function the package exports under the same name.
score_module = importlib.import_module("realign.scoring.score")

AREAS = ("governance", "culture", "market", "alignment", "early_warning", "continuous", "extra")
RULES = tuple(f"R-{i}" for i in range(12))
ACTIONS = tuple(f"ACT-{i}" for i in range(6))
MODEL = ScoringModel(catalog_version="1", plan_size=3)


def test_the_plan_item_shortcut_knows_every_field() -> None:
    assert tuple(f.name for f in attrs.fields(PlanItem)) == score_module._PLAN_FIELDS


@given(
    st.tuples(
        st.text(max_size=5),
        st.text(max_size=5),
        st.sampled_from(SEVERITIES),
        st.integers(1, 50),
        st.none() | st.integers(0, 400),
        st.lists(st.text(max_size=4), max_size=3).map(tuple),
        st.none() | st.text(max_size=3),
        st.none() | st.text(max_size=3),
        st.text(max_size=3),
        st.sampled_from(("plan", "backlog")),
    )
)
def test_the_plan_item_shortcut_builds_what_init_builds(values: tuple[Any, ...]) -> None:
    fast = score_module._new_plan_item(*values)
    slow = PlanItem(**dict(zip(score_module._PLAN_FIELDS, values, strict=True)))
    assert type(fast) is PlanItem
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert hash(fast) == hash(slow)
    assert fast.to_dict() == slow.to_dict()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.rank = 0  # type: ignore[misc]


# The plain formulation, written out again as the oracle.
def reference(
    findings: Sequence[Finding],
    not_evaluable: Sequence[NotEvaluable],
    rule_areas: Mapping[str, str],
    actions: Mapping[str, ActionSpec],
    model: ScoringModel,
    history: Sequence[HistoryEntry],
) -> dict[str, Any]:
    skipped = {n.rule for n in not_evaluable}
    order = list(model.weights)
    names = sorted(
        set(rule_areas.values()), key=lambda a: (order.index(a) if a in order else len(order), a)
    )
    areas: dict[str, Any] = {}
    raw: dict[str, float] = {}
    for area in names:
        rules = [r for r, a in rule_areas.items() if a == area]
        mine = [f for f in findings if f.area == area]
        evaluated = sum(1 for r in rules if r not in skipped)
        weight = model.weights.get(area, 0.0)
        if not evaluated:
            areas[area] = (None, "unknown", None, weight, 0, 0, len(rules))
            continue
        value = 100.0
        for f in mine:
            value *= 1.0 - model.factors[f.severity]
        raw[area] = value
        shown = round_score(value)
        light = "red" if any(f.severity == "critical" for f in mine) else model.band(shown)
        past = [float(e.area_scores[area]) for e in history if area in e.area_scores]  # type: ignore[index]
        areas[area] = (
            shown,
            light,
            trend([*past, shown], model),
            weight,
            len(mine),
            evaluated,
            len(rules),
        )
    weighted = [(areas[a][3], raw[a]) for a in areas if a in raw and areas[a][3] > 0]
    overall: Any = None
    if weighted:
        shown = round_score(sum(w * v for w, v in weighted) / sum(w for w, _ in weighted))
        light = model.band(shown)
        if light == "green" and any(v[1] == "red" for v in areas.values()):
            light = "amber"
        partial = any(v[0] is None and v[3] > 0 for v in areas.values())
        past = [e.overall for e in history if e.overall is not None]
        overall = (shown, light, None if partial else trend([*past, shown], model))
    because: dict[str, list[Finding]] = {}
    for f in findings:
        for a in f.actions:
            because.setdefault(a, []).append(f)
    ranked = sorted(
        because.items(),
        key=lambda kv: (-max(SEVERITIES.index(f.severity) for f in kv[1]), -len(kv[1]), kv[0]),
    )
    place = list(rule_areas)
    plan = []
    for rank, (ident, triggers) in enumerate(ranked, 1):
        spec = actions.get(ident)
        rules = sorted({f.rule for f in triggers}, key=lambda r: (place.index(r), r))
        plan.append(
            (
                ident,
                spec.title if spec else ident,
                max((f.severity for f in triggers), key=SEVERITIES.index),
                rank,
                spec.impact_days if spec else None,
                tuple(rules),
                spec.owner if spec else "",
                "plan" if rank <= model.plan_size else "backlog",
            )
        )
    return {"areas": areas, "overall": overall, "plan": plan}


def observed(scores: Any) -> dict[str, Any]:
    return {
        "areas": {
            name: (a.score, a.light, a.trend, a.weight, a.findings, a.evaluated, a.rules)
            for name, a in scores.areas.items()
        },
        "overall": None
        if scores.overall.score is None
        else (scores.overall.score, scores.overall.light, scores.overall.trend),
        "plan": [
            (p.action, p.title, p.priority, p.rank, p.horizon_days, p.because, p.owner, p.tier)
            for p in scores.plan
        ],
    }


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    rules = draw(st.lists(st.sampled_from(RULES), min_size=1, max_size=len(RULES), unique=True))
    rule_areas = {r: draw(st.sampled_from(AREAS)) for r in rules}
    fired = draw(st.lists(st.sampled_from(rules), unique=True))
    findings = [
        Finding(
            rule=r,
            title=r,
            area=rule_areas[r],
            severity=draw(st.sampled_from(SEVERITIES)),
            message=r,
            evidence=(),
            actions=tuple(draw(st.lists(st.sampled_from(ACTIONS), max_size=3, unique=True))),
            conditions=(),
            params={},
        )
        for r in fired
    ]
    rest = [r for r in rules if r not in fired]
    skipped = draw(st.lists(st.sampled_from(rest), unique=True)) if rest else []
    not_evaluable = [NotEvaluable(r, "missing") for r in sorted(skipped)]
    known = draw(st.lists(st.sampled_from(ACTIONS), unique=True))
    actions = {a: ActionSpec(id=a, title=f"do {a}", impact_days=7, owner="lead") for a in known}
    history = [
        HistoryEntry(
            period=f"2020-Q{i + 1}",
            catalog_version="1",
            overall=draw(st.none() | st.integers(0, 100).map(float)),
            area_scores=draw(
                st.dictionaries(st.sampled_from(AREAS[:6]), st.integers(0, 100).map(float))
            ),
        )
        for i in range(draw(st.integers(0, 4)))
    ]
    return {
        "findings": findings,
        "not_evaluable": not_evaluable,
        "passed": [r for r in rest if r not in skipped],
        "rule_areas": rule_areas,
        "actions": actions,
        "history": history,
    }


@settings(max_examples=150, deadline=None)
@given(cases())
def test_score_agrees_with_the_plain_formulation(case: dict[str, Any]) -> None:
    got = score(model=MODEL, **case)
    want = reference(
        case["findings"],
        case["not_evaluable"],
        case["rule_areas"],
        case["actions"],
        MODEL,
        case["history"],
    )
    assert observed(got) == want


def test_a_changed_rule_map_is_not_served_from_memory() -> None:
    rule_areas = {"R-1": "governance", "R-2": "governance"}
    findings = [
        Finding(
            rule=r,
            title=r,
            area="governance",
            severity="high",
            message=r,
            evidence=(),
            actions=("ACT-1",),
            conditions=(),
            params={},
        )
        for r in ("R-2", "R-1")
    ]
    common: dict[str, Any] = {"not_evaluable": [], "passed": [], "actions": {}, "model": MODEL}
    first = score(findings=findings, rule_areas=rule_areas, **common)
    assert first.areas["governance"].rules == 2
    assert first.plan[0].because == ("R-1", "R-2")
    # The same mapping, changed in place: R-2 now comes first and a culture rule joins.
    rule_areas.clear()
    rule_areas.update({"R-2": "governance", "R-1": "governance", "R-3": "culture"})
    second = score(findings=findings, rule_areas=rule_areas, **common)
    assert second.plan[0].because == ("R-2", "R-1")
    assert list(second.areas) == ["governance", "culture"]
    assert second.areas["culture"].rules == 1


# Assessment.to_json writes indented JSON itself; json.dumps is the oracle.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_keys = st.text() | st.integers(-3, 3) | st.none() | st.booleans() | st.floats(-2, 2)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_keys, inner, max_size=4)
        | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=25,
)


def _json_or_error(write: Any, value: Any, indent: int | None) -> tuple[str, str]:
    try:
        return ("text", write(value, indent))
    except (TypeError, ValueError) as error:
        return ("error", type(error).__name__)


@settings(max_examples=300, deadline=None)
@given(_values, st.sampled_from((2, 0, 4, None)))
def test_the_json_writer_writes_what_json_writes(value: Any, indent: int | None) -> None:
    from realign.assessment import _dumps

    def oracle(v: Any, i: int | None) -> str:
        return json.dumps(v, indent=i, ensure_ascii=False, allow_nan=False)

    assert _json_or_error(_dumps, value, indent) == _json_or_error(oracle, value, indent)


def test_the_json_writer_leaves_other_types_to_json() -> None:
    from realign.assessment import _dumps

    with pytest.raises(TypeError):
        _dumps({"a": [1, {"b": object()}]}, 2)
    for bad in ("nan", "inf", "-inf"):
        with pytest.raises(ValueError, match="Out of range"):
            _dumps({"a": [1.5, {"b": float(bad)}]}, 2)
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        _dumps({"a": loop}, 2)
