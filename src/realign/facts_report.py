"""What ``realign facts`` shows: the loaded partnership and its derived facts."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ._version import __version__
from .enrich import FactSet
from .errors import Problem
from .loading.dump import jsonable, to_data
from .rules.values import is_unknown

__all__ = ["FACTS_DOCUMENT_SCHEMA", "facts_document", "print_facts", "to_json"]

FACTS_DOCUMENT_SCHEMA = "realign/facts@1"


def facts_document(
    facts: FactSet, *, source: str, warnings: tuple[Problem, ...] = ()
) -> dict[str, Any]:
    """The JSON document of ``realign facts --format json``."""
    return {
        "schema": FACTS_DOCUMENT_SCHEMA,
        "realign_version": __version__,
        "source": source,
        "partnership": jsonable(to_data(facts.partnership)),
        "derived": {
            name: {
                "value": _derived_json(fact.value),
                "known": fact.known,
                "unknown_reason": fact.unknown,
                "description": fact.description,
                "sources": list(fact.sources),
            }
            for name, fact in facts.derived.items()
        },
        "unknown": dict(facts.unknown),
        "warnings": [w.to_dict() for w in warnings],
    }


def _derived_json(value: Any) -> Any:
    """A derived value as JSON; an unknown part of it becomes ``{"unknown": reason}``."""
    if is_unknown(value):
        return {"unknown": value.describe()}
    if isinstance(value, Mapping):
        return {str(k): _derived_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_derived_json(v) for v in value]
    return jsonable(value)


def to_json(document: Mapping[str, Any]) -> str:
    """Deterministic JSON text: same input, same bytes."""
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if is_unknown(value):
        return "unknown"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_show(v)}" for k, v in value.items()) or "(empty)"
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value) or "(empty)"
    return str(value)


def print_facts(
    console: Console,
    facts: FactSet,
    *,
    source: str,
    warnings: tuple[Problem, ...] = (),
    provenance: bool = False,
) -> None:
    """Render the fact set as terminal tables."""
    p = facts.partnership
    a = p.assessment
    console.print(Text(p.partnership.name, style="bold"))
    console.print(
        f"{source}: assessment {a.id}, as of {a.as_of.isoformat()}, period {a.period}; "
        f"partners: {', '.join(f'{x.name} ({x.id})' for x in p.partners)}"
    )
    counts = Table(title="Stated facts", title_justify="left")
    counts.add_column("collection")
    counts.add_column("records", justify="right")
    for name, value in to_data(p).items():
        if isinstance(value, list):
            counts.add_row(name, str(len(value)))
    console.print(counts)

    derived = Table(title="Derived facts", title_justify="left")
    derived.add_column("fact", overflow="fold", ratio=1)
    derived.add_column("value", overflow="fold", ratio=1)
    if provenance:
        derived.add_column("computed from", overflow="fold", ratio=1)
    section = None
    for name, fact in facts.derived.items():
        head = re.split(r"[.\[]", name, maxsplit=1)[0]
        if section is not None and head != section:
            derived.add_section()
        section = head
        value = (
            Text(_show(fact.value))
            if fact.known
            else Text(f"unknown: {fact.unknown}", style="yellow")
        )
        row: list[str | Text] = [name, value]
        if provenance:
            row.append(Text(", ".join(fact.sources), style="dim"))
        derived.add_row(*row)
    console.print(derived)

    if facts.unknown:
        unknown = Table(
            title="Unknown facts (rules that need them are not evaluable)", title_justify="left"
        )
        unknown.add_column("fact")
        unknown.add_column("why")
        for path, reason in facts.unknown.items():
            unknown.add_row(path, reason)
        console.print(unknown)
    for warning in warnings:
        console.print(Text(str(warning), style="yellow"))
