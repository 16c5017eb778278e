"""The compiled form of a condition: names resolved, params substituted, negation pushed in.

Both evaluators read this tree: the durable_rules compiler, which lifts what
the matcher cannot do into plain fields, and the Python evaluator, which also
explains. Conditions are in negation normal form: there is no "not" node,
because ``not (a < b)`` became ``a >= b`` and ``not any(...)`` became a test
that the quantifier is false. Every node keeps the text it was compiled from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .functions import Function

__all__ = [
    "And",
    "Aggregate",
    "Apply",
    "Arith",
    "At",
    "Cmp",
    "Cond",
    "Const",
    "Fired",
    "Get",
    "IsPresent",
    "ListOf",
    "Negate",
    "Or",
    "Root",
    "Term",
    "Truth",
    "Var",
    "Within",
    "free_vars",
    "negate",
    "rules_referenced",
]

NEGATED = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    ">=": "<",
    ">": "<=",
    "<=": ">",
    "in": "not in",
    "not in": "in",
}
MIRRORED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


@attrs.frozen
class Term:
    #: the source text, for explanations
    text: str = attrs.field(kw_only=True, eq=False, default="")


@attrs.frozen
class Const(Term):
    value: Any


@attrs.frozen
class Var(Term):
    """A rule binding or a comprehension variable."""

    name: str


@attrs.frozen
class Root(Term):
    """A top-level fact: ``partners``, ``governance``, ``as_of``, ``findings``."""

    name: str


@attrs.frozen
class Get(Term):
    obj: Term
    name: str


@attrs.frozen
class At(Term):
    obj: Term
    key: Term


@attrs.frozen
class Arith(Term):
    op: str
    left: Term
    right: Term


@attrs.frozen
class Negate(Term):
    operand: Term


@attrs.frozen
class ListOf(Term):
    items: tuple[Term, ...]


@attrs.frozen
class Apply(Term):
    function: Function
    args: tuple[Term, ...]


@attrs.frozen
class Aggregate(Term):
    """``func([value for] var in source [where where])`` over a collection."""

    func: str
    var: str
    source: Term
    where: Cond | None
    value: Term | Cond | None


@attrs.frozen
class IsPresent(Term):
    """``exists x``: true when x has a value, false when it has none, unknown when unknown."""

    operand: Term


@attrs.frozen
class Within(Term):
    """``x within window``: ``0 <= as_of - x <= window``, a boolean term."""

    value: Term
    window: Term


@attrs.frozen
class Fired(Term):
    """Whether another rule raised a finding in this assessment."""

    rule: str


@attrs.frozen
class Cond(Term):
    """A condition: true, false or unknown."""


@attrs.frozen
class And(Cond):
    items: tuple[Cond, ...]


@attrs.frozen
class Or(Cond):
    items: tuple[Cond, ...]


@attrs.frozen
class Cmp(Cond):
    op: str
    left: Term
    right: Term
    #: the scalar kind both sides are known to have (number, string, date, boolean),
    #: or None; only then may durable_rules compare them itself
    kind: str | None = attrs.field(default=None, kw_only=True, eq=False)


@attrs.frozen
class Truth(Cond):
    """A boolean-valued term tested for *expected*; unknown stays unknown, null is false."""

    term: Term
    expected: bool = True
    #: the term is known to be a boolean, so durable_rules may test it itself
    exact: bool = attrs.field(default=False, kw_only=True, eq=False)


def _not(text: str) -> str:
    inner = text.strip()
    if inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]):
        return f"not {inner}"
    return f"not ({inner})"


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def negate(cond: Cond) -> Cond:
    """The negation of *cond*, still in negation normal form (Kleene logic)."""
    match cond:
        case And(items=items):
            return Or(tuple(negate(c) for c in items), text=_not(cond.text))
        case Or(items=items):
            return And(tuple(negate(c) for c in items), text=_not(cond.text))
        case Cmp(op=op, left=left, right=right):
            return Cmp(NEGATED[op], left, right, text=_not(cond.text), kind=cond.kind)
        case Truth(term=term, expected=expected):
            return Truth(term, not expected, text=_not(cond.text), exact=cond.exact)
    raise TypeError(cond)


def children(node: Term) -> tuple[Term, ...]:
    match node:
        case Get(obj=obj):
            return (obj,)
        case At(obj=obj, key=key):
            return (obj, key)
        case Arith(left=left, right=right) | Cmp(left=left, right=right):
            return (left, right)
        case Negate(operand=x) | IsPresent(operand=x):
            return (x,)
        case ListOf(items=items) | Apply(args=items) | And(items=items) | Or(items=items):
            return tuple(items)
        case Aggregate(source=source, where=where, value=value):
            return tuple(n for n in (source, where, value) if n is not None)
        case Within(value=value, window=window):
            return (value, window)
        case Truth(term=term):
            return (term,)
    return ()


def free_vars(node: Term) -> frozenset[str]:
    """The bindings *node* depends on (comprehension variables are bound inside)."""
    match node:
        case Var(name=name):
            return frozenset({name})
        case Aggregate(var=var, source=source, where=where, value=value):
            inner: frozenset[str] = frozenset()
            for part in (where, value):
                if part is not None:
                    inner |= free_vars(part)
            return free_vars(source) | (inner - {var})
    out: frozenset[str] = frozenset()
    for child in children(node):
        out |= free_vars(child)
    return out


def rules_referenced(node: Term) -> tuple[set[str], bool]:
    """The rule ids *node* asks about with ``fired()``, and whether it reads ``findings``."""
    fired: set[str] = set()
    reads_findings = False
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Fired):
            fired.add(item.rule)
        elif isinstance(item, Root) and item.name == "findings":
            reads_findings = True
        stack.extend(children(item))
    return fired, reads_findings
