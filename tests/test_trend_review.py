"""Review of `realign trend`: properties of build_trend, edge cases, and the reports.

Most properties run on synthetic series: one real assessment of the case study,
re-dated and given other scores, findings and History with ``attrs.evolve``, so
that many series cost no engine run each.
"""

from __future__ import annotations

import io
import json
import re
import tomllib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from realign import Engine, FactSource
from realign.assessment import Assessment, NotEvaluable
from realign.cli import main
from realign.errors import FactError
from realign.model.enums import Area
from realign.model.partnership import HistoryEntry
from realign.reports.trend import render_trend_html, render_trend_markdown
from realign.schema import trend_schema
from realign.scoring import trend as classify
from realign.testing import engine_with
from realign.trend import PERSISTING_ASSESSMENTS, SeriesError, Trend, build_trend
from realign.trend_report import print_trend

ROOT = Path(__file__).resolve().parent.parent
AREAS = tuple(a.value for a in Area)
#: every quarter a generated series may use, oldest first
QUARTERS = tuple(f"{year}-Q{q}" for year in range(2019, 2026) for q in range(1, 5))
SCORE_ALERTS = ("drifting", "deteriorating")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return engine_with(backend="python")


@pytest.fixture(scope="module")
def base(engine: Engine) -> Assessment:
    """The case study: 35 findings, so a generated period can fire any subset of them."""
    return engine.assess(ROOT / "examples" / "case_study_before.toml")


def _doc(name: str) -> dict[str, Any]:
    return tomllib.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))


def _source(doc: dict[str, Any], name: str = "facts.json") -> FactSource:
    return FactSource(name=name, content=json.dumps(doc, default=str).encode(), format="json")


def _history(periods: list[str], overall: list[float], version: str = "0.1") -> list[Any]:
    return [
        {
            "period": period,
            "catalog_version": version,
            "area_scores": dict.fromkeys(AREAS, score),
            "overall": score,
        }
        for period, score in zip(periods, overall, strict=True)
    ]


# -- synthetic series ---------------------------------------------------------------------


def _quarter_end(period: str) -> date:
    year, quarter = int(period[:4]), int(period[-1])
    return date(year, 3 * quarter, 28)


@st.composite
def _series(draw: st.DrawFn, base: Assessment, model: Any) -> list[Assessment]:
    """One to five assessed quarters of the case study, each with its own History."""
    rules = [f.rule for f in base.findings]
    chosen = draw(
        st.lists(st.sampled_from(QUARTERS[4:]), min_size=1, max_size=5, unique=True).map(sorted)
    )
    score = st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 1))
    out = []
    for period in chosen:
        # A whole set of area scores, or none known: then the overall is a mean of every
        # weighted area or unknown, and its trend means the same thing in every design.
        known = draw(st.booleans()) or draw(st.booleans())
        areas = {
            name: attrs.evolve(
                area,
                score=draw(score) if known else None,
                light=draw(st.sampled_from(("green", "amber", "red"))) if known else "unknown",
            )
            for name, area in base.areas.items()
        }
        overall = (
            attrs.evolve(
                base.overall,  # type: ignore[arg-type]
                score=draw(score),
                light=draw(st.sampled_from(("green", "amber", "red"))),
            )
            if known
            else None
        )
        status = {
            rule: draw(st.sampled_from(("fired", "passed", "not_evaluable"))) for rule in rules
        }
        earlier = [q for q in QUARTERS if q < period]
        history_periods = draw(st.lists(st.sampled_from(earlier), max_size=4, unique=True))
        history = tuple(
            HistoryEntry(
                period=p,
                catalog_version=draw(st.sampled_from((model.catalog_version, "0.0"))),
                area_scores={
                    Area(name): draw(score) for name in draw(st.sets(st.sampled_from(AREAS)))
                },
                overall=draw(st.none() | score),
            )
            for p in history_periods
        )
        partnership = base.facts.partnership
        facts = attrs.evolve(
            base.facts,
            partnership=attrs.evolve(
                partnership,
                assessment=attrs.evolve(
                    partnership.assessment,
                    period=period,
                    as_of=_quarter_end(period) + timedelta(days=draw(st.integers(-20, 2))),
                ),
                history=history,
            ),
        )
        out.append(
            attrs.evolve(
                base,
                facts=facts,
                findings=tuple(f for f in base.findings if status[f.rule] == "fired"),
                passed=tuple(r for r in rules if status[r] == "passed"),
                not_evaluable=tuple(
                    NotEvaluable(rule=r, reason="generated")
                    for r in rules
                    if status[r] == "not_evaluable"
                ),
                areas=areas,
                overall=overall,
            )
        )
    return out


