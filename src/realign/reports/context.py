"""What every report shows of an assessment, worked out once for all formats."""

from __future__ import annotations

from collections import Counter
from typing import Any

import jinja2

from ..assessment import Assessment
from ..rules.ruleset import AREAS
from ..rules.types import SEVERITIES

__all__ = ["add_filters", "bindings", "needs", "report_context", "shown", "title_case"]


def title_case(area: Any) -> str:
    """``early_warning`` as a heading says it: Early warning."""
    return str(area).replace("_", " ").capitalize()


def bindings(bindings: dict[str, Any]) -> str:
    return ", ".join(f"{name} = {shown(value)}" for name, value in bindings.items())


def needs(check: dict[str, Any]) -> str:
    """What a check asks for: "yes", "> 136.5", "in red, amber"."""
    threshold = shown(check["threshold"])
    return threshold if check["op"] in ("is", "==") else f"{check['op']} {threshold}"


def shown(value: Any) -> str:
    """A value of the JSON report, as a short phrase."""
    if isinstance(value, dict):
        if "id" in value:
            return str(value["id"])
        return ", ".join(f"{k}: {shown(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") or "0"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def report_context(assessment: Assessment, source: str) -> dict[str, Any]:
    """The assessment's JSON document, and what the report templates add to it."""
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
        "partner_list": [{"name": p.name, "id": p.id} for p in partnership.partners],
        "severities": ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s]),
        "coverage": f"{doc['coverage']['ratio'] * 100:.0f}%",
        "by_area": sorted(by_area.items(), key=lambda item: order.get(item[0], len(order))),
    }


def add_filters(environment: jinja2.Environment) -> None:
    """The filters every report template uses."""
    environment.filters["title_case"] = title_case
    environment.filters["bindings"] = bindings
    environment.filters["shown"] = shown
    environment.filters["needs"] = needs
