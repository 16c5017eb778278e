"""Compile rules from the IR to a durable_rules ruleset, and build the facts it matches.

durable_rules compares fields; it cannot count, take medians, call functions
or do date arithmetic. So the compiler splits every condition:

* a comparison of a binding's field with a constant, another field of the
  same fact, or a field of another binding is matched by durable_rules;
* everything else (aggregates, quantifiers, functions, arithmetic, ``within``,
  ``exists``, a disjunction spanning two bindings) becomes a **slot**: a value
  the Python evaluator computes before assertion and hands to the matcher as a
  plain field, which durable_rules then compares;
* a condition that reads no binding is one truth value for the whole
  assessment, which the Python prefilter has already worked out to decide the
  rule at all: it becomes one boolean slot, so that no part of it that the
  prefilter's short-circuit skipped has to be computed for the matcher.

Each rule gets its own facts, one per item of each binding (kind ``R#b``),
one per combination for slots that depend on several bindings, and one for
slots that depend on none (kind ``R#``). A rule with a single binding carries
those on each item's fact instead, so that it matches one fact, with no join.
Facts carry only what their rule reads, so no fact comes near durable_rules'
255-field limit and no fact wakes a rule it cannot complete. Every pattern
tests ``k`` first, a field only realign's facts carry, so no pattern can
match durable_rules' own state fact and loop.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from ..rules import ir
from ..rules.catalog import CompiledRule
from ..rules.values import Unknown
from .evaluate import Context, Program
from .outcome import Bound
from .reading import Located, scalar

__all__ = ["CompiledMatch", "compile_rule", "encode"]

_DR_OP = {"==": "$eq", "!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_NEVER = {"k": "\u0000never"}  # no fact has this kind: the rule cannot fire


class _Lift(Exception):
    """This condition is not a plain field comparison; compute it in Python."""


@attrs.frozen
class Slot:
    """A field of one of the rule's facts: a binding's field, or a value lifted into Python."""

    name: str
    owner: tuple[str, ...]  # () = the rule's context fact; (b,) a binding; (b, c) a combination
    term: ir.Term
    is_cond: bool = False
    #: tested for true or false: durable_rules would take 1 for true, so only booleans go in
    boolean: bool = False


#: durable_rules keeps cap in 16 bits; no rule has more matches in one partnership
MAX_CAP = 65535


@attrs.frozen
class CompiledMatch:
    """One rule as durable_rules sees it, and how to build the facts it matches."""

    rule: CompiledRule
    name: str  # the durable_rules rule name
    definition: dict[str, Any]
    aliases: Mapping[str, str]  # binding name -> durable_rules alias
    slots: tuple[Slot, ...]
    owners: tuple[tuple[str, ...], ...]  # every fact kind the rule needs, in pattern order
    #: the slots' compiled closures, per program (one per engine), with the program
    _closures: dict[int, Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    @functools.cached_property
    def slots_of(self) -> dict[tuple[str, ...], tuple[Slot, ...]]:
        """The slots of each fact kind, grouped once per engine, not per assessment."""
        grouped: dict[tuple[str, ...], list[Slot]] = {}
        for slot in self.slots:
            grouped.setdefault(slot.owner, []).append(slot)
        return {owner: tuple(slots) for owner, slots in grouped.items()}

    def kind(self, owner: tuple[str, ...]) -> str:
        return f"{self.name}#{'.'.join(owner)}"

    def facts(
        self, ctx: Context, bound: Bound, survivors: Mapping[str, Sequence[int]] | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """The facts of this rule for one assessment, and whether any value read was unknown.

        Every value a condition reads is a slot, so when none was unknown the
        rule is two-valued: if durable_rules does not fire it, it passed.
        *survivors* are, per binding, the items its own conditions do not rule
        out; facts are built only from those, because a ruled-out item can never
        be part of a match (durable_rules would reject it on the same tests).
        """
        saw_unknown = bound.unknown is not None
        out: list[dict[str, Any]] = []
        survivors = survivors or {}
        for layout, slots in zip(self.layouts, self._slot_closures(ctx.program), strict=True):
            for env, fact in _heads(layout, bound, survivors):
                if _fill(fact, slots, ctx, env):
                    saw_unknown = True
                out.append(fact)
        return out, saw_unknown

    @functools.cached_property
    def index_fields(self) -> tuple[tuple[str, str], ...]:
        """Where a firing holds each binding's item index: (alias, field), in binding order."""
        return tuple((self.aliases[name], f"i_{name}") for name, _ in self.rule.bindings)

    @functools.cached_property
    def layouts(self) -> tuple[_Layout, ...]:
        """Each fact kind the rule needs, worked out once per engine."""
        names = tuple(name for name, _ in self.rule.bindings)
        return tuple(
            _Layout(
                owner=owner,
                kind=self.kind(owner),
                positions=tuple(names.index(n) for n in owner),
                index_fields=tuple(f"i_{n}" for n in owner),
                slots=tuple((s.name, s.term, s.boolean) for s in self.slots_of.get(owner, ())),
            )
            for owner in self.owners
        )

    def _slot_closures(self, program: Program) -> tuple[tuple[tuple[str, Any, bool], ...], ...]:
        """Each layout's slots as (field, closure, boolean), looked up once per program."""
        found = self._closures.get(id(program))
        if found is None or found[0] is not program:
            closures = tuple(
                tuple((name, program.term(node), boolean) for name, node, boolean in layout.slots)
                for layout in self.layouts
            )
            found = self._closures[id(program)] = (program, closures)
        resolved: tuple[tuple[tuple[str, Any, bool], ...], ...] = found[1]
        return resolved