def _build(series: list[Assessment], model: Any) -> Trend:
    return build_trend(series, [f"{_period(a)}.toml" for a in series], model)


def _period(assessment: Assessment) -> str:
    return str(assessment.facts.partnership.assessment.period)


def _scores(point: Any, scope: str) -> Any:
    return point.overall if scope == "overall" else point.areas[scope]


@st.composite
def _drawn(draw: st.DrawFn, engine: Engine, base: Assessment) -> tuple[list[Assessment], Any]:
    model = engine.catalog.scoring
    return draw(_series(base, model)), model


def _property(test: Any) -> Any:
    return settings(max_examples=60, deadline=None)(test)


@given(data=st.data())
@_property
def test_every_trend_is_the_trend_of_the_known_scores_before_it(
    engine: Engine, base: Assessment, data: st.DataObject
) -> None:
    series, model = data.draw(_drawn(engine, base))
    result = _build(series, model)
    for scope in ("overall", *result.areas):
        known: list[float] = []
        for point in result.points:
            at = _scores(point, scope)
            if at.score is None:
                assert at.trend is None, (scope, point.period)
                continue
            known.append(at.score)
            assert at.trend == classify(known, model), (scope, point.period)
            kinds = [a.kind for a in result.alerts_at(point.period) if a.scope == scope]
            assert kinds == ([at.trend] if at.trend in SCORE_ALERTS else []), (scope, point)


@given(data=st.data())
@_property
def test_the_periods_are_the_assessed_ones_and_the_comparable_history_of_the_others(
    engine: Engine, base: Assessment, data: st.DataObject
) -> None:
    series, model = data.draw(_drawn(engine, base))
    result = _build(series, model)
    assessed = {_period(a) for a in series}
    recorded = {
        e.period
        for a in series
        for e in a.facts.partnership.history
        if e.catalog_version == model.catalog_version and e.period < _period(a)
    }
    periods = [p.period for p in result.points]
    assert periods == sorted(assessed | recorded)
    assert {p.period for p in result.points if p.kind == "assessed"} == assessed
    for point in result.points:
        assert (point.findings is None) == (point.kind == "history")
        assert (point.as_of is None) == (point.kind == "history")
    # Each History period holds the scores of the latest file that records it.
    for point in result.points:
        if point.kind != "history":
            continue
        latest = [
            e
            for a in series
            for e in a.facts.partnership.history
            if e.period == point.period
            and e.catalog_version == model.catalog_version
            and e.period < _period(a)
        ][-1]
        assert point.overall.score == latest.overall
        for name in result.areas:
            assert point.areas[name].score == latest.area_scores.get(Area(name))


@given(data=st.data(), seed=st.randoms(use_true_random=False))
@_property
def test_the_order_of_the_files_never_changes_a_byte(
    engine: Engine, base: Assessment, data: st.DataObject, seed: Any
) -> None:
    series, model = data.draw(_drawn(engine, base))
    expected = _build(series, model).to_json()
    shuffled = list(series)
    seed.shuffle(shuffled)
    assert _build(shuffled, model).to_json() == expected
    assert _build(series, model).to_json() == expected


@given(data=st.data())
@_property
def test_every_generated_document_validates_against_the_trend_schema(
    engine: Engine, base: Assessment, data: st.DataObject
) -> None:
    series, model = data.draw(_drawn(engine, base))
    document = json.loads(_build(series, model).to_json())
    jsonschema.validate(document, trend_schema())


