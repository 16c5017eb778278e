"""The markdown format: a readable report, and nothing in it that a fact file can inject."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realign.cli import main
from realign.reports.markdown import render_markdown
from realign.reports.text import markdown_code, markdown_value
from realign.testing import engine_with

#: a partner name that tries everything: HTML, a table break, emphasis, a link, code,
#: quotes, a right-to-left override and Hebrew, a newline, and a very long tail
HOSTILE = (
    '<script>alert("x")</script> | *bold* [link](http://x) `code` \'q\' "qq" '
    "\u202eevil\u202c שלום\nnext line " + "x" * 400
)


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


@pytest.fixture(scope="module")
def report(examples_dir: Path) -> str:
    engine = engine_with()
    source = examples_dir / "case_study_before.toml"
    return render_markdown([engine.assess(source)], [str(source)])


def test_the_report_has_every_part(report: str) -> None:
    assert report.startswith("# Corvid Software x Ironbridge Devices")
    for heading in ("## Summary", "## Areas", "## Findings", "## Realignment plan"):
        assert f"\n{heading}\n" in report
    assert "- Overall health: **41.4** of 100, red, trend baseline." in report
    rows = [line for line in report.splitlines() if line.startswith("| ")]
    areas = ("Governance", "Culture", "Market", "Alignment", "Early warning", "Continuous")
    assert all(any(row.startswith(f"| {a} |") for row in rows) for a in areas)
    assert "#### CRITICAL: ALN-02 Partners' priorities diverge" in report
    assert "| 1 | ACT-16 Bi-weekly executive alignment sessions | critical | 42 days |" in report
    assert "- CAM-06: fewer than 4 periods" in report


def test_every_table_row_keeps_its_columns(report: str) -> None:
    for table in re.findall(r"(?:^\|.*\n)+", report, re.M):
        lines = table.splitlines()
        assert {_unescaped_pipes(line) for line in lines} == {_unescaped_pipes(lines[0])}


def test_a_hostile_fact_file_renders_escaped(
    examples_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (examples_dir / "case_study_before.toml").read_text(encoding="utf-8")
    escaped = HOSTILE.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    text = text.replace('name = "Corvid Software"', f'name = "{escaped}"')
    target = tmp_path / "hostile.toml"
    target.write_text(text, encoding="utf-8")
    out = tmp_path / "report.md"
    assert main(["assess", str(target), "--format", "markdown", "-o", str(out)]) == 0
    report = out.read_text(encoding="utf-8")
    assert "<script>" not in report
    assert "&lt;script>alert" in report
    assert "\\| \\*bold\\* \\[link\\](http://x)" in report
    assert "\u202e" not in report
    assert "[U+202E]evil[U+202C]" in report
    assert "\u2068" in report  # the right-to-left name is isolated from the text around it
    assert "x" * 400 in report  # nothing is cut
    for table in re.findall(r"(?:^\|.*\n)+", report, re.M):
        lines = table.splitlines()
        assert {_unescaped_pipes(line) for line in lines} == {_unescaped_pipes(lines[0])}


@given(st.text())
def test_a_value_is_one_line_of_plain_text(text: str) -> None:
    shown = markdown_value(text)
    assert "\n" not in shown
    assert "\r" not in shown
    assert "<" not in shown
    assert _unescaped_pipes(shown) == 0
    assert not re.search(r"(?<!\\)[*_`\[\]]", shown)


@given(st.text())
def test_a_code_span_shows_its_text_literally(text: str) -> None:
    span = markdown_code(text)
    fence = re.match(r"`+", span)
    assert fence is not None
    inner = span[len(fence.group()) : -len(fence.group())]
    assert "\n" not in span
    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
    if "`" not in text and not any(c in text for c in controls):
        assert inner.strip("\u2068\u2069") == " ".join(text.split())
