"""The terminal report of an assessment: areas with lights, findings with evidence, the plan."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from ._text import percent
from .assessment import Assessment, Evidence

__all__ = ["AREA_TITLES", "LIGHT_STYLES", "print_assessment"]

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
LIGHT_STYLES = {"green": "green", "amber": "yellow", "red": "bold red", "unknown": "dim"}
AREA_TITLES = {
    "governance": "Governance",
    "culture": "Culture",
    "market": "Market drift",
    "alignment": "Initial alignment & execution",
    "early_warning": "Early warning",
    "continuous": "Continuous alignment",
}


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or value.get("key") or value.get("path") or value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _evidence_line(item: Evidence) -> str:
    """The facts a match bound, or for a rule-wide finding its first measured value."""
    if item.bindings:
        return " ".join(f"{k}={_short(v)}" for k, v in item.bindings.items())
    for check in item.checks:
        if not isinstance(check.actual, dict | list):
            left = check.left if len(check.left) <= 40 else check.left[:39] + "…"
            return f"{left} = {_short(check.actual)}"
    return ""


def print_assessment(console: Console, assessment: Assessment, *, source: str, rules: int) -> None:
    header = assessment.facts.partnership.assessment
    name = assessment.facts.partnership.partnership.name
    console.print(f"{name} ({header.partnership_id}) as of {header.as_of.isoformat()}: {source}")
    evaluated = len(assessment.findings) + len(assessment.passed)
    console.print(
        f"{len(assessment.findings)} findings, {len(assessment.passed)} passed, "
        f"{len(assessment.not_evaluable)} not evaluable; {evaluated} of {rules} rules evaluated"
    )
    coverage = assessment.coverage
    if coverage is not None and coverage.low_confidence:
        console.print(
            f"LOW CONFIDENCE: only {percent(coverage.ratio)} of the rules could be evaluated",
            style="bold yellow",
        )
    _print_areas(console, assessment)
    if assessment.findings:
        table = Table(show_lines=False, expand=False)
        table.add_column("severity")
        table.add_column("rule")
        table.add_column("area")
        table.add_column("finding")
        table.add_column("evidence")
        for finding in assessment.findings:
            evidence = [_evidence_line(item) for item in finding.evidence[:5]]
            if len(finding.evidence) > 5:
                evidence.append(f"… and {len(finding.evidence) - 5} more")
            table.add_row(
                finding.severity,
                finding.rule,
                finding.area,
                finding.title
                if finding.message == finding.title
                else f"{finding.title}\n{finding.message}",
                "\n".join(evidence),
                style=_STYLE.get(finding.severity),
            )
        console.print(table)
    if assessment.not_evaluable:
        console.print("Not evaluable:")
        for skipped in assessment.not_evaluable:
            console.print(f"  {skipped.rule}: {skipped.reason}")
    _print_plan(console, assessment)
    for diagnostic in assessment.diagnostics:
        console.print(f"diagnostic: {diagnostic}")


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _print_areas(console: Console, assessment: Assessment) -> None:
    if not assessment.areas or assessment.overall is None:
        return
    table = Table(title="Area health", title_justify="left")
    table.add_column("area")
    table.add_column("score", justify="right")
    table.add_column("light")
    table.add_column("trend")
    table.add_column("findings", justify="right")
    table.add_column("evaluated", justify="right")
    for name, area in assessment.areas.items():
        table.add_row(
            AREA_TITLES.get(name, name),
            _score(area.score),
            area.light,
            area.trend or "",
            str(area.findings),
            f"{area.evaluated}/{area.rules}",
            style=LIGHT_STYLES.get(area.light),
        )
    overall = assessment.overall
    light = overall.light + (f" (capped: {overall.capped_by})" if overall.capped_by else "")
    table.add_row(
        "Overall",
        _score(overall.score),
        light,
        overall.trend or "",
        "",
        "",
        style=LIGHT_STYLES.get(overall.light),
    )
    console.print(table)


def _print_plan(console: Console, assessment: Assessment) -> None:
    if not assessment.plan:
        return
    table = Table(title="Realignment plan", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("action")
    table.add_column("priority")
    table.add_column("effort")
    table.add_column("horizon", justify="right")
    table.add_column("because")
    for item in assessment.plan:
        if item.tier != "plan":
            continue
        table.add_row(
            str(item.rank),
            f"{item.action} {item.title}",
            item.priority,
            item.effort or "",
            f"{item.horizon_days} d" if item.horizon_days is not None else "",
            ", ".join(item.because),
            style=_STYLE.get(item.priority),
        )
    console.print(table)
    backlog = [item for item in assessment.plan if item.tier != "plan"]
    if backlog:
        console.print(
            "Backlog: " + ", ".join(f"{item.action} ({item.priority})" for item in backlog)
        )
