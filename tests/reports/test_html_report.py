"""The html format: one self-contained page with charts, every value escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from realign import Engine
from realign.cli import main
from realign.reports.html import render_html
from realign.testing import engine_with

HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)> "double" \'single\' '
    "\u202eevil\u202c שלום " + "x" * 400
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return engine_with()


def test_the_page_is_self_contained_with_both_charts(
    engine: Engine, examples_dir: Path, parse_html: Callable[[str], Any]
) -> None:
    source = examples_dir / "healthy.toml"
    html = render_html([engine.assess(source)], [str(source)])
    page = parse_html(html)
    assert "script" not in page.tags
    assert page.remote == []
    assert page.tags.count("svg") == 2  # the areas, and the trend over the history
    areas = re.search(r'<svg[^>]*id="chart-areas".*?</svg>', html, re.S)
    trend = re.search(r'<svg[^>]*id="chart-trend".*?</svg>', html, re.S)
    assert areas is not None
    assert trend is not None
    # Not empty: a bar per area and the overall, a line through the five periods.
    assert len(re.findall(r'<rect[^>]*class="rect reactive tooltip-trigger"', areas.group())) == 7
    for period in ("2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"):
        assert period in trend.group()
    text = " ".join(page.text)
    for part in ("Summary", "Areas", "Trend", "Findings", "Realignment plan"):
        assert part in text


def test_one_input_gives_one_page(engine: Engine, examples_dir: Path) -> None:
    source = examples_dir / "case_study_before.toml"
    first = render_html([engine.assess(source)], [str(source)])
    assert render_html([engine.assess(source)], [str(source)]) == first
    assert "chart-trend" not in first  # no history, no trend chart


def test_a_hostile_fact_file_renders_escaped(
    examples_dir: Path, tmp_path: Path, parse_html: Callable[[str], Any]
) -> None:
    text = (examples_dir / "case_study_before.toml").read_text(encoding="utf-8")
    escaped = HOSTILE.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace('name = "Corvid Software"', f'name = "{escaped}"').replace(
        'name = "Corvid Software x Ironbridge Devices - SmartEdge product line"',
        f'name = "{escaped}"',
    )
    target = tmp_path / "hostile.toml"
    target.write_text(text, encoding="utf-8")
    out = tmp_path / "report.html"
    assert main(["assess", str(target), "--format", "html", "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    page = parse_html(html)
    assert "script" not in page.tags
    assert "img" not in page.tags
    assert page.remote == []
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert HOSTILE in "".join(page.text)  # shown as text, whole, not cut
    assert "<bdi>" in html  # the right-to-left name cannot reorder what follows it


def test_the_chart_library_leaves_the_import_system_as_it_found_it() -> None:
    import sys

    import realign.reports.charts  # noqa: F401 - imported for its effect on sys.meta_path

    assert all(hasattr(finder, "find_spec") for finder in sys.meta_path)
