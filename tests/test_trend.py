"""Trends: one partnership over quarters, its finding changes and its drift alerts."""

from __future__ import annotations

import json
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realign import Engine, FactSource
from realign.scoring import trend
from realign.testing import engine_with
from realign.trend import SeriesError


@pytest.fixture(scope="module")
def engine() -> Engine:
    return engine_with(backend="python")


def _healthy(examples_dir: Path) -> dict[str, Any]:
    return tomllib.loads((examples_dir / "healthy.toml").read_text(encoding="utf-8"))


def _quarter(doc: dict[str, Any], period: str, quarters_later: int, **changes: Any) -> FactSource:
    """*doc* assessed as of *quarters_later* quarters on, with *changes* to its partnership."""
    out = json.loads(json.dumps(doc, default=str))
    as_of = date.fromisoformat(str(doc["assessment"]["as_of"])) + timedelta(
        days=91 * quarters_later
    )
    out["assessment"].update(id=f"A-{period}", as_of=as_of.isoformat(), period=period)
    for key, value in changes.items():
        if value is None:
            out["partnership"].pop(key, None)
        else:
            out["partnership"][key] = value
    return FactSource(name=f"{period}.json", content=json.dumps(out).encode(), format="json")


@pytest.fixture(scope="module")
def series(examples_dir: Path) -> list[FactSource]:
    """Three quarters of the healthy partnership, without its History.

    ALN-08 (no exit provisions) fires in the first two quarters; in the third the
    fact is gone, so it is not evaluable there: not resolved.
    """
    doc = _healthy(examples_dir)
    doc.pop("history")
    return [
        _quarter(doc, "2025-Q2", 0),
        _quarter(doc, "2025-Q3", 1),
        _quarter(doc, "2025-Q4", 2, exit_provisions_defined=None),
    ]


def test_one_file_with_history_agrees_with_its_own_assessment(
    engine: Engine, examples_dir: Path
) -> None:
    path = examples_dir / "healthy.toml"
    assessment = engine.assess(path)
    result = engine.trend([path])
    history = assessment.facts.partnership.history
    assert [p.period for p in result.points] == [
        *(e.period for e in history),
        assessment.facts.partnership.assessment.period,
    ]
    assert [p.kind for p in result.points] == ["history"] * len(history) + ["assessed"]
    for point, entry in zip(result.points, history, strict=False):
        assert point.overall.score == entry.overall
        assert point.findings is None
        for area, score in entry.area_scores.items():
            assert point.areas[str(area)].score == score
    latest = result.latest
    assert latest.overall.trend == assessment.overall.trend  # type: ignore[union-attr]
    for name, area in assessment.areas.items():
        assert latest.areas[name].score == area.score
        assert latest.areas[name].trend == area.trend
        assert latest.areas[name].light == area.light


def test_finding_changes_follow_each_rule_from_quarter_to_quarter(
    engine: Engine, series: list[FactSource]
) -> None:
    result = engine.trend(series)
    assessments = [engine.assess(source) for source in series]
    first, second, third = (p.findings for p in result.points)
    assert first is not None
    assert second is not None
    assert third is not None
    assert first.compared_with is None
    assert [f.rule for f in first.fired] == list(assessments[0].fired)
    assert second.compared_with == "2025-Q2"
    assert "ALN-08" in [f.rule for f in second.persisting]
    assert third.compared_with == "2025-Q3"
    gone = {f.rule: f for f in third.no_longer_evaluable}
    assert "ALN-08" in gone, "a finding whose fact went missing is not resolved"
    assert "ALN-08" not in [f.rule for f in third.resolved]
    assert gone["ALN-08"].was == "fired"
    # Every category is what the two assessments say, rule by rule.
    for before, now, changes in (
        (assessments[0], assessments[1], second),
        (assessments[1], assessments[2], third),
    ):
        fired_before, fired_now = set(before.fired), set(now.fired)
        assert {f.rule for f in changes.new} == fired_now - fired_before
        assert {f.rule for f in changes.persisting} == fired_now & fired_before
        assert {f.rule for f in changes.resolved} == {
            r for r in fired_before - fired_now if r in now.passed
        }
        assert {f.rule for f in changes.no_longer_evaluable} == {
            r for r in fired_before - fired_now if r not in now.passed
        }


def test_a_resolved_finding_passed_in_the_later_quarter(engine: Engine, examples_dir: Path) -> None:
    doc = _healthy(examples_dir)
    doc.pop("history")
    result = engine.trend(
        [_quarter(doc, "2025-Q2", 0), _quarter(doc, "2025-Q3", 1, exit_provisions_defined=True)]
    )
    changes = result.latest.findings
    assert changes is not None
    assert [f.rule for f in changes.resolved] == ["ALN-08"]
    assert "ALN-08" not in [f.rule for f in changes.no_longer_evaluable]


def test_the_order_of_the_files_does_not_matter(engine: Engine, series: list[FactSource]) -> None:
    expected = engine.trend(series).to_dict()
    for order in ([2, 0, 1], [1, 2, 0], [2, 1, 0]):
        shuffled = [series[i] for i in order]
        assert engine.trend(shuffled).to_dict() == expected


