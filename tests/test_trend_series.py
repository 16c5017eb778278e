"""The case study over three assessed quarters and one History quarter, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from realign import Engine
from realign.cli import main
from realign.testing import engine_with
from realign.trend import Trend

ROOT = Path(__file__).resolve().parent.parent
SERIES = [
    ROOT / "examples" / "series" / "corvid_ironbridge_2023-Q3.toml",
    ROOT / "examples" / "series" / "corvid_ironbridge_2023-Q4.toml",
    ROOT / "examples" / "case_study_before.toml",
]
EARLIER = ROOT / "tests" / "data" / "series" / "corvid_ironbridge_2023-Q2.toml"


@pytest.fixture(scope="module")
def engine() -> Engine:
    # The series' History was written by the standard catalog and the codev plugin.
    from realign_codev import plugin as codev

    return engine_with(codev, backend="python")


@pytest.fixture(scope="module")
def trend(engine: Engine) -> Trend:
    return engine.trend(SERIES)


def test_the_history_entry_is_the_assessment_of_the_quarter_before(engine: Engine) -> None:
    earlier = engine.assess(EARLIER)
    [entry] = engine.facts(SERIES[0]).partnership.history
    assert entry.period == "2023-Q2"
    assert entry.overall == earlier.overall.score  # type: ignore[union-attr]
    assert {str(k): v for k, v in entry.area_scores.items()} == {
        name: area.score for name, area in earlier.areas.items()
    }


def test_each_assessed_quarter_scores_as_its_assessment(engine: Engine, trend: Trend) -> None:
    assert [(p.period, p.kind) for p in trend.points] == [
        ("2023-Q2", "history"),
        ("2023-Q3", "assessed"),
        ("2023-Q4", "assessed"),
        ("2024-Q1", "assessed"),
    ]
    for path, point in zip(SERIES, trend.points[1:], strict=True):
        assessment = engine.assess(path)
        assert point.overall.score == assessment.overall.score  # type: ignore[union-attr]
        assert {n: a.score for n, a in point.areas.items()} == {
            n: a.score for n, a in assessment.areas.items()
        }
        assert point.findings is not None
        assert [f.rule for f in point.findings.fired] == list(assessment.fired)


def test_the_overall_score_drifts_down_and_the_alerts_say_so(trend: Trend) -> None:
    overall = [p.overall.score for p in trend.points]
    assert overall == sorted(overall, reverse=True)
    assert len(set(overall)) == 4
    assert [p.overall.trend for p in trend.points][-1] == "drifting"
    latest = {(a.kind, a.scope) for a in trend.alerts_at("2024-Q1")}
    assert ("drifting", "overall") in latest
    assert ("deteriorating", "culture") in latest  # green to red once the cultures were mapped
    # Structural gaps never closed: no decision protocol, no escalation path.
    assert {("persisting", "GOV-04"), ("persisting", "GOV-06")} <= latest
    earlier = {(a.period, a.kind, a.scope) for a in trend.alerts if a.period != "2024-Q1"}
    assert ("2023-Q4", "deteriorating", "governance") in earlier


def test_findings_are_new_resolved_or_no_longer_evaluable(trend: Trend) -> None:
    q4, q1 = (p.findings for p in trend.points[2:])
    assert q4 is not None
    assert q1 is not None
    assert q4.compared_with == "2023-Q3"
    # Ironbridge stopped reporting delivered engineers: unknown, not recovered.
    assert [f.rule for f in q4.no_longer_evaluable] == ["ALN-04"]
    assert "ALN-04" not in [f.rule for f in q4.resolved]
    # The audit mapped both cultures, so the missing-profile finding is gone for real.
    assert [f.rule for f in q1.resolved] == ["CUL-08"]
    came_back = {f.rule: f for f in q1.new}["ALN-04"]
    assert (came_back.severity, came_back.was) == ("critical", "not_evaluable")


def test_the_cli_renders_the_series_in_every_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    files = [str(p) for p in SERIES]
    assert main(["trend", *files, "--format", "json", "--plugin", "codev"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [p["period"] for p in document["periods"]] == [
        "2023-Q2",
        "2023-Q3",
        "2023-Q4",
        "2024-Q1",
    ]
    for fmt in ("text", "markdown", "html"):
        out = tmp_path / f"trend.{fmt}"
        assert main(["trend", *files, "--format", fmt, "-o", str(out), "--plugin", "codev"]) == 0
        text = out.read_text(encoding="utf-8")
        assert "Overall is drifting: 70.7 → 63.7 → 54.0 → 38.5" in text, fmt
    capsys.readouterr()
