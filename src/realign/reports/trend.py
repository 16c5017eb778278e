"""A trend as a Markdown document or an HTML page, with a line chart of the scores."""

from __future__ import annotations

from typing import Any

from ..trend import FindingRef, ScorePoint, Trend
from .charts import trend_chart
from .context import title_case
from .html import html_environment
from .markdown import markdown_environment, tidy_markdown

__all__ = ["render_trend_html", "render_trend_markdown", "trend_context"]

#: what each trend is called in a report's cells
_WORDS = {
    "baseline": "baseline",
    "stable": "stable",
    "improving": "improving ↑",
    "deteriorating": "deteriorating ↓",
    "drifting": "drifting ↘",
}


def _cell(point: ScorePoint) -> dict[str, Any]:
    if point.score is None:
        return {"score": "unknown", "light": "unknown", "trend": ""}
    return {
        "score": f"{point.score:.1f}",
        "light": point.light,
        "trend": _WORDS.get(point.trend or "", point.trend or ""),
    }


def _refs(refs: tuple[FindingRef, ...]) -> list[str]:
    out = []
    for ref in refs:
        moved = f", was {ref.was}" if ref.was not in (None, ref.severity, "fired") else ""
        out.append(f"{ref.rule} {ref.title} ({ref.severity}{moved})")
    return out


def trend_context(trend: Trend) -> dict[str, Any]:
    """The trend's JSON document, and the rows and lists the report templates show."""
    doc = trend.to_dict()
    rows = [
        {"label": title_case(name), "cells": [_cell(p.areas[name]) for p in trend.points]}
        for name in trend.areas
    ]
    rows.append({"label": "Overall", "cells": [_cell(p.overall) for p in trend.points]})
    changes = []
    for point in trend.points:
        found = point.findings
        if found is None:
            continue
        changes.append(
            {
                "period": point.period,
                "compared_with": found.compared_with,
                "source": point.source,
                "fired": _refs(found.fired),
                "lists": [
                    ("New", _refs(found.new)),
                    ("Persisting", _refs(found.persisting)),
                    ("Resolved", _refs(found.resolved)),
                    (
                        "No longer evaluable (the facts no longer say; not counted as resolved)",
                        _refs(found.no_longer_evaluable),
                    ),
                ],
            }
        )
    latest = trend.latest.period
    return {
        "doc": doc,
        "periods": [
            {"period": p.period, "history": p.kind == "history", "source": p.source}
            for p in trend.points
        ],
        "rows": rows,
        "changes": changes,
        "latest": latest,
        "current_alerts": [a.to_dict() for a in trend.alerts_at(latest)],
        "earlier_alerts": [a.to_dict() for a in trend.alerts if a.period != latest],
    }


def render_trend_markdown(trend: Trend) -> str:
    template = markdown_environment().get_template("trend.md.j2")
    return tidy_markdown(template.render(report=trend_context(trend)))


def render_trend_html(trend: Trend) -> str:
    report = trend_context(trend)
    series: dict[str, list[float | None]] = {
        "overall": [p.overall.score for p in trend.points],
        **{name: [p.areas[name].score for p in trend.points] for name in trend.areas},
    }
    report["chart"] = trend_chart([p.period for p in trend.points], series)
    return html_environment().get_template("trend.html.j2").render(report=report)
