"""The terminal report of an assessment: findings by severity with their evidence."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from .assessment import Assessment, Evidence

__all__ = ["print_assessment"]

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


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
    for diagnostic in assessment.diagnostics:
        console.print(f"diagnostic: {diagnostic}")