@given(data=st.data())
@_property
def test_finding_changes_partition_the_findings_of_two_consecutive_assessed_periods(
    engine: Engine, base: Assessment, data: st.DataObject
) -> None:
    series, model = data.draw(_drawn(engine, base))
    result = _build(series, model)
    by_period = {_period(a): a for a in series}
    before: Assessment | None = None
    for point in result.points:
        if point.kind != "assessed":
            continue
        now = by_period[point.period]
        changes = point.findings
        assert changes is not None
        assert [f.rule for f in changes.fired] == list(now.fired)
        if before is None:
            assert changes.compared_with is None
            assert changes.new == changes.persisting == changes.resolved == ()
            assert changes.no_longer_evaluable == ()
        else:
            assert changes.compared_with == _period(before)
            groups = [
                changes.new,
                changes.persisting,
                changes.resolved,
                changes.no_longer_evaluable,
            ]
            listed = [f.rule for group in groups for f in group]
            assert len(listed) == len(set(listed)), "a rule in two categories"
            assert set(listed) == set(now.fired) | set(before.fired)
            assert {f.rule for f in changes.resolved} <= set(now.passed)
            assert not {f.rule for f in changes.no_longer_evaluable} & set(now.passed)
            for ref in changes.new:
                assert ref.was == (
                    "passed"
                    if ref.rule in before.passed
                    else "not_evaluable"
                    if ref.rule in {n.rule for n in before.not_evaluable}
                    else "not_run"
                )
            for ref in changes.persisting:
                assert ref.was == before.finding(ref.rule).severity
        before = now


@given(data=st.data())
@_property
def test_a_persisting_alert_needs_three_assessed_periods_in_a_row_and_the_time_to_impact(
    engine: Engine, base: Assessment, data: st.DataObject
) -> None:
    series, model = data.draw(_drawn(engine, base))
    result = _build(series, model)
    assessed = sorted(series, key=_period)
    horizons = {item.action: item.horizon_days for item in base.plan}
    expected = set()
    for i, now in enumerate(assessed):
        for finding in now.findings:
            run = 1
            while i - run >= 0 and finding.rule in assessed[i - run].fired:
                run += 1
            first = assessed[i - run + 1].facts.partnership.assessment.as_of
            days = (now.facts.partnership.assessment.as_of - first).days
            longest = max((horizons.get(a) or 0 for a in finding.actions), default=0)
            if run >= PERSISTING_ASSESSMENTS and finding.actions and days >= longest:
                expected.add((_period(now), finding.rule))
    got = {(a.period, a.scope) for a in result.alerts if a.kind == "persisting"}
    assert got == expected


# -- edge cases on real files -------------------------------------------------------------


def _healthy_at(period: str, as_of: date, history: list[Any] | None = None) -> dict[str, Any]:
    doc = _doc("healthy.toml")
    doc["assessment"].update(id=f"HN-{period}", period=period, as_of=as_of.isoformat())
    if history is None:
        doc.pop("history")
    else:
        doc["history"] = history
    return doc


def test_history_disagreeing_between_files_takes_the_later_file_and_says_so(
    engine: Engine,
) -> None:
    earlier = _healthy_at("2025-Q2", date(2025, 6, 30), _history(["2024-Q4"], [91.0]))
    later = _healthy_at("2025-Q3", date(2025, 9, 29), _history(["2024-Q4"], [82.0]))
    result = engine.trend([_source(later, "q3.json"), _source(earlier, "q2.json")])
    [point] = [p for p in result.points if p.period == "2024-Q4"]
    assert (point.kind, point.source, point.overall.score) == ("history", "q3.json", 82.0)
    assert any("differs between q2.json and q3.json" in note for note in result.diagnostics)


def test_an_assessed_period_wins_over_history_recording_it(engine: Engine) -> None:
    first = _healthy_at("2025-Q2", date(2025, 6, 30))
    # The later file records 2025-Q2 at 10.0: the file assessing 2025-Q2 is what counts.
    second = _healthy_at("2025-Q3", date(2025, 9, 29), _history(["2025-Q1", "2025-Q2"], [90, 10]))
    result = engine.trend([_source(first, "q2.json"), _source(second, "q3.json")])
    assert [(p.period, p.kind) for p in result.points] == [
        ("2025-Q1", "history"),
        ("2025-Q2", "assessed"),
        ("2025-Q3", "assessed"),
    ]
    assert result.points[1].overall.score == engine.assess(_source(first)).overall.score  # type: ignore[union-attr]
    assert result.points[1].overall.score != 10.0


def test_history_at_or_after_its_own_period_is_a_bad_fact_file(engine: Engine) -> None:
    doc = _healthy_at("2025-Q2", date(2025, 6, 30), _history(["2025-Q1", "2025-Q2"], [90, 40]))
    doc["history"].append({**doc["history"][0], "period": "2025-Q3", "overall": 10.0})
    with pytest.raises(FactError) as caught:
        engine.trend([_source(doc)])
    text = str(caught.value)
    assert "history[1].period: history must describe earlier assessments" in text
    assert "history[2].period" in text


