"""The ``markdown`` output format: a client-ready report of one or more assessments."""

from __future__ import annotations

import re
from collections.abc import Sequence

import jinja2

from ..assessment import Assessment
from .context import add_filters, report_context
from .text import markdown_code, markdown_value

__all__ = ["markdown_environment", "render_markdown", "tidy_markdown"]


def markdown_environment() -> jinja2.Environment:
    """The template engine of Markdown reports: every value escaped on its way out."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("realign.reports", "templates"),
        # Every value the template shows is escaped for Markdown on its way out;
        # filters below format values, and the template's own text is trusted.
        finalize=markdown_value,
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    add_filters(environment)
    environment.filters["code"] = markdown_code
    return environment


def render_markdown(assessments: Sequence[Assessment], sources: Sequence[str]) -> str:
    """The assessments as one Markdown document, one top-level section each."""
    template = markdown_environment().get_template("assessment.md.j2")
    reports = [report_context(a, s) for a, s in zip(assessments, sources, strict=True)]
    return tidy_markdown(template.render(reports=reports))


def tidy_markdown(text: str) -> str:
    """*text* with runs of blank lines made one; the templates' loops leave them."""
    # Values hold no newline (they are made one line), so blank lines are the template's own.
    return re.sub(r"\n{3,}", "\n\n", text).lstrip("\n")
