"""What one rule concluded on one fact set: fired (with its matches), passed, or not evaluable.

:func:`python_outcome` decides it with the Python evaluator alone. A match is
one combination of the rule's bindings (one index per binding) for which
every condition is true. Kleene logic decides the rest: when no combination
is true and some are unknown, the rule is not evaluable, with the reasons.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

import attrs

from .._builders import positional
from ..rules import ir
from ..rules.catalog import CompiledRule
from ..rules.values import Unknown, merge_unknown
from .evaluate import Context, evaluate_cond, evaluate_term
from .reading import items_of, kleene_and

__all__ = [
    "Bound",
    "Candidates",
    "RuleOutcome",
    "bind",
    "conclude",
    "new_outcome",
    "prefilter",
    "python_outcome",
    "when_parts",
]

Status = Literal["fired", "passed", "not_evaluable"]
Combination = tuple[int, ...]


@attrs.frozen
class RuleOutcome:
    rule: str
    status: Status
    matches: tuple[Combination, ...] = ()
    reasons: tuple[str, ...] = ()


#: ``RuleOutcome(rule, status, matches, reasons)``, every field given: fifty per assessment
new_outcome = positional(RuleOutcome)


@attrs.frozen
class Bound:
    """The items each binding of a rule ranges over, or why they are unknown."""

    names: tuple[str, ...]
    items: tuple[tuple[Any, ...], ...]
    unknown: Unknown | None = None

    def env(self, combination: Combination) -> dict[str, Any]:
        if len(combination) == 1 == len(self.names):  # most rules bind one collection
            return {self.names[0]: self.items[0][combination[0]]}
        return {
            name: self.items[i][index]
            for i, (name, index) in enumerate(zip(self.names, combination, strict=True))
        }


#: ``Bound(names, items, unknown)``, every field given
new_bound = positional(Bound)


def bind(rule: CompiledRule, ctx: Context) -> Bound:
    names = tuple(name for name, _ in rule.bindings)
    collected: list[tuple[Any, ...]] = []
    unknown: list[Any] = []
    for _, term in rule.bindings:
        items = _collection(term, ctx)
        if type(items) is Unknown:
            unknown.append(items)
            collected.append(())
        else:
            collected.append(items)
    return new_bound(names, tuple(collected), merge_unknown(unknown) if unknown else None)


def _collection(term: ir.Term, ctx: Context) -> Any:
    """The items *term* ranges over, or why they are unknown; once per context.

    Many rules range over the same collection (every partner, every decision);
    they then share its located items.
    """
    key = ctx.program.memo_key(term)
    found = ctx.collections.get(key)
    if found is None:
        found = ctx.collections[key] = _items(evaluate_term(term, ctx, {}))
    return found


def _items(value: Any) -> Any:
    if type(value) is Unknown:
        return value
    return () if value is None else tuple(items_of(value))


#: the scope of a condition that reads no binding; evaluation never writes a scope it is given
_NO_BINDINGS: Mapping[str, Any] = MappingProxyType({})


def requirements(rule: CompiledRule, ctx: Context) -> tuple[str, ...] | None:
    """Why the rule is not evaluable before looking at its conditions, or None."""
    for cond, reason in rule.requires:
        result = evaluate_cond(cond, ctx, _NO_BINDINGS)
        if result is False:
            return (reason,)
        if type(result) is Unknown:
            return tuple(sorted(result.reasons))
    return None


def _not_evaluable(rule: CompiledRule, reasons: Any) -> RuleOutcome:
    return RuleOutcome(
        rule.id, "not_evaluable", reasons=tuple(sorted(set(reasons))) or ("unknown",)
    )


When = tuple[tuple[ir.Cond, frozenset[str]], ...]


def when_parts(rule: CompiledRule) -> When:
    """Each ``when`` condition with the bindings it reads; an engine works it out once per rule."""
    names = {name for name, _ in rule.bindings}
    return tuple((c, ir.free_vars(c) & names) for c in rule.when)


@attrs.frozen
class Candidates:
    """What is left of a rule once everything that can be decided item by item is."""

    bound: Bound
    free: tuple[tuple[ir.Cond, frozenset[str]], ...]
    #: reasons of rule-wide conditions that are unknown: then no combination can be true
    wide_unknown: frozenset[str]
    #: per binding, the items its own conditions do not rule out, with their verdict
    survivors: tuple[tuple[tuple[int, bool | Unknown], ...], ...]

    def indices(self) -> dict[str, list[int]]:
        return {
            name: [index for index, _ in items]
            for name, items in zip(self.bound.names, self.survivors, strict=True)
        }


#: ``Candidates(bound, free, wide_unknown, survivors)``
_new_candidates = positional(Candidates)


def prefilter(
    rule: CompiledRule,
    ctx: Context,
    parts: When | None = None,
    bound: Bound | None = None,
) -> RuleOutcome | Candidates:
    """Decide *rule* without looking at combinations if that is possible, else narrow it.

    Both backends start here: the Python evaluator goes on with :func:`conclude`,
    durable_rules matches the surviving items.
    """
    if (blocked := requirements(rule, ctx)) is not None:
        return _not_evaluable(rule, blocked)
    free = parts if parts is not None else when_parts(rule)
    unknown: set[str] = set()
    for cond, deps in free:
        if deps:
            continue
        result = evaluate_cond(cond, ctx, _NO_BINDINGS)
        if result is False:
            # False whatever the bindings hold, even when a collection is unknown.
            return new_outcome(rule.id, "passed", (), ())
        if type(result) is Unknown:
            unknown |= result.reasons
    bound = bound if bound is not None else bind(rule, ctx)
    if bound.unknown is not None:
        return _not_evaluable(rule, bound.unknown.reasons | unknown)
    survivors = _filter_each(bound, free, ctx)
    if any(not items for items in survivors):
        # A binding with no item left: no combination exists, none can be unknown.
        return new_outcome(rule.id, "passed", (), ())
    return _new_candidates(
        bound, free, frozenset(unknown), tuple(tuple(items) for items in survivors)
    )


def conclude(rule: CompiledRule, ctx: Context, candidates: Candidates) -> RuleOutcome:
    """The outcome from the combinations of the surviving items (Kleene logic)."""
    bound, free = candidates.bound, candidates.free
    unknown = set(candidates.wide_unknown)
    # With an unknown rule-wide condition no combination can be true, but the rule
    # still passes when every combination is false on its own conditions.
    wide = bool(unknown)
    joint = [cond for cond, deps in free if len(deps) >= 2]
    matches: list[Combination] = []
    for combination in itertools.product(*candidates.survivors):
        indices = tuple(index for index, _ in combination)
        earlier = [status for _, status in combination]
        env = bound.env(indices)
        result = kleene_and([*earlier, *(evaluate_cond(c, ctx, env) for c in joint)])
        if result is True and not wide:
            matches.append(indices)
        elif result is not False:
            if wide:
                return _not_evaluable(rule, unknown)
            unknown |= result.reasons  # type: ignore[union-attr]
    if wide:
        return new_outcome(rule.id, "passed", (), ())
    if matches:
        return new_outcome(rule.id, "fired", tuple(matches), ())
    if unknown:
        return _not_evaluable(rule, unknown)
    return new_outcome(rule.id, "passed", (), ())


def python_outcome(
    rule: CompiledRule,
    ctx: Context,
    parts: When | None = None,
    bound: Bound | None = None,
) -> RuleOutcome:
    """Evaluate *rule* on the Python evaluator alone (*parts*: its :func:`when_parts`)."""
    stage = prefilter(rule, ctx, parts, bound)
    return stage if isinstance(stage, RuleOutcome) else conclude(rule, ctx, stage)


def _filter_each(
    bound: Bound,
    free: Sequence[tuple[ir.Cond, frozenset[str]]],
    ctx: Context,
) -> list[list[tuple[int, bool | Unknown]]]:
    """For each binding, the items its own conditions do not rule out, with their verdict."""
    survivors = []
    for position, name in enumerate(bound.names):
        own = [ctx.program.cond(cond) for cond, deps in free if len(deps) == 1 and name in deps]
        kept: list[tuple[int, bool | Unknown]] = []
        for index, item in enumerate(bound.items[position]):
            env = {name: item}
            unknown: list[Unknown] = []
            for test in own:
                result = test(ctx, env)
                if result is False:
                    break
                if result is not True:
                    unknown.append(result)
            else:
                kept.append((index, merge_unknown(unknown) if unknown else True))
        survivors.append(kept)
    return survivors


def fired_map(outcomes: Mapping[str, RuleOutcome]) -> dict[str, bool | Unknown]:
    """What ``fired("ID")`` answers for rules of earlier strata."""
    out: dict[str, bool | Unknown] = {}
    for rule_id, outcome in outcomes.items():
        if outcome.status == "fired":
            out[rule_id] = True
        elif outcome.status == "passed":
            out[rule_id] = False
        else:
            out[rule_id] = Unknown(frozenset({f"{rule_id} is not evaluable"}))
    return out
