"""Scoring (DOMAIN §4): area health, lights, overall, trends, coverage and the plan."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realign.assessment import Finding, NotEvaluable
from realign.model import HistoryEntry
from realign.rules.ruleset import ActionSpec, parse_ruleset_text
from realign.scoring import ScoringModel, round_score, score, trend

MODEL = ScoringModel(catalog_version="0.1")
AREAS = ("governance", "culture", "market", "alignment", "early_warning", "continuous")


def finding(rule: str, severity: str, area: str = "governance", *actions: str) -> Finding:
    return Finding(
        rule=rule,
        title=rule,
        area=area,
        severity=severity,
        message=rule,
        evidence=(),
        actions=actions,
        conditions=(),
        params={},
    )


def scored(findings: list[Finding], **kwargs: Any) -> Any:
    rules = {f.rule: f.area for f in findings}
    rules.update(kwargs.pop("extra_rules", {}))
    passed = [r for r in rules if r not in {f.rule for f in findings}]
    not_evaluable = kwargs.pop("not_evaluable", [])
    passed = [r for r in passed if r not in {n.rule for n in not_evaluable}]
    return score(
        findings=findings,
        not_evaluable=not_evaluable,
        passed=passed,
        rule_areas=rules,
        actions=kwargs.pop("actions", {}),
        model=kwargs.pop("model", MODEL),
        **kwargs,
    )


# DOMAIN §4.1's worked examples.
@pytest.mark.parametrize(
    ("severities", "expected", "light"),
    [
        ((), 100.0, "green"),
        (("medium",), 90.0, "green"),
        (("medium", "low"), 85.5, "green"),
        (("high",), 80.0, "amber"),
        (("medium", "medium"), 81.0, "amber"),
        (("high", "high"), 64.0, "amber"),
        (("high", "high", "high"), 51.2, "red"),
        (("critical",), 60.0, "red"),
        (("info", "info"), 100.0, "green"),
        (("low", "low", "low"), 85.7, "green"),
    ],
)
def test_area_score_and_light(severities: tuple[str, ...], expected: float, light: str) -> None:
    findings = [finding(f"GOV-{i:02}", s) for i, s in enumerate(severities, 1)]
    area = scored(findings, extra_rules={"GOV-99": "governance"}).areas["governance"]
    assert area.score == expected
    assert area.light == light


def test_score_does_not_depend_on_finding_order() -> None:
    findings = [finding("A", "high"), finding("B", "low"), finding("C", "critical")]
    forward = scored(findings).areas["governance"].score
    backward = scored(list(reversed(findings))).areas["governance"].score
    assert forward == backward


def test_an_area_nobody_could_evaluate_is_unknown_not_healthy() -> None:
    result = scored(
        [finding("GOV-01", "high")],
        extra_rules={"CUL-01": "culture"},
        not_evaluable=[NotEvaluable("CUL-01", "culture.profiles is unknown")],
    )
    culture = result.areas["culture"]
    assert culture.score is None
    assert culture.light == "unknown"
    assert culture.trend is None
    # The overall is the weighted mean of the areas that could be scored; it is not
    # comparable with history of all areas, so it has no trend.
    assert result.overall.score == 80.0
    assert result.overall.trend is None


def test_overall_is_weighted_and_capped_at_amber() -> None:
    rules = {f"R-{a}": a for a in AREAS}
    healthy = scored([], extra_rules=rules)
    assert healthy.overall.score == 100.0
    assert healthy.overall.light == "green"
    # One critical finding in market: 60 there, overall 94 would be green, but capped.
    result = scored([finding("M", "critical", "market")], extra_rules=rules)
    assert result.areas["market"].light == "red"
    assert result.overall.score == 94.0
    assert result.overall.light == "amber"
    assert result.overall.capped_by == "an area is red"


def test_overall_uses_unrounded_area_scores() -> None:
    rules = {f"R-{a}": a for a in AREAS}
    findings = [finding(f"L{i}", "low", "governance") for i in range(3)]
    result = scored(findings, extra_rules=rules)
    unrounded = 0.2 * 100 * 0.95**3 + 0.8 * 100
    assert result.overall.score == round_score(unrounded)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(15.25, 15.3), (15.35, 15.4), (0.05, 0.1), (41.449, 41.4), (99.95, 100.0)],
)
def test_scores_round_half_away_from_zero(value: float, rounded: float) -> None:
    assert round_score(value) == rounded


# DOMAIN §4.4, in precedence order.
@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ([90.0], "baseline"),
        ([], "baseline"),
        ([100.0, 97.0, 95.0, 94.0], "drifting"),
        ([100.0, 98.0, 97.0, 96.0], "stable"),  # three declines totalling 4 < 5
        ([100.0, 100.0, 97.0, 95.0, 94.0], "drifting"),
        ([90.0, 74.0], "deteriorating"),  # a step of -16
        ([90.0, 84.0], "deteriorating"),  # green to amber
        ([70.0, 85.0], "improving"),  # amber to green
        ([50.0, 65.0], "improving"),  # a step of +15
        ([60.0, 62.0, 64.0, 66.0], "improving"),  # three rises totalling 6
        ([99.0, 99.0, 97.5, 97.5], "stable"),
        ([80.0, 79.0], "stable"),
        ([86.0, 85.0], "stable"),  # still green
        ([85.0, 84.9], "deteriorating"),
    ],
)
def test_trend(series: list[float], expected: str) -> None:
    assert trend(series, MODEL) == expected


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=8))
def test_trend_is_one_of_the_five_and_mirrors(series: list[float]) -> None:
    result = trend(series, MODEL)
    assert result in {"drifting", "deteriorating", "improving", "stable"}
    if result == "drifting":
        assert series[-1] < series[-2]
    if result == "improving":
        assert series[-1] > series[-2]


def test_history_of_another_catalog_version_is_not_a_trend() -> None:
    history = [
        HistoryEntry(period="2024-Q1", catalog_version="0.0", overall=100.0),
        HistoryEntry(period="2024-Q2", catalog_version="0.1", overall=99.0),
        HistoryEntry(period="2024-Q3", catalog_version=None, overall=98.0),
    ]
    result = scored([finding("G", "high")], history=history, period="2024-Q4")
    # Only the 0.1 entry counts: 99 -> 80 is a drop of 19.
    assert result.overall.trend == "deteriorating"
    assert any("another catalog version" in d and "2024-Q1" in d for d in result.diagnostics)


def test_history_at_or_after_the_assessed_period_is_left_out() -> None:
    history = [HistoryEntry(period="2025-Q1", catalog_version="0.1", overall=50.0)]
    result = scored([], extra_rules={"G": "governance"}, history=history, period="2025-Q1")
    assert result.overall.trend == "baseline"
    assert any("not before the assessed period" in d for d in result.diagnostics)


def test_coverage_separates_gaps_from_absences_reported_elsewhere() -> None:
    result = scored(
        [finding("EWS-07", "medium", "early_warning")],
        extra_rules={"EWS-08": "early_warning", "EWS-02": "early_warning", "X": "early_warning"},
        not_evaluable=[
            NotEvaluable("EWS-08", "no health check (see EWS-07)"),
            NotEvaluable("EWS-02", "fewer than two pulses (see EWS-99)"),
        ],
    )
    assert result.coverage.reported_elsewhere == ("EWS-08",)
    assert result.coverage.data_gaps == ("EWS-02",)
    assert result.coverage.evaluated == 2
    assert result.coverage.rules == 4
    assert result.coverage.low_confidence


def action(ident: str, days: int = 30) -> ActionSpec:
    return ActionSpec(id=ident, title=f"title {ident}", impact_days=days, effort="M")


def test_plan_ranks_by_priority_then_count_then_id() -> None:
    findings = [
        finding("A-1", "critical", "governance", "ACT-2"),
        finding("A-2", "high", "governance", "ACT-1", "ACT-3"),
        finding("A-3", "medium", "governance", "ACT-1", "ACT-4"),
        finding("A-4", "info", "governance"),
        finding("A-5", "low", "governance", "ACT-4"),
    ]
    actions = {a: action(a, 10 * i) for i, a in enumerate(["ACT-1", "ACT-2", "ACT-3", "ACT-4"], 1)}
    plan = scored(findings, actions=actions, model=ScoringModel(plan_size=2)).plan
    assert [(p.action, p.priority, p.rank) for p in plan] == [
        ("ACT-2", "critical", 1),
        ("ACT-1", "high", 2),  # two triggers beat ACT-3's one
        ("ACT-3", "high", 3),
        ("ACT-4", "medium", 4),
    ]
    assert [p.tier for p in plan] == ["plan", "plan", "backlog", "backlog"]
    assert plan[1].because == ("A-2", "A-3")
    assert plan[0].horizon_days == 20
    assert plan[0].title == "title ACT-2"


SCORING = """
[ruleset]
id = "s"
version = "1"
title = "t"

