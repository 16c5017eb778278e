"""The portfolio report: aggregation, order invariance, bounded state, schema, renderers."""

from __future__ import annotations

import io
import random
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

import realign.testing.generate as realign_generate
from realign import Engine, FactSource
from realign.portfolio import PortfolioRecord, assess_many
from realign.portfolio.report import (
    PortfolioReport,
    render_portfolio_html,
    render_portfolio_markdown,
)
from realign.portfolio.report_text import render_portfolio_text
from realign.rules.ruleset import AREAS
from realign.schema import portfolio_schema
from realign.testing import engine_with

ROOT = Path(__file__).resolve().parents[2]
GENERATED = 40
HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)> a | b [bold]c[/bold] '
    "\u202eevil\u202c שלום `tick` *star*"
)


def _load_generator() -> ModuleType:
    return realign_generate


@pytest.fixture(scope="module")
def engine() -> Engine:
    return engine_with()


@pytest.fixture(scope="module")
def records(engine: Engine, examples_dir: Path) -> list[PortfolioRecord]:
    """A small generated portfolio, the two examples, and two files that fail."""
    generate = _load_generator()
    sources: list[FactSource | Path] = [
        FactSource.from_text(
            generate.to_json(generate.partnership_data(seed)),
            name=f"p{seed:03d}.json",
            format="json",
        )
        for seed in range(GENERATED)
    ]
    sources += [examples_dir / "healthy.toml", examples_dir / "case_study_before.toml"]
    sources.append(FactSource.from_text("{", name="broken.json", format="json"))
    sources.append(FactSource.from_text("[assessment]\n", name="empty.toml", format="toml"))
    return list(assess_many(sources, engine=engine, jobs=1))


def _report(records: Sequence[PortfolioRecord], **limits: int) -> PortfolioReport:
    return PortfolioReport(**limits).update(records)


# -- hand-made records ------------------------------------------------------------------


def _doc(
    pid: str,
    score: float | None,
    *,
    light: str | None = None,
    trend: str | None = "baseline",
    findings: Sequence[tuple[str, str]] = (),
    plan: Sequence[tuple[str, str]] = (),
    areas: dict[str, str] | None = None,
    titles: dict[str, str] | None = None,
) -> dict[str, Any]:
    titles = titles or {}
    if light is None:
        light = "unknown" if score is None else "green" if score >= 75 else "red"
    return {
        "schema": "realign/assessment@1",
        "assessment": {"id": f"{pid}-A", "partnership_id": pid, "period": "2025-Q1"},
        "overall": {"score": score, "light": light, "trend": trend, "capped_by": None},
        "areas": {area: {"light": value} for area, value in (areas or {}).items()},
        "findings": [
            {
                "rule": r,
                "title": titles.get(r, f"title of {r}"),
                "area": "governance",
                "severity": s,
            }
            for r, s in findings
        ],
        "plan": [
            {"action": a, "title": titles.get(a, f"title of {a}"), "tier": tier} for a, tier in plan
        ],
    }


def _ok(source: str, doc: dict[str, Any], name: str | None = "P") -> PortfolioRecord:
    return PortfolioRecord(source=source, name=name, document=doc)


def _failed(source: str, *problems: str) -> PortfolioRecord:
    return PortfolioRecord(source=source, problems=problems)


# -- aggregation against a direct count -------------------------------------------------