def test_a_trend_is_deterministic(engine: Engine, series: list[FactSource]) -> None:
    assert engine.trend(series).to_json() == engine.trend(series).to_json()


def test_other_partnerships_and_repeated_periods_are_refused(
    engine: Engine, examples_dir: Path, series: list[FactSource]
) -> None:
    with pytest.raises(SeriesError, match=r"one partnership.*'corvid-ironbridge'.*'helix-nimbus'"):
        engine.trend([examples_dir / "healthy.toml", examples_dir / "case_study_before.toml"])
    with pytest.raises(SeriesError, match="period 2025-Q2 is assessed by both"):
        engine.trend([series[0], series[0]])


def test_history_of_another_catalog_version_is_left_out_and_said(
    engine: Engine, examples_dir: Path
) -> None:
    doc = _healthy(examples_dir)
    doc["history"][0]["catalog_version"] = "0.0"
    result = engine.trend([_quarter(doc, "2025-Q2", 0)])
    assert "2024-Q3" not in [p.period for p in result.points]
    assert any("another catalog version" in note for note in result.diagnostics)


def test_history_is_left_out_when_only_part_of_the_catalog_ran(
    engine: Engine, examples_dir: Path
) -> None:
    partial = Engine.default(plugin_manager=engine.plugin_manager, backend="python", select=["GOV"])
    result = partial.trend([examples_dir / "healthy.toml"])
    assert [p.kind for p in result.points] == ["assessed"]
    assert any("only part of the catalog ran" in note for note in result.diagnostics)


# -- alerts -------------------------------------------------------------------------------


def _with_history(doc: dict[str, Any], overall: list[float], **areas: list[float]) -> None:
    periods = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"][-len(overall) :]
    doc["history"] = [
        {
            "period": period,
            "catalog_version": "0.1",
            "area_scores": {name: scores[i] for name, scores in areas.items()},
            "overall": overall[i],
        }
        for i, period in enumerate(periods)
    ]


def _worse_governance(examples_dir: Path) -> dict[str, Any]:
    doc = _healthy(examples_dir)
    governance = doc["governance"]
    governance["decision_protocol"]["documented"] = False
    governance["escalation_path"]["defined"] = False
    return doc


def test_a_slow_decline_is_drifting_and_raises_an_alert(engine: Engine, examples_dir: Path) -> None:
    doc = _worse_governance(examples_dir)
    now = engine.assess(_quarter(doc, "2025-Q2", 0)).overall.score  # type: ignore[union-attr]
    assert now is not None
    # Falling three times, but only 4.5 points in all: under the 5 points drift needs.
    _with_history(doc, [now + 4.5, now + 3, now + 1.5])
    result = engine.trend([_quarter(doc, "2025-Q2", 0)])
    assert result.latest.overall.trend == "stable"
    assert [a for a in result.alerts_at("2025-Q2") if a.scope == "overall"] == []
    _with_history(doc, [now + 6, now + 3, now + 1.5])
    result = engine.trend([_quarter(doc, "2025-Q2", 0)])
    assert result.latest.overall.trend == "drifting"
    [alert] = [a for a in result.alerts_at("2025-Q2") if a.scope == "overall"]
    assert alert.kind == "drifting"
    assert [s for _, s in alert.series] == [now + 6, now + 3, now + 1.5, now]
    assert alert.message == (
        f"Overall is drifting: {now + 6:.1f} → {now + 3:.1f} → {now + 1.5:.1f} → {now:.1f} "
        "from 2024-Q3 to 2025-Q2, 3 declines in a row and 6.0 points down"
    )


def test_a_sudden_drop_is_deteriorating(engine: Engine, examples_dir: Path) -> None:
    doc = _worse_governance(examples_dir)
    now = engine.assess(_quarter(doc, "2025-Q2", 0)).areas["governance"].score
    assert now is not None
    assert now <= 85.0
    _with_history(doc, [97.5], governance=[100.0])
    result = engine.trend([_quarter(doc, "2025-Q2", 0)])
    assert result.latest.areas["governance"].trend == "deteriorating"
    alerts = [a for a in result.alerts_at("2025-Q2") if a.scope == "governance"]
    assert [a.kind for a in alerts] == ["deteriorating"]
    assert alerts[0].message.startswith(
        f"Governance deteriorated: 100.0 in 2025-Q1 to {now:.1f} in 2025-Q2"
    )


history_scores = st.lists(
    st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 1)),
    min_size=1,
    max_size=5,
)


@settings(max_examples=40, deadline=None)
@given(overall=history_scores)
def test_every_point_is_classified_against_the_points_before_it(
    engine: Engine, examples_dir: Path, overall: list[float]
) -> None:
    doc = _healthy(examples_dir)
    _with_history(doc, overall)
    result = engine.trend([_quarter(doc, "2025-Q2", 0)])
    model = engine.catalog.scoring
    scores = [p.overall.score for p in result.points]
    assert scores == [*overall, 97.5]
    for i, point in enumerate(result.points):
        expected = trend(scores[: i + 1], model)  # type: ignore[arg-type]
        assert point.overall.trend == expected
        alerts = [a.kind for a in result.alerts_at(point.period) if a.scope == "overall"]
        assert alerts == ([expected] if expected in ("drifting", "deteriorating") else [])