def test_one_file_with_history_and_one_without_make_one_series(engine: Engine) -> None:
    bare = _healthy_at("2025-Q3", date(2025, 9, 29))
    recorded = _healthy_at("2025-Q2", date(2025, 6, 30), _history(["2025-Q1"], [99.0]))
    result = engine.trend([_source(bare, "q3.json"), _source(recorded, "q2.json")])
    assert [(p.period, p.kind, p.source) for p in result.points] == [
        ("2025-Q1", "history", "q2.json"),
        ("2025-Q2", "assessed", "q2.json"),
        ("2025-Q3", "assessed", "q3.json"),
    ]
    assert result.diagnostics == ()


def test_the_same_file_given_twice_is_refused(engine: Engine) -> None:
    path = ROOT / "examples" / "healthy.toml"
    with pytest.raises(SeriesError, match="period 2025-Q2 is assessed by both"):
        engine.trend([path, path])


def test_a_history_period_with_no_overall_is_unknown_and_skipped(engine: Engine) -> None:
    history = _history(["2024-Q4", "2025-Q1"], [99.0, 60.0])
    history[1]["overall"] = None
    del history[1]["area_scores"]["governance"]
    result = engine.trend([_source(_healthy_at("2025-Q2", date(2025, 6, 30), history))])
    q1 = result.points[1]
    assert (q1.overall.score, q1.overall.light, q1.overall.trend) == (None, "unknown", None)
    assert q1.areas["governance"].score is None
    # The latest is compared with 2024-Q4, the last known overall, not with the gap.
    model = engine.catalog.scoring
    now = result.latest.overall.score
    assert now is not None
    assert result.latest.overall.trend == classify([99.0, now], model)


# -- an area unknown at the assessed period -----------------------------------------------

TWO_AREAS = """\
[ruleset]
id = "review-two"
version = "0.1.0"
title = "Two areas"
realign = ">=0.1"

[[rules]]
id = "RV-01"
title = "No escalation path"
area = "governance"
severity = "high"
when = "governance.escalation_path.defined == false"

[[rules]]
id = "RV-02"
title = "Pace gap"
area = "culture"
severity = "high"
when = "culture.gaps.pace >= 2"
"""


@pytest.fixture(scope="module")
def two_areas(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("rules") / "two.toml"
    path.write_text(TWO_AREAS, encoding="utf-8")
    return Engine([path], backend="python")


def _without_culture(period: str, as_of: date, history: list[Any] | None) -> FactSource:
    doc = _healthy_at(period, as_of, history)
    doc.pop("culture")  # no culture facts: the culture area is unknown
    return _source(doc, f"{period}.json")


def test_a_partial_overall_has_the_trend_realign_assess_gives_it(two_areas: Engine) -> None:
    version = two_areas.catalog.scoring.catalog_version
    history = [
        {
            "period": "2025-Q1",
            "catalog_version": version,
            "area_scores": {"governance": 100.0, "culture": 100.0},
            "overall": 100.0,
        }
    ]
    source = _without_culture("2025-Q2", date(2025, 6, 30), history)
    assessment = two_areas.assess(source)
    assert assessment.areas["culture"].score is None
    assert assessment.overall is not None
    assert assessment.overall.trend is None  # a mean of fewer areas than history's
    result = two_areas.trend([source])
    assert result.latest.overall.trend == assessment.overall.trend


def test_an_area_going_unknown_raises_no_overall_alert(two_areas: Engine) -> None:
    full = _healthy_at("2025-Q2", date(2025, 6, 30))
    # Governance stays as it is (high finding: no escalation path); culture goes unknown.
    full["governance"]["escalation_path"]["defined"] = False
    gap = json.loads(json.dumps(full, default=str))
    gap["assessment"].update(id="HN-2025-Q3", period="2025-Q3", as_of="2025-09-29")
    gap.pop("culture")
    first, second = (two_areas.assess(_source(d)) for d in (full, gap))
    assert first.areas["governance"].score == second.areas["governance"].score
    assert second.areas["culture"].score is None
    result = two_areas.trend([_source(full, "q2.json"), _source(gap, "q3.json")])
    # Nothing known got worse: governance held, culture is not known.
    assert result.latest.areas["governance"].trend == "stable"
    assert [a for a in result.alerts_at("2025-Q3") if a.scope == "overall"] == []


# -- reports ------------------------------------------------------------------------------

#: a name that tries everything: HTML, a table break, emphasis, a link, code, a
#: right-to-left override and Hebrew, a newline, and a long tail
HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)> | *bold* [link](http://x) '
    "`code` # \u202eevil\u202c שלום\nnext line " + "x" * 300
)