[scoring]
catalog_version = "7"
factors = { high = 0.25, critcal = 0.5 }
weights = { governance = 0.5 }
bands = { green = 50, amber = 70 }
plan_size = 0
colour = "red"
"""


def test_a_scoring_table_reports_every_mistake_located() -> None:
    file = parse_ruleset_text(SCORING, source="s.toml")
    messages = {(p.line, p.message) for p in file.problems}
    assert (9, "unknown factors key 'critcal'") in messages
    assert any(line == 10 and "add up to 1" in m for line, m in messages)
    assert any(line == 11 and "amber band must start below" in m for line, m in messages)
    assert any(line == 12 and "plan_size is out of range" in m for line, m in messages)
    assert any(line == 13 and "unknown key 'colour'" in m for line, m in messages)
    hints = [p.hint for p in file.problems if "critcal" in p.message]
    assert hints == ["did you mean 'critical'?"]
    assert file.scoring is None


def test_a_scoring_table_restates_part_of_the_model() -> None:
    file = parse_ruleset_text(
        '[ruleset]\nid = "s"\nversion = "1"\ntitle = "t"\n[scoring]\n'
        'catalog_version = "2"\nfactors = { high = 0.3 }\n[scoring.trend]\nstep = 10\n',
        source="s.toml",
    )
    assert file.problems == ()
    model = file.scoring
    assert model is not None
    assert model.catalog_version == "2"
    assert model.factors["high"] == 0.3
    assert model.factors["critical"] == 0.4
    assert model.step == 10.0
    assert trend([80.0, 70.0], model) == "deteriorating"


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [(1.0, "100%"), (0.996, "99.6%"), (0.795, "79.5%"), (0.9, "90%"), (0.0, "0%")],
)
def test_shares_are_rounded_down_when_shown(ratio: float, shown: str) -> None:
    from realign._text import percent

    assert percent(ratio) == shown