def test_the_document_agrees_with_a_direct_count_of_the_records(
    records: list[PortfolioRecord],
) -> None:
    doc = _report(records).to_dict()
    assessed = [r.document for r in records if r.document is not None]
    assert doc["partnerships"] == {
        "total": len(records),
        "assessed": GENERATED + 2,
        "failed": 2,
        "scored": GENERATED + 2,
    }
    scores = [d["overall"]["score"] for d in assessed]
    bins = Counter(min(9, int(s // 10)) for s in scores)
    assert [b["count"] for b in doc["overall"]["bins"]] == [bins[i] for i in range(10)]
    assert doc["overall"]["median"] == pytest.approx(statistics.median(scores))
    assert doc["overall"]["mean"] == pytest.approx(statistics.fmean(scores), abs=0.005)
    assert (doc["overall"]["min"], doc["overall"]["max"]) == (min(scores), max(scores))
    lights = Counter(d["overall"]["light"] for d in assessed)
    assert doc["overall"]["lights"] == {x: lights[x] for x in ("green", "amber", "red", "unknown")}
    assert list(doc["areas"]) == list(AREAS)
    for area in AREAS:
        by_light = Counter(d["areas"][area]["light"] for d in assessed)
        assert doc["areas"][area] == {x: by_light[x] for x in ("green", "amber", "red", "unknown")}

    fired = Counter(
        f["rule"] for d in assessed for f in {f["rule"]: f for f in d["findings"]}.values()
    )
    expected = sorted(fired, key=lambda rule: (-fired[rule], rule))[:10]
    assert [f["rule"] for f in doc["findings"]["top"]] == expected
    assert doc["findings"]["distinct"] == len(fired)
    for finding in doc["findings"]["top"]:
        assert finding["count"] == fired[finding["rule"]]
        assert sum(finding["severities"].values()) == finding["count"]
        assert finding["share"] == round(finding["count"] / len(assessed), 4)

    planned = Counter(
        item["action"] for d in assessed for item in d["plan"] if item["tier"] == "plan"
    )
    expected = sorted(planned, key=lambda action: (-planned[action], action))[:10]
    assert [a["action"] for a in doc["actions"]["top"]] == expected
    backlog_only = {i["action"] for d in assessed for i in d["plan"]} - set(planned)
    assert backlog_only, "the portfolio should have actions only ever in a backlog"
    assert not backlog_only & {a["action"] for a in doc["actions"]["top"]}

    ok = [r for r in records if r.document is not None]
    ranked = sorted(ok, key=lambda r: (r.document["overall"]["score"], r.source))  # type: ignore[index]
    assert [p["source"] for p in doc["at_risk"]] == [r.source for r in ranked[:10]]
    lowest = ranked[0].document
    assert lowest is not None
    first = doc["at_risk"][0]
    assert first["critical"] == sum(f["severity"] == "critical" for f in lowest["findings"])
    assert first["high"] == sum(f["severity"] == "high" for f in lowest["findings"])

    drifting = [
        r for r in ranked if r.document["overall"]["trend"] in ("drifting", "deteriorating")
    ]  # type: ignore[index]
    assert drifting, "the generated portfolio should have some partnership deteriorating"
    assert doc["drifting"]["count"] == len(drifting)
    assert [p["source"] for p in doc["drifting"]["first"]] == [r.source for r in drifting[:20]]
    assert doc["errors"]["count"] == 2
    assert [e["source"] for e in doc["errors"]["first"]] == ["broken.json", "empty.toml"]
    assert doc["errors"]["first"][0]["problem"].startswith("broken.json:1:")


def test_the_document_validates_against_its_schema(records: list[PortfolioRecord]) -> None:
    schema = portfolio_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(_report(records).to_dict(), schema)
    jsonschema.validate(PortfolioReport().to_dict(), schema)


def test_the_schema_refuses_what_the_report_never_writes(records: list[PortfolioRecord]) -> None:
    doc = _report(records).to_dict()
    doc["overall"]["bins"].pop()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, portfolio_schema())
    doc = _report(records).to_dict()
    doc["at_risk"][0]["light"] = "purple"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, portfolio_schema())


# -- order invariance -------------------------------------------------------------------


def test_any_order_of_the_records_gives_the_same_document(records: list[PortfolioRecord]) -> None:
    expected = _report(records).to_dict()
    for seed in range(5):
        shuffled = list(records)
        random.Random(seed).shuffle(shuffled)
        assert _report(shuffled).to_dict() == expected
    assert _report(records[::-1]).to_dict() == expected


_SOURCES = ("a.toml", "b.toml", "c.toml", "a.toml")
_record = st.one_of(
    st.builds(
        lambda source, pid, score, trend, findings, plan, name, title: _ok(
            source,
            _doc(
                pid,
                score,
                trend=trend,
                findings=findings,
                plan=plan,
                areas={"governance": "red", "culture": "green"},
                titles={"R1": title, "A1": title},
            ),
            name=name,
        ),
        st.sampled_from(_SOURCES),
        st.sampled_from(("p1", "p2")),
        st.one_of(st.none(), st.sampled_from((10.0, 10.0, 55.5, 99.9, 100.0, 0.0))),
        st.sampled_from((None, "baseline", "drifting", "deteriorating", "stable")),
        st.lists(
            st.tuples(st.sampled_from(("R1", "R2", "R3")), st.sampled_from(("high", "critical"))),
            max_size=3,
        ),
        st.lists(
            st.tuples(st.sampled_from(("A1", "A2", "A3")), st.sampled_from(("plan", "backlog"))),
            max_size=3,
        ),
        st.sampled_from((None, "X", "Y")),
        st.sampled_from(("one title", "another title")),
    ),
    st.builds(
        _failed,
        st.sampled_from(_SOURCES),
        st.sampled_from(("x: error: one", "x: error: two")),
    ),
    st.builds(lambda source: PortfolioRecord(source=source), st.sampled_from(_SOURCES)),
)


@given(st.lists(_record, max_size=14), st.randoms(use_true_random=False))
def test_ties_and_repeats_in_any_order_give_the_same_document(
    items: list[PortfolioRecord], rng: random.Random
) -> None:
    # Small limits, so ties fall on the cut of every ranked list.
    limits = {"top": 2, "at_risk": 2, "drifting": 1, "errors": 1}
    expected = _report(items, **limits).to_dict()
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert _report(shuffled, **limits).to_dict() == expected
    jsonschema.validate(expected, portfolio_schema())
    counts = expected["partnerships"]
    assert counts["total"] == len(items) == counts["assessed"] + counts["failed"]
    assert sum(b["count"] for b in expected["overall"]["bins"]) == counts["scored"]
    assert sum(expected["overall"]["lights"].values()) == counts["assessed"]
    assert sum(expected["overall"]["trends"].values()) == counts["assessed"]
    assert len(expected["at_risk"]) == min(2, counts["scored"])


# -- edge cases -------------------------------------------------------------------------


def test_a_portfolio_that_failed_entirely() -> None:
    report = _report(
        [_failed(f"f{i:02d}.toml", f"f{i:02d}.toml:1:1: error: bad") for i in range(25)]
    )
    doc = report.to_dict()
    assert doc["partnerships"] == {"total": 25, "assessed": 0, "failed": 25, "scored": 0}
    assert doc["errors"]["count"] == 25
    assert [e["source"] for e in doc["errors"]["first"]] == [f"f{i:02d}.toml" for i in range(20)]
    assert doc["overall"]["mean"] is None
    assert doc["overall"]["median"] is None
    assert doc["at_risk"] == []
    assert doc["areas"] == {}
    assert doc["findings"] == {"distinct": 0, "top": []}
    jsonschema.validate(doc, portfolio_schema())
    assert "And 5 more." in render_portfolio_markdown(report)
    page = render_portfolio_html(report)
    assert "No partnership has an overall score." in page
    text = _text(report)
    assert "Not assessed: 25" in text
    assert "and 5 more" in text


def test_an_empty_portfolio_renders_in_every_format() -> None:
    report = PortfolioReport()
    assert report.to_dict()["partnerships"]["total"] == 0
    assert "No partnership has an overall score." in render_portfolio_markdown(report)
    assert 'id="chart-histogram"' in render_portfolio_html(report)
    assert "Portfolio: 0 partnerships" in _text(report)


def test_without_history_nothing_is_drifting(engine: Engine, examples_dir: Path) -> None:
    # case_study_before.toml has no History: its trend is a baseline.
    record = next(assess_many([examples_dir / "case_study_before.toml"], engine=engine))
    doc = _report([record, record]).to_dict()
    assert doc["drifting"] == {"count": 0, "drifting": 0, "deteriorating": 0, "first": []}
    assert doc["overall"]["trends"]["baseline"] == 2
    assert "Drifting or deteriorating: 0" in render_portfolio_markdown(doc)


def test_ties_in_score_are_broken_by_source() -> None:
    items = [_ok(f"s{i:02d}.toml", _doc(f"p{i}", 42.0)) for i in range(15, -1, -1)]
    doc = _report(items).to_dict()
    assert [p["source"] for p in doc["at_risk"]] == [f"s{i:02d}.toml" for i in range(10)]


def test_ties_in_frequency_are_broken_by_id() -> None:
    items = [
        _ok(
            "a",
            _doc("p", 50, findings=[("Z-1", "high"), ("B-2", "high")], plan=[("ACT-9", "plan")]),
        ),
        _ok("b", _doc("p", 50, findings=[("A-3", "low")], plan=[("ACT-1", "plan")])),
        _ok("c", _doc("p", 50, findings=[("Z-1", "critical")], plan=[("ACT-5", "backlog")])),
    ]
    doc = _report(items, top=3).to_dict()
    assert [f["rule"] for f in doc["findings"]["top"]] == ["Z-1", "A-3", "B-2"]
    assert doc["findings"]["top"][0]["severities"] == {"critical": 1, "high": 1}
    assert [a["action"] for a in doc["actions"]["top"]] == ["ACT-1", "ACT-9"]  # ACT-5: backlog


def test_a_rule_counts_once_per_partnership_at_its_most_severe() -> None:
    doc = _report([_ok("a", _doc("p", 50, findings=[("R", "low"), ("R", "high")]))]).to_dict()
    assert doc["findings"]["top"][0]["count"] == 1
    assert doc["findings"]["top"][0]["severities"] == {"high": 1}


def test_a_title_seen_several_ways_is_the_smallest_in_any_order() -> None:
    first = _ok("a", _doc("p", 50, findings=[("R", "low")], titles={"R": "Zebra"}))
    second = _ok("b", _doc("p", 50, findings=[("R", "low")], titles={"R": "Aardvark"}))
    for order in ([first, second], [second, first]):
        assert _report(order).to_dict()["findings"]["top"][0]["title"] == "Aardvark"


def test_an_unscored_assessment_is_counted_but_not_ranked() -> None:
    doc = _report([_ok("a", _doc("p", None)), _ok("b", _doc("q", 80.0))]).to_dict()
    assert doc["partnerships"]["scored"] == 1
    assert doc["overall"]["lights"]["unknown"] == 1
    assert [p["source"] for p in doc["at_risk"]] == ["b"]
    assert "1 assessed without an overall score" in render_portfolio_markdown(doc)


@pytest.mark.parametrize(
    ("scores", "median"),
    [
        ([10.0], 10.0),
        ([10.0, 20.1], 15.05),
        ([0.0, 100.0, 50.0], 50.0),
        ([3.3, 3.3, 9.9, 1.1], 3.3),
    ],
)
def test_the_median_is_exact(scores: list[float], median: float) -> None:
    doc = _report([_ok(f"s{i}", _doc("p", s)) for i, s in enumerate(scores)]).to_dict()
    assert doc["overall"]["median"] == median
    assert doc["overall"]["median"] == pytest.approx(statistics.median(scores))


def test_a_score_of_100_is_in_the_last_band_and_10_in_the_second() -> None:
    doc = _report([_ok("a", _doc("p", 100.0)), _ok("b", _doc("p", 10.0))]).to_dict()
    counts = [b["count"] for b in doc["overall"]["bins"]]
    assert counts == [0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert (doc["overall"]["bins"][-1]["from"], doc["overall"]["bins"][-1]["to"]) == (90, 100)


# -- bounded memory ---------------------------------------------------------------------


def _size(value: Any) -> int:
    """Every element reachable from *value* through containers and slots."""
    if isinstance(value, str | int | float | bool | type(None)):
        return 1
    if isinstance(value, dict):
        return 1 + sum(_size(k) + _size(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return 1 + sum(_size(v) for v in value)
    slots = [s for cls in type(value).__mro__ for s in getattr(cls, "__slots__", ())]
    assert not hasattr(value, "__dict__"), f"{type(value).__name__} has state beyond its slots"
    return 1 + sum(_size(getattr(value, s)) for s in slots)


def _synthetic(count: int, seed: int) -> list[PortfolioRecord]:
    rng = random.Random(seed)
    items = []
    for i in range(count):
        if i % 50 == 0:
            items.append(_failed(f"bad-{seed}-{i}.toml", f"bad-{seed}-{i}.toml:1:1: error: x"))
            continue
        doc = _doc(
            f"partnership-{seed}-{i}",
            rng.choice((12.5, 33.0, 47.1, 61.9, 88.8)),
            trend=rng.choice(("baseline", "drifting", "deteriorating", "stable")),
            findings=[
                (f"R-{rng.randrange(30)}", rng.choice(("high", "critical"))) for _ in range(5)
            ],
            plan=[(f"A-{rng.randrange(20)}", rng.choice(("plan", "backlog"))) for _ in range(4)],
            areas={area: rng.choice(("green", "amber", "red", "unknown")) for area in AREAS},
        )
        items.append(_ok(f"src-{seed}-{i:06d}.json", doc, name=f"Partnership {seed}-{i}"))
    return items


def test_the_state_does_not_grow_with_the_records() -> None:
    report = PortfolioReport()
    report.update(_synthetic(2000, 1))
    after_2000 = _size(report)
    report.update(_synthetic(4000, 2))
    assert report.total == 6000
    # Counters and fixed-length lists: full after 2,000 varied records, no bigger after 6,000.
    assert _size(report) == after_2000
    assert after_2000 < 2000


def test_the_size_measure_would_see_a_list_of_records() -> None:
    class Hoarding(PortfolioReport):
        __slots__ = ("seen",)

        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def add(self, record: PortfolioRecord) -> None:
            super().add(record)
            self.seen.append(record.source)

    hoarding = Hoarding()
    hoarding.update(_synthetic(200, 1))
    small = _size(hoarding)
    hoarding.update(_synthetic(200, 2))
    assert _size(hoarding) > small


# -- renderers --------------------------------------------------------------------------


def _text(report: PortfolioReport | dict[str, Any], width: int = 100) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, no_color=True, highlight=False, markup=False)
    render_portfolio_text(console, report)
    return out.getvalue()


def test_the_text_report_shows_every_section(records: list[PortfolioRecord]) -> None:
    report = _report(records)
    doc = report.to_dict()
    text = _text(report)
    assert text.startswith(f"Portfolio: {len(records)} partnerships; {GENERATED + 2} assessed")
    for heading in (
        "Overall scores",
        "Lights per area",
        "Most frequent findings",
        "Most frequent actions in the plans",
        "Most at risk",
        "Drifting or deteriorating",
        "Not assessed: 2",
    ):
        assert heading in text
    assert doc["findings"]["top"][0]["rule"] in text
    assert doc["at_risk"][0]["source"] in text
    assert "█" in text
    assert _text(doc) == text  # the document renders as the report does
    assert max(len(line) for line in _text(report, 80).splitlines()) <= 80


def test_the_text_report_prints_hostile_names_as_text() -> None:
    for markup in (False, True):
        out = io.StringIO()
        console = Console(file=out, width=200, no_color=True, highlight=False, markup=markup)
        render_portfolio_text(console, _report([_ok("x|y.toml", _doc("p", 20.0), name=HOSTILE)]))
        assert "[bold]c[/bold]" in out.getvalue()


def test_markdown_lists_every_section(records: list[PortfolioRecord]) -> None:
    report = _report(records)
    markdown = render_portfolio_markdown(report)
    for heading in (
        "# Portfolio report",
        "## Overall scores",
        "## Lights per area",
        "## Most frequent findings",
        "## Most frequent actions",
        "## Most at risk",
        "## Drifting",
        "## Not assessed",
    ):
        assert f"\n{heading}\n" in f"\n{markdown}"
    assert "| 90-100 |" in markdown
    assert "`broken.json`" in markdown
    assert "\n\n\n" not in markdown
    assert render_portfolio_markdown(report) == markdown


def _cells(row: str) -> list[str]:
    """A Markdown table row split on its unescaped pipes."""
    return re.split(r"(?<!\\)\|", row)[1:-1]


def test_markdown_escapes_hostile_names() -> None:
    doc = _doc("p|id", 20.0, findings=[("R1", "high")], titles={"R1": HOSTILE})
    markdown = render_portfolio_markdown(_report([_ok("x|y.toml", doc, name=HOSTILE)]))
    assert "<script" not in markdown
    assert "<img" not in markdown
    assert "&lt;script>" in markdown
    assert "[U+202E]" in markdown  # the bidi override is shown, not obeyed
    assert "\u202e" not in markdown
    assert "\u2068" in markdown  # the right-to-left name is isolated
    rows = [line for line in markdown.splitlines() if line.startswith("| 1 |")]
    assert len(rows) == 1
    assert len(_cells(rows[0])) == 10  # the pipes in the name split no cell
    finding = next(line for line in markdown.splitlines() if line.startswith("| R1 |"))
    assert len(_cells(finding)) == 6


def _chart(html: str, name: str) -> str:
    found = re.search(rf'<svg[^>]*id="chart-{name}".*?</svg>', html, re.S)
    assert found is not None, f"no {name} chart"
    return found.group()


def test_the_html_page_is_self_contained_with_both_charts(
    records: list[PortfolioRecord], parse_html: Callable[[str], Any]
) -> None:
    report = _report(records)
    doc = report.to_dict()
    html = render_portfolio_html(report)
    page = parse_html(html)
    assert "script" not in page.tags
    assert page.remote == []
    assert page.tags.count("svg") == 2
    bars = re.findall(
        r'<rect[^>]*class="rect reactive tooltip-trigger"[^>]*>', _chart(html, "histogram")
    )
    assert len(bars) == 10
    tall = [b for b in bars if float(re.search(r'height="([0-9.]+)"', b).group(1)) > 0]  # type: ignore[union-attr]
    assert len(tall) == sum(1 for b in doc["overall"]["bins"] if b["count"])
    assert tall
    lights = _chart(html, "lights")
    wide = re.findall(r'<rect[^>]*width="[0-9.]*[1-9][0-9.]*"[^>]*class="rect reactive', lights)
    assert len(wide) == sum(1 for a in doc["areas"].values() for n in a.values() if n)
    text = " ".join(page.text)
    for part in ("Overall scores", "Lights per area", "Most frequent findings", "Most at risk"):
        assert part in text
    assert render_portfolio_html(report) == html


def test_the_html_page_escapes_hostile_names(parse_html: Callable[[str], Any]) -> None:
    doc = _doc("p", 20.0, trend="drifting", findings=[("R1", "high")], titles={"R1": HOSTILE})
    html = render_portfolio_html(
        _report([_ok(HOSTILE, doc, name=HOSTILE), _failed(HOSTILE, HOSTILE)])
    )
    page = parse_html(html)
    assert "script" not in page.tags
    assert "img" not in page.tags
    assert page.remote == []
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    text = "".join(page.text)
    assert text.count(HOSTILE) >= 5  # at risk (name, source), drifting (name, source), finding
    assert "<bdi>" in html