@pytest.fixture(scope="module")
def hostile(engine: Engine) -> Trend:
    """Two assessed quarters and History of a partnership with a hostile name."""
    first = _healthy_at("2025-Q2", date(2025, 6, 30), _history(["2024-Q4", "2025-Q1"], [99, 98]))
    second = _healthy_at("2025-Q3", date(2025, 9, 29))
    for doc in (first, second):
        doc["partnership"]["name"] = HOSTILE
    second["governance"]["escalation_path"]["defined"] = False
    return engine.trend([_source(first, "q2 `x` | *y*.json"), _source(second, "q3.json")])


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_escapes_a_hostile_partnership_name(hostile: Trend) -> None:
    report = render_trend_markdown(hostile)
    assert "<script>" not in report
    assert "<img" not in report
    assert "&lt;script>alert" in report
    assert "\\| \\*bold\\* \\[link\\](http://x) \\`code\\` \\#" in report
    assert "\u202e" not in report
    assert "[U+202E]evil[U+202C]" in report
    assert "x" * 300 in report
    heading = report.splitlines()[0]
    assert heading.startswith("# \u2068&lt;script>")
    assert heading.endswith(": alignment over time")
    for table in re.findall(r"(?:^\|.*\n)+", report, re.M):
        lines = table.splitlines()
        assert {_unescaped_pipes(line) for line in lines} == {_unescaped_pipes(lines[0])}
    # A file name is shown literally, in a code span that its backticks cannot close.
    assert "`` q2 `x` | *y*.json ``" in report


def test_html_escapes_a_hostile_partnership_name(
    hostile: Trend, parse_html: Callable[[str], Any]
) -> None:
    html = render_trend_html(hostile)
    page = parse_html(html)
    assert "script" not in page.tags
    assert "img" not in page.tags
    assert page.handlers == []
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert HOSTILE in "".join(page.text)  # shown as text, whole
    assert f"<bdi>{HOSTILE.split('<')[0]}" in html  # the heading isolates it


def _long_history(engine: Engine, periods: int) -> Trend:
    quarters = [q for q in QUARTERS if q < "2025-Q2"][-periods:]
    overall = [40.0 + 3 * i for i in range(len(quarters))]
    doc = _healthy_at("2025-Q2", date(2025, 6, 30), _history(quarters, overall))
    return engine.trend([_source(doc)])


def test_a_twenty_period_history_renders_every_period(engine: Engine) -> None:
    result = _long_history(engine, 20)
    assert len(result.points) == 21
    report = render_trend_markdown(result)
    [header] = [line for line in report.splitlines() if line.startswith("| Area |")]
    assert header.count("(history)") == 20
    html = render_trend_html(result)
    chart = re.search(r"<svg.*?</svg>", html, re.S)
    assert chart is not None
    for point in result.points:
        assert point.period in chart.group()
    json.loads(result.to_json())


def test_the_text_report_names_every_period_at_80_columns(engine: Engine) -> None:
    result = _long_history(engine, 7)
    out = io.StringIO()
    print_trend(Console(file=out, width=80, no_color=True, markup=False), result)
    text = out.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    for point in result.points:
        assert point.period in text, point.period
    assert "…" not in text


def test_the_cli_text_report_names_every_period_at_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    quarters = [q for q in QUARTERS if q < "2025-Q2"][-7:]
    doc = _healthy_at("2025-Q2", date(2025, 6, 30), _history(quarters, [90.0] * 7))
    path = tmp_path / "helix.json"
    path.write_text(json.dumps(doc, default=str), encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["trend", str(path), "--no-color", "--backend", "python"]) == 0
    text = capsys.readouterr().out
    for period in [*quarters, "2025-Q2"]:
        assert period in text, period


def test_markdown_says_unknown_once_per_cell(two_areas: Engine) -> None:
    result = two_areas.trend([_without_culture("2025-Q2", date(2025, 6, 30), None)])
    assert result.latest.areas["culture"].score is None
    report = render_trend_markdown(result)
    [row] = [line for line in report.splitlines() if line.startswith("| Culture |")]
    assert "unknown" in row
    assert "unknown unknown" not in row