def _heads(
    layout: _Layout, bound: Bound, survivors: Mapping[str, Sequence[int]]
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """For each fact of *layout*: the scope its slots are read in, and the fact before them."""
    kind, owner, positions = layout.kind, layout.owner, layout.positions
    if len(owner) == 1:
        # Most rules bind one collection: a fact per surviving item, no combinations.
        name, index_field = owner[0], layout.index_fields[0]
        items = bound.items[positions[0]]
        indices = survivors.get(name)
        for index in range(len(items)) if indices is None else indices:
            yield {name: items[index]}, {"id": f"{kind}#{index}", "k": kind, index_field: index}
        return
    ranges: list[Sequence[int]] = [
        survivors[n] if n in survivors else range(len(bound.items[p]))
        for n, p in zip(owner, positions, strict=True)
    ]
    for combo in itertools.product(*ranges):
        env = {n: bound.items[p][i] for n, p, i in zip(owner, positions, combo, strict=True)}
        fact: dict[str, Any] = {"id": f"{kind}#{'.'.join(map(str, combo))}", "k": kind}
        fact.update(zip(layout.index_fields, combo, strict=True))
        yield env, fact


def _fill(
    fact: dict[str, Any],
    slots: tuple[tuple[str, Any, bool], ...],
    ctx: Context,
    env: dict[str, Any],
) -> bool:
    """Put each slot's encoded value on *fact*; whether one of them was unknown."""
    saw_unknown = False
    for name, fn, boolean in slots:
        value = fn(ctx, env)
        encoded = encode(value)
        if boolean and type(encoded) is not bool:
            encoded = None
        if encoded is not None:
            fact[name] = encoded
        elif type(value) is Unknown:
            saw_unknown = True
    return saw_unknown


@attrs.frozen
class _Layout:
    """One fact kind of a rule: whose items it describes, and the slots it carries."""

    owner: tuple[str, ...]
    kind: str
    positions: tuple[int, ...]  # of the owner's bindings among the rule's
    index_fields: tuple[str, ...]
    slots: tuple[tuple[str, ir.Term, bool], ...]  # (field, term, boolean)


def encode(value: Any) -> Any:
    """A value as durable_rules compares it, or None to leave the field out.

    Numbers become floats (so ``1`` and ``1.0`` join), dates their day number,
    records their id. Unknown and missing values are left out, so that every
    comparison on them fails, as it does in the Python evaluator.
    """
    kind = type(value)
    if kind is float:  # the common cases first: matching encodes every slot
        return value if math.isfinite(value) else None
    if kind is str or kind is bool:
        return value
    if value is None or kind is Unknown:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value != value or abs(value) == float("inf"):
            return None
        return float(value)
    if isinstance(value, date):
        return float(value.toordinal())
    if isinstance(value, str):
        return value
    if isinstance(value, Located):
        inner = scalar(value)
        return inner if isinstance(inner, str) else None
    return None


class _RuleCompiler:
    def __init__(self, rule: CompiledRule, name: str) -> None:
        self.rule = rule
        self.name = name
        self.binding_names = tuple(n for n, _ in rule.bindings)
        self.aliases = {n: f"b{i}" for i, n in enumerate(self.binding_names)}
        self.slots: list[Slot] = []
        self.slot_index: dict[tuple[tuple[str, ...], ir.Term, bool, bool], Slot] = {}
        self.constraints: dict[tuple[str, ...], list[Any]] = {}
        self.never = False

    # -- owners and fields ------------------------------------------------------------

    def owner_of(self, term: ir.Term) -> tuple[str, ...]:
        deps = ir.free_vars(term) & set(self.binding_names)
        if not deps and len(self.binding_names) == 1:
            # The same value on every item's fact is cheaper than a join with a
            # context fact: durable_rules spends more on a beta node than on a field.
            return self.binding_names
        return tuple(n for n in self.binding_names if n in deps)

    def order(self, owner: tuple[str, ...]) -> tuple[int, int]:
        """Pattern order: bindings first, then combinations, then the context fact."""
        if len(owner) == 1:
            return (0, self.binding_names.index(owner[0]))
        if owner:
            return (1, 0)
        return (2, 0)

    def alias(self, owner: tuple[str, ...]) -> str:
        if len(owner) == 1:
            return self.aliases[owner[0]]
        if owner:
            return "c_" + "_".join(self.aliases[n] for n in owner)
        return "x"

    def slot(
        self, owner: tuple[str, ...], term: ir.Term, *, is_cond: bool = False, boolean: bool = False
    ) -> str:
        key = (owner, term, is_cond, boolean)
        if key not in self.slot_index:
            slot = Slot(f"s{len(self.slots)}", owner, term, is_cond, boolean)
            self.slots.append(slot)
            self.slot_index[key] = slot
        return self.slot_index[key].name

    def field(self, term: ir.Term) -> tuple[tuple[str, ...], str] | None:
        """Where *term* lives as a plain field, or None for a constant."""
        if isinstance(term, ir.Const):
            return None
        owner = self.owner_of(term)
        return owner, self.slot(owner, term)

    # -- conditions -------------------------------------------------------------------

    def add(self, cond: ir.Cond) -> None:
        try:
            if not ir.free_vars(cond) & set(self.binding_names):
                # One value for the whole assessment, which the Python prefilter has
                # worked out already to decide the rule: durable_rules gets it whole.
                raise _Lift
            owner, expr = self.constraint(cond)
        except _Lift:
            owner = self.owner_of(cond)
            owner, expr = owner, {self.slot(owner, cond, is_cond=True): True}
        if expr is _ALWAYS:
            return
        if expr is _NEVER_EXPR:
            self.never = True
            return
        self.constraints.setdefault(owner, []).append(expr)

    def constraint(self, cond: ir.Cond, *, nested: bool = False) -> tuple[tuple[str, ...], Any]:
        match cond:
            case ir.Truth(exact=False):
                raise _Lift  # durable_rules takes 1 for true; only a boolean may be tested there
            case ir.Cmp(kind=None):
                raise _Lift  # kinds unknown: durable_rules compares mixed kinds as text
            case ir.Cmp(kind="string", op=op) if op in ("<", "<=", ">", ">="):
                raise _Lift  # durable_rules orders strings by their escaped JSON text
            case ir.Truth(term=term, expected=expected):
                if isinstance(term, ir.Const):
                    return (), _ALWAYS if term.value is expected else _NEVER_EXPR
                owner = self.owner_of(term)
                return owner, {self.slot(owner, term, boolean=True): expected}
            case ir.Cmp(op=op, left=left, right=right):
                return self.compare(op, left, right, nested=nested)
            case ir.And(items=items) | ir.Or(items=items):
                parts = [self.constraint(item, nested=True) for item in items]
                owners = {owner for owner, expr in parts if expr not in (_ALWAYS, _NEVER_EXPR)}
                if len(owners) > 1:
                    raise _Lift
                owner = owners.pop() if owners else ()
                exprs = [expr for _, expr in parts]
                key = "$and" if isinstance(cond, ir.And) else "$or"
                return owner, _combine(key, exprs)
        raise _Lift

    def compare(
        self, op: str, left: ir.Term, right: ir.Term, *, nested: bool
    ) -> tuple[tuple[str, ...], Any]:
        if op in ("in", "not in"):
            if not isinstance(right, ir.Const) or not isinstance(right.value, list | tuple):
                raise _Lift
            if isinstance(left, ir.Const):
                raise _Lift
            owner, name = self.field(left)  # type: ignore[misc]
            values = [encode(v) for v in right.value]
            if op == "in":
                alternatives = [{name: v} for v in values if v is not None]
                if not alternatives:
                    return owner, _NEVER_EXPR
                return owner, alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}
            # Every test needs the field present, as the Python evaluator does.
            tests = [{"$neq": {name: v}} for v in values if v is not None] or [{"$ex": {name: 1}}]
            return owner, tests[0] if len(tests) == 1 else {"$and": tests}
        left_const = isinstance(left, ir.Const)
        right_const = isinstance(right, ir.Const)
        if left_const and right_const:
            raise _Lift  # folded by the Python side; both constant is rare and odd
        if left_const:
            left, right, op = right, left, ir.MIRRORED[op]
        owner, name = self.field(left)  # type: ignore[misc]
        if isinstance(right, ir.Const):
            value = encode(right.value)
            if value is None:
                return owner, _NEVER_EXPR
            return owner, {_DR_OP[op]: {name: value}}
        other_owner, other = self.field(right)  # type: ignore[misc]
        # durable_rules fails (error 311) when a test refers to a field the other
        # fact lacks, where realign means "false"; so the field must be there first.
        present = {"$ex": {other: 1}}
        if other_owner == owner:
            return owner, {"$and": [present, {_DR_OP[op]: {name: {"$m": other}}}]}
        if nested:
            raise _Lift  # a join inside and/or cannot be placed on one pattern
        # A join: the test goes on whichever pattern comes later.
        if self.order(other_owner) > self.order(owner):
            owner, name, other_owner, other, op = other_owner, other, owner, name, ir.MIRRORED[op]
            present = {"$ex": {other: 1}}
        self.constraints.setdefault(other_owner, []).append(present)
        return owner, {_DR_OP[op]: {name: {self.alias(other_owner): other}}}

    # -- output -----------------------------------------------------------------------

    def compile(self) -> CompiledMatch:
        for cond in self.rule.conditions:
            self.add(cond)
        owners: set[tuple[str, ...]] = {(n,) for n in self.binding_names}
        owners |= set(self.constraints)
        owners |= {slot.owner for slot in self.slots}
        if not self.binding_names:
            owners.add(())
        ordered = sorted(owners, key=self.order)
        patterns = []
        for owner in ordered:
            kind = f"{self.name}#{'.'.join(owner)}"
            tests: list[Any] = [{"k": kind}]
            if len(owner) > 1:
                tests += [{f"i_{n}": {self.aliases[n]: f"i_{n}"}} for n in owner]
            # durable_rules ignores a join test that follows a nested $and/$or in the
            # same pattern, so the joins go first.
            tests += sorted(self.constraints.get(owner, []), key=_is_group)
            if self.never:
                tests = [_NEVER]
            patterns.append({self.alias(owner): tests[0] if len(tests) == 1 else {"$and": tests}})
        # Every match of the rule in one action call: durable_rules' Python wrapper costs
        # about 25 µs per call, so one call per match would dominate (DURABLE_RULES.md §7).
        definition = {"all": patterns, "run": self.name, "cap": MAX_CAP}
        return CompiledMatch(
            rule=self.rule,
            name=self.name,
            definition=definition,
            aliases=self.aliases,
            slots=tuple(self.slots),
            owners=tuple(ordered),
        )


_ALWAYS = object()
_NEVER_EXPR = object()


def _combine(key: str, exprs: Sequence[Any]) -> Any:
    live = [e for e in exprs if e is not _ALWAYS and e is not _NEVER_EXPR]
    if key == "$and":
        if any(e is _NEVER_EXPR for e in exprs):
            return _NEVER_EXPR
        if not live:
            return _ALWAYS
    else:
        if any(e is _ALWAYS for e in exprs):
            return _ALWAYS
        if not live:
            return _NEVER_EXPR
    return live[0] if len(live) == 1 else {key: live}


def _is_group(test: Any) -> bool:
    return isinstance(test, dict) and ("$and" in test or "$or" in test)


def compile_rule(rule: CompiledRule, name: str) -> CompiledMatch:
    """Compile one rule; *name* is its durable_rules rule name."""
    return _RuleCompiler(rule, name).compile()
