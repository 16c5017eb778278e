"""Warnings about rules that are valid but almost certainly not what was meant.

* a conjunction that can never be true (``x > 5 and x < 3``);
* a rule binding two or more collections with no condition relating them, which
  matches every combination (a cross product) instead of the pairs meant.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from ..errors import Problem
from . import ir

if TYPE_CHECKING:
    from .catalog import CompiledRule
    from .ruleset import RuleSetFile, RuleSpec

__all__ = ["lint_rule", "never_true"]


def lint_rule(rule: CompiledRule, spec: RuleSpec, file: RuleSetFile) -> Iterator[Problem]:
    conjuncts = list(_flatten(rule.conditions))
    if (reason := never_true(conjuncts)) is not None:
        yield _warning(
            file,
            spec,
            ("when",),
            f"rule {rule.id} can never fire: {reason}",
            "never-true",
            "check the comparison directions and thresholds",
        )
    names = [name for name, _ in rule.bindings]
    if len(names) >= 2:
        linked = _linked_pairs(conjuncts, set(names))
        unlinked = _components(names, linked)
        if len(unlinked) > 1:
            groups = " and ".join("{" + ", ".join(sorted(g)) + "}" for g in unlinked)
            yield _warning(
                file,
                spec,
                ("for",),
                f"rule {rule.id} joins {groups} with no condition relating them, "
                "so it matches every combination (a cross product)",
                "cross-product",
                "add a join key, e.g. 'k.id in o.kpi_ids' or 'p.id == c.partner'",
            )


def _warning(
    file: RuleSetFile, spec: RuleSpec, tail: tuple[str, ...], message: str, code: str, hint: str
) -> Problem:
    return file.problem((*spec.path, *tail), message, code, warning=True, hint=hint)


def _flatten(conds: Iterable[ir.Cond]) -> Iterator[ir.Cond]:
    for cond in conds:
        if isinstance(cond, ir.And):
            yield from _flatten(cond.items)
        else:
            yield cond


def never_true(conjuncts: Iterable[ir.Cond]) -> str | None:
    """Why a conjunction of comparisons with constants cannot hold, or None."""
    low: dict[ir.Term, tuple[Any, bool, str]] = {}
    high: dict[ir.Term, tuple[Any, bool, str]] = {}
    equal: dict[ir.Term, tuple[Any, str]] = {}
    for cond in conjuncts:
        if (
            isinstance(cond, ir.Cmp)
            and isinstance(cond.right, ir.Const)
            and not isinstance(cond.left, ir.Const)
        ):
            term, op, value = cond.left, cond.op, cond.right.value
        elif (
            isinstance(cond, ir.Cmp)
            and isinstance(cond.left, ir.Const)
            and not isinstance(cond.right, ir.Const)
        ):
            term, op, value = cond.right, ir.MIRRORED.get(cond.op, ""), cond.left.value
        elif (
            isinstance(cond, ir.Cmp)
            and isinstance(cond.left, ir.Const)
            and isinstance(cond.right, ir.Const)
        ):
            from ..engine.reading import compare

            if compare(cond.op, cond.left.value, cond.right.value) is False:
                return f"'{cond.text}' is always false"
            continue
        else:
            continue
        if not _orderable(value):
            if op == "==":
                if term in equal and equal[term][0] != value:
                    return f"'{equal[term][1]}' and '{cond.text}' contradict each other"
                equal[term] = (value, cond.text)
            continue
        if op in (">", ">="):
            old = low.get(term)
            if old is None or value > old[0] or (value == old[0] and op == ">"):
                low[term] = (value, op == ">", cond.text)
        elif op in ("<", "<="):
            old = high.get(term)
            if old is None or value < old[0] or (value == old[0] and op == "<"):
                high[term] = (value, op == "<", cond.text)
        elif op == "==":
            if term in equal and equal[term][0] != value:
                return f"'{equal[term][1]}' and '{cond.text}' contradict each other"
            equal[term] = (value, cond.text)
    for term in set(low) | set(high) | set(equal):
        lo, hi, eq = low.get(term), high.get(term), equal.get(term)
        if lo and hi and (lo[0] > hi[0] or (lo[0] == hi[0] and (lo[1] or hi[1]))):
            return f"'{lo[2]}' and '{hi[2]}' contradict each other"
        if eq and _orderable(eq[0]):
            if lo and (eq[0] < lo[0] or (eq[0] == lo[0] and lo[1])):
                return f"'{eq[1]}' and '{lo[2]}' contradict each other"
            if hi and (eq[0] > hi[0] or (eq[0] == hi[0] and hi[1])):
                return f"'{eq[1]}' and '{hi[2]}' contradict each other"
    return None


def _orderable(value: Any) -> bool:
    return isinstance(value, int | float | date) and not isinstance(value, bool)


def _linked_pairs(conjuncts: list[ir.Cond], names: set[str]) -> set[frozenset[str]]:
    pairs: set[frozenset[str]] = set()
    for cond in conjuncts:
        used = ir.free_vars(cond) & names
        if len(used) >= 2:
            ordered = sorted(used)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    pairs.add(frozenset({a, b}))
    return pairs


def _components(names: list[str], pairs: set[frozenset[str]]) -> list[set[str]]:
    groups = [{n} for n in names]
    for pair in pairs:
        a, b = tuple(pair)
        ga = next(g for g in groups if a in g)
        gb = next(g for g in groups if b in g)
        if ga is not gb:
            ga |= gb
            groups.remove(gb)
    return groups
