"""What ``realign rules`` shows: the catalog's rules, for a consultant to browse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .engine.reading import plain
from .errors import RealignError, closest
from .rules.catalog import Catalog, CompiledRule

__all__ = ["UnknownRuleError", "print_rule", "print_rules", "rule_document", "rules_document"]


class UnknownRuleError(RealignError, KeyError):
    """``realign rules show`` names no rule of the catalog."""

    def __str__(self) -> str:
        return str(self.args[0])


def _summary(rule: CompiledRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "area": rule.area,
        "severity": rule.severity,
        "ruleset": rule.ruleset,
        "enabled": rule.enabled,
    }


def rules_document(catalog: Catalog, areas: Sequence[str] = ()) -> dict[str, Any]:
    """Every rule (of *areas*, if given) in catalog order, as ``realign rules --json`` prints it."""
    rules = [r for r in catalog.rules if not areas or r.area in areas]
    return {"schema": "realign/rules@1", "rules": [_summary(r) for r in rules]}


def _find(catalog: Catalog, rule_id: str) -> CompiledRule:
    try:
        return catalog.rule(rule_id)
    except KeyError:
        guess = closest(rule_id, [r.id for r in catalog.rules])
        hint = f"; did you mean {guess!r}?" if guess else ""
        msg = f"no rule is named {rule_id!r}{hint}"
        raise UnknownRuleError(msg) from None


def rule_document(catalog: Catalog, rule_id: str) -> dict[str, Any]:
    """One rule whole: its conditions, params with their current values, rationale, actions."""
    rule = _find(catalog, rule_id)
    recommended = [*rule.actions, *(a for _, named in rule.actions_if for a in named)]
    return {
        "schema": "realign/rule@1",
        **_summary(rule),
        "conditions": [c.text for c in rule.conditions],
        "params": [
            {
                "name": name,
                "value": plain(catalog.params[name].value),
                "default": plain(catalog.params[name].spec.default),
                "overridden": catalog.params[name].overridden,
                "doc": catalog.params[name].spec.doc,
            }
            for name in rule.params
        ],
        "rationale": rule.rationale,
        "sources": list(rule.sources),
        "actions": [
            {"id": a, "title": catalog.actions[a].title if a in catalog.actions else ""}
            for a in dict.fromkeys(recommended)
        ],
        "tags": list(rule.tags),
    }


def print_rules(console: Console, document: dict[str, Any]) -> None:
    table = Table(title=f"{len(document['rules'])} rules", title_justify="left")
    for column in ("id", "area", "severity", "title"):
        table.add_column(column, overflow="fold")
    for rule in document["rules"]:
        table.add_row(rule["id"], rule["area"], rule["severity"], rule["title"])
    console.print(table)


def print_rule(console: Console, rule: dict[str, Any]) -> None:
    console.print(Text(f"{rule['id']} {rule['title']}", style="bold"))
    console.print(f"area {rule['area']}, severity {rule['severity']}, rule set {rule['ruleset']}")
    console.print(Text("Fires when all of these hold:", style="bold"))
    for condition in rule["conditions"]:
        console.print(f"  {' '.join(condition.split())}")
    if rule["params"]:
        params = Table(title="Params", title_justify="left")
        for column in ("param", "value", "default", "meaning"):
            params.add_column(column, overflow="fold")
        for param in rule["params"]:
            value = f"{param['value']}{' (overridden)' if param['overridden'] else ''}"
            params.add_row(param["name"], value, str(param["default"]), param["doc"])
        console.print(params)
    console.print(Text("Why it matters:", style="bold"), rule["rationale"])
    if rule["sources"]:
        console.print(Text("Sources:", style="bold"), "; ".join(rule["sources"]))
    if rule["actions"]:
        console.print(Text("Recommended actions:", style="bold"))
        for action in rule["actions"]:
            console.print(f"  {action['id']} {action['title']}")
