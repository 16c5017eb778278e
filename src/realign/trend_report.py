"""The terminal report of a trend: scores per period, finding changes, drift alerts."""

from __future__ import annotations

import textwrap

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .assessment_report import AREA_TITLES, LIGHT_STYLES
from .rules.types import SEVERITIES
from .trend import FindingRef, ScorePoint, Trend

__all__ = ["print_trend"]

#: one mark per trend, so a column of them reads at a glance
TREND_MARKS = {
    "baseline": "·",
    "stable": "→",
    "improving": "↑",
    "deteriorating": "↓",
    "drifting": "↘",
}


_LIGHT_LETTERS = {"green": "G", "amber": "A", "red": "R"}
#: columns a period takes in the scores table ("100.0 G ↘" and its borders), and the rest
_CELL_WIDTH = 12
_LABEL_WIDTH = 32


def _cell(point: ScorePoint) -> Text:
    if point.score is None:
        return Text("unknown", style="dim")
    mark = TREND_MARKS.get(point.trend or "", "")
    letter = _LIGHT_LETTERS.get(point.light, "?")
    return Text(
        f"{point.score:.1f} {letter} {mark}".rstrip(), style=LIGHT_STYLES.get(point.light, "")
    )


def _refs(refs: tuple[FindingRef, ...]) -> str:
    def one(ref: FindingRef) -> str:
        if ref.was in SEVERITIES and ref.was != ref.severity:
            return f"{ref.rule} {ref.was}→{ref.severity}"
        return f"{ref.rule} {ref.severity}"

    return ", ".join(one(ref) for ref in refs)


def _hanging(text: str, indent: int, console: Console) -> str:
    """*text* wrapped to the console, every line indented; rule ids are not split."""
    pad = " " * indent
    return textwrap.fill(
        text,
        console.width,
        initial_indent=pad,
        subsequent_indent=pad + "  " if indent < 4 else pad,
        break_on_hyphens=False,
    )


def print_trend(console: Console, trend: Trend) -> None:
    latest = trend.latest
    first = trend.points[0].period
    console.print(
        f"{trend.name} ({trend.partnership_id}): {len(trend.points)} periods, "
        f"{first} to {latest.period}"
    )
    # As many periods side by side as the width holds; more go into further tables.
    per_table = max(1, (console.width - _LABEL_WIDTH) // _CELL_WIDTH)
    points = trend.points
    for start in range(0, len(points), per_table):
        block = points[start : start + per_table]
        title = "Scores over time" if start == 0 else "Scores over time, continued"
        table = Table(title=title, title_justify="left")
        table.add_column("area", min_width=12)
        for point in block:
            header = f"{point.period}\nhistory" if point.kind == "history" else point.period
            table.add_column(header, justify="right", no_wrap=True)
        for name in trend.areas:
            table.add_row(AREA_TITLES.get(name, name), *(_cell(p.areas[name]) for p in block))
        table.add_row("Overall", *(_cell(p.overall) for p in block), style="bold")
        console.print(table)
    console.print(
        "G green, A amber, R red; · baseline, → stable, ↑ improving, ↓ deteriorating, "
        "↘ drifting. History periods have scores but no findings.",
        style="dim",
    )

    console.print("Findings, each assessed period against the one before:", style="bold")
    for point in trend.points:
        found = point.findings
        if found is None:
            continue
        if found.compared_with is None:
            console.print(f"  {point.period}: {len(found.fired)} findings, the first assessed")
            continue
        console.print(
            f"  {point.period} against {found.compared_with}: {len(found.fired)} findings"
        )
        for label, refs in (
            ("new", found.new),
            ("persisting", found.persisting),
            ("resolved", found.resolved),
            ("no longer evaluable, not resolved", found.no_longer_evaluable),
        ):
            if refs:
                # Wrapped lines hang under the list, not under the period.
                console.print(_hanging(f"{label} ({len(refs)}): {_refs(refs)}", 4, console))

    console.print(f"Drift alerts in {latest.period}, the latest period:", style="bold")
    current = trend.alerts_at(latest.period)
    for alert in current:
        style = "yellow" if alert.kind == "persisting" else "bold red"
        console.print(_hanging(f"{alert.kind}: {alert.message}", 2, console), style=style)
    if not current:
        console.print("  none")
    earlier = [a for a in trend.alerts if a.period != latest.period]
    if earlier:
        console.print("Earlier alerts:", style="bold")
        for alert in earlier:
            console.print(_hanging(f"{alert.period} {alert.kind}: {alert.message}", 2, console))
    for note in trend.diagnostics:
        console.print(f"note: {note}", style="dim")
