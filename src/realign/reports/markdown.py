"""The ``markdown`` output format: a client-ready report of one or more assessments."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import jinja2

from ..assessment import Assessment
from ..rules.ruleset import AREAS
from ..rules.types import SEVERITIES
from .text import markdown_code, markdown_value

__all__ = ["render_markdown"]


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("realign.reports", "templates"),
        # Every value the template shows is escaped for Markdown on its way out;
        # filters below format values, and the template's own text is trusted.
        finalize=markdown_value,
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["title_case"] = lambda area: str(area).replace("_", " ").capitalize()
    environment.filters["bindings"] = _bindings
    environment.filters["shown"] = _shown
    environment.filters["code"] = markdown_code
    environment.filters["needs"] = _needs
    return environment


def _bindings(bindings: dict[str, Any]) -> str:
    return ", ".join(f"{name} = {_shown(value)}" for name, value in bindings.items())


def _needs(check: dict[str, Any]) -> str:
    """What a check asks for: "yes", "> 136.5", "in red, amber"."""
    threshold = _shown(check["threshold"])
    return threshold if check["op"] in ("is", "==") else f"{check['op']} {threshold}"


def _shown(value: Any) -> str:
    """A value of the JSON report, as a short phrase."""
    if isinstance(value, dict):
        if "id" in value:
            return str(value["id"])
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") or "0"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _report(assessment: Assessment, source: str) -> dict[str, Any]:
    doc = assessment.to_dict()
    partnership = assessment.facts.partnership
    counts = Counter(f["severity"] for f in doc["findings"])
    order = {area: i for i, area in enumerate(AREAS)}
    by_area: dict[str, list[dict[str, Any]]] = {}
    for finding in doc["findings"]:
        by_area.setdefault(finding["area"], []).append(finding)
    return {
        "doc": doc,
        "source": source,
        "name": partnership.partnership.name,
        "partners": ", ".join(f"{p.name} ({p.id})" for p in partnership.partners),
        "severities": ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s]),
        "coverage": f"{doc['coverage']['ratio'] * 100:.0f}%",
        "by_area": sorted(by_area.items(), key=lambda item: order.get(item[0], len(order))),
    }


def render_markdown(assessments: Sequence[Assessment], sources: Sequence[str]) -> str:
    """The assessments as one Markdown document, one top-level section each."""
    template = _environment().get_template("assessment.md.j2")
    reports = [_report(a, s) for a, s in zip(assessments, sources, strict=True)]
    text = template.render(reports=reports)
    # Values hold no newline (they are made one line), so blank lines are the template's own.
    return re.sub(r"\n{3,}", "\n\n", text).lstrip("\n")
