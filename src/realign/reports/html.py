"""The ``html`` output format: one self-contained page, with inline SVG charts.

The page loads nothing: its style is inline, its charts are SVG in the page,
and it has no script. Every value from facts or rule sets is HTML-escaped by the
template engine (autoescape); a value that may run right to left sits in a
``<bdi>`` so it cannot reorder the text around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jinja2

from ..assessment import Assessment
from .charts import area_chart, trend_chart
from .context import add_filters, report_context

__all__ = ["html_environment", "render_html"]


def html_environment() -> jinja2.Environment:
    """The template engine of HTML reports: autoescaped, strict about missing values."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("realign.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    add_filters(environment)
    return environment


def _charts(assessment: Assessment, report: dict[str, Any]) -> None:
    doc = report["doc"]
    report["area_chart"] = area_chart(doc["areas"], doc["overall"]["score"])
    history = assessment.facts.partnership.history
    report["trend_chart"] = None
    if history:
        periods = [entry.period for entry in history] + [doc["assessment"]["period"]]
        series: dict[str, list[float | None]] = {
            "overall": [entry.overall for entry in history] + [doc["overall"]["score"]]
        }
        for area, score in doc["areas"].items():
            past = [
                {str(getattr(k, "value", k)): v for k, v in entry.area_scores.items()}.get(area)
                for entry in history
            ]
            series[area] = [*past, score["score"]]
        report["trend_chart"] = trend_chart(periods, series)


def render_html(assessments: Sequence[Assessment], sources: Sequence[str]) -> str:
    """The assessments as one HTML page, a section each."""
    reports = []
    for assessment, source in zip(assessments, sources, strict=True):
        report = report_context(assessment, source)
        _charts(assessment, report)
        reports.append(report)
    return html_environment().get_template("assessment.html.j2").render(reports=reports)
