"""The terminal report of a trend: scores per period, finding changes, drift alerts."""

from __future__ import annotations

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


def print_trend(console: Console, trend: Trend) -> None:
    latest = trend.latest
    first = trend.points[0].period
    console.print(
        f"{trend.name} ({trend.partnership_id}): {len(trend.points)} periods, "
        f"{first} to {latest.period}"
    )
    table = Table(title="Scores over time", title_justify="left")
    table.add_column("area")
    for point in trend.points:
        header = f"{point.period}\nhistory" if point.kind == "history" else point.period
        table.add_column(header, justify="right")
    for name in trend.areas:
        table.add_row(AREA_TITLES.get(name, name), *(_cell(p.areas[name]) for p in trend.points))
    table.add_row("Overall", *(_cell(p.overall) for p in trend.points), style="bold")
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
                console.print(f"    {label} ({len(refs)}): {_refs(refs)}")

    console.print(f"Drift alerts in {latest.period}, the latest period:", style="bold")
    current = trend.alerts_at(latest.period)
    for alert in current:
        style = "yellow" if alert.kind == "persisting" else "bold red"
        console.print(f"  {alert.kind}: {alert.message}", style=style)
    if not current:
        console.print("  none")
    earlier = [a for a in trend.alerts if a.period != latest.period]
    if earlier:
        console.print("Earlier alerts:", style="bold")
        for alert in earlier:
            console.print(f"  {alert.period} {alert.kind}: {alert.message}")
    for note in trend.diagnostics:
        console.print(f"note: {note}", style="dim")
