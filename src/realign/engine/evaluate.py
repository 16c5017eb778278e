"""The Python evaluator of the IR, with Kleene three-valued logic.

It is a complete backend on its own (``Engine(backend="python")``), the
source of every explanation, and the reference the durable_rules path is
tested against. Values are looked up lazily in the :class:`FactSet`: a stated
field by its attribute, a derived fact by its name under the record it
describes (``decisions[2].latency_days``), and every missing value is checked
against ``FactSet.unknown`` so that unknown never passes for false.

Each IR node is compiled once into a Python closure (a :class:`Program` keeps
them), so evaluating a condition is a chain of direct calls, not a walk that
dispatches on the class of every node of every condition of every match. The
operations on values themselves live in :mod:`realign.engine.reading`.
"""

from __future__ import annotations

import itertools
import operator
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from ..enrich.factset import FactSet
from ..rules import ir
from ..rules.values import Unknown, merge_unknown
from .reading import (
    _ABSENT,
    _ENUM,
    _HOW,
    _PLAIN,
    _RECORD_KINDS,
    MAYBE,
    Check,
    Located,
    Trace,
    _is_table,
    _located,
    arithmetic,
    call_function,
    compare,
    items_of,
    kleene_and,
    kleene_or,
    new_check,
    read_at,
    read_field,
    reduce_values,
    root_value,
    scalar,
    within,
)

__all__ = [
    "Context",
    "Program",
    "evaluate_cond",
    "evaluate_term",
]

Env = Mapping[str, Any]
TermFn = Callable[["Context", Env], Any]
CondFn = Callable[["Context", Env], "bool | Unknown"]
TracedFn = Callable[["Context", Env, Trace], "bool | Unknown"]


class Context:
    """What one assessment's conditions are evaluated against."""

    def __init__(
        self,
        facts: FactSet,
        *,
        fired: Mapping[str, bool | Unknown] | None = None,
        findings: Sequence[Mapping[str, Any]] = (),
        program: Program | None = None,
    ) -> None:
        self.facts = facts
        self.partnership = facts.partnership
        self.as_of: date = facts.partnership.assessment.as_of
        self.fired: Mapping[str, bool | Unknown] = fired or {}
        self.findings = findings
        #: the compiled closures; an engine shares one program across assessments
        self.program = program if program is not None else Program()
        #: values of the terms and conditions that read no binding, by their
        #: program's memo key: they depend on this context alone, so each is
        #: computed once per context, however many rules, messages and
        #: explanations ask for it; and of costly terms that read one record,
        #: by (memo key, the record's identity), with the record
        self.memo: dict[Any, Any] = {}
        #: the items of each collection a binding ranges over, by memo key
        self.collections: dict[int, Any] = {}
        #: the located items of each located collection an aggregate read, by its
        #: identity, with the collection
        self.items: dict[int, tuple[Located, list[Any]]] = {}
        #: the result and checks of each traced condition that reads no binding
        self.traces: dict[int, tuple[Any, tuple[Check, ...]]] = {}
        self._derived: dict[str, Any] = {}

    def namespaces(self) -> frozenset[str]:
        return self.facts.namespaces

    def wrap(self, value: Any, path: str) -> Any:
        """A stated value at *path*: unknown when the fact file could not say."""
        if value is None or (isinstance(value, tuple) and not value):
            reason = self.facts.reason_unknown(path)
            if reason is not None:
                return Unknown(frozenset({f"{path} is unknown ({reason})"}), path=path)
        return _located(value, path)

    def derived(self, name: str) -> Any:
        """The value of the derived fact *name*, located; looked up once per context."""
        cache = self._derived
        if name in cache:
            return cache[name]
        fact = self.facts.derived[name]
        if fact.unknown is not None:
            value = Unknown(frozenset({f"{name} is unknown ({fact.unknown})"}))
        else:
            value = _located(fact.value, name)
        cache[name] = value
        return value


def evaluate_term(term: ir.Term, ctx: Context, env: Env) -> Any:
    return ctx.program.term(term)(ctx, env)


def evaluate_cond(
    cond: ir.Cond, ctx: Context, env: Env, trace: Trace | None = None
) -> bool | Unknown:
    """True, False or :class:`Unknown` (with its reasons).

    With *trace*, every comparison made is appended to it as a :class:`Check`,
    and both sides of every ``and``/``or`` are evaluated, for explanations.
    """
    if trace is None:
        return ctx.program.cond(cond)(ctx, env)
    return ctx.program.traced(cond)(ctx, env, trace)


class Program:
    """IR nodes compiled into closures, each node once.

    Closures are kept by the identity of their node, together with the node, so
    an identity is never reused while its entry lives. An engine owns one
    program for its rules; a :class:`Context` made without one gets its own.
    Compiling the same node twice gives equivalent closures, so threads that
    race on a new node need no more than the lock that keeps the tables whole.

    Nodes that read no binding are memoised per context under a key that equal
    nodes share: rules of one catalog ask the same questions (a requirement,
    an aggregate in a condition and again in the message), and each is then
    answered once.
    """

    def __init__(self) -> None:
        self._terms: dict[int, tuple[ir.Term, TermFn]] = {}
        self._conds: dict[int, tuple[ir.Cond, CondFn]] = {}
        self._traced: dict[int, tuple[ir.Cond, TracedFn]] = {}
        self._keys: dict[ir.Term, int] = {}
        self._keys_by_id: dict[int, tuple[ir.Term, int]] = {}
        self._fresh = itertools.count()
        self._lock = threading.Lock()

    def memo_key(self, node: ir.Term) -> int:
        """The key of *node*'s value in :attr:`Context.memo`, the same for equal nodes."""
        # Hashing a node hashes its whole tree; a node asked for again is known by
        # identity (kept with it, so the identity cannot pass to another object).
        known = self._keys_by_id.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        key = self._equal_key(node)
        with self._lock:
            self._keys_by_id[id(node)] = (node, key)
        return key

    def _equal_key(self, node: ir.Term) -> int:
        try:
            key = self._keys.get(node)
        except TypeError:  # an unhashable constant inside: equal to nothing else
            with self._lock:
                return next(self._fresh)
        if key is None:
            with self._lock:
                key = self._keys.setdefault(node, next(self._fresh))
        return key

    def term(self, node: ir.Term) -> TermFn:
        entry = self._terms.get(id(node))
        if entry is None:
            entry = self._keep(self._terms, node, _compile_term(node, self))
        return entry[1]

    def cond(self, node: ir.Cond) -> CondFn:
        entry = self._conds.get(id(node))
        if entry is None:
            fn = _memoised(node, _compile_cond(node, self), self)
            entry = self._keep(self._conds, node, fn)
        return entry[1]

    def traced(self, node: ir.Cond) -> TracedFn:
        entry = self._traced.get(id(node))
        if entry is None:
            fn = _compile_traced(node, self)
            if not ir.free_vars(node):
                fn = _traced_once(self.memo_key(node), fn)
            entry = self._keep(self._traced, node, fn)
        return entry[1]

    def _keep(self, table: dict[int, Any], node: Any, fn: Any) -> Any:
        with self._lock:
            return table.setdefault(id(node), (node, fn))


def _traced_once(key: int, fn: TracedFn) -> TracedFn:
    """*fn* for a condition that reads no binding: its checks are the same all context long."""

    def traced(ctx: Context, env: Env, trace: Trace) -> bool | Unknown:
        found = ctx.traces.get(key)
        if found is None:
            checks: Trace = []
            found = ctx.traces[key] = (fn(ctx, env, checks), tuple(checks))
        trace.extend(found[1])
        result: bool | Unknown = found[0]
        return result

    return traced


# --- terms -----------------------------------------------------------------------------


def _compile_term(node: ir.Term, program: Program) -> TermFn:
    if isinstance(node, ir.Cond):
        return program.cond(node)
    compiler = _TERM_COMPILERS.get(type(node))
    if compiler is None:
        raise TypeError(node)  # pragma: no cover
    fn: TermFn = compiler(node, program)
    # Cheaper to compute than to look up, or a list handed to functions that must
    # not share it (a list of values, the findings so far).
    kind = type(node)
    if kind in (ir.Const, ir.Var, ir.Fired, ir.ListOf) or (
        kind is ir.Root and node.name == "findings"  # type: ignore[attr-defined]
    ):
        return fn
    memoised: TermFn = _memoised(node, fn, program)
    return memoised


def _const(node: ir.Const, program: Program) -> TermFn:
    value = node.value
    return lambda ctx, env: value


def _var(node: ir.Var, program: Program) -> TermFn:
    name = node.name
    return lambda ctx, env: env[name]


def _root(node: ir.Root, program: Program) -> TermFn:
    name = node.name
    if name == "findings":
        return lambda ctx, env: list(ctx.findings)
    return lambda ctx, env: root_value(name, ctx)


def _get(node: ir.Get, program: Program) -> TermFn:
    name = node.name
    # A field of a binding is read from the scope directly, without a closure call.
    var = node.obj.name if type(node.obj) is ir.Var else None
    source = None if var is not None else program.term(node.obj)

    def field(ctx: Context, env: Env) -> Any:
        obj = env[var] if source is None else source(ctx, env)  # type: ignore[index]
        # The hot paths, inlined: a plain or enumerated field of a stated record needs
        # no path, and a derived fact of a record is found by its path at once.
        if type(obj) is Located:
            inner = obj.value
            if _RECORD_KINDS.get(type(inner)):
                value = getattr(inner, name, _ABSENT)
                kind = type(value)
                if kind in _PLAIN:
                    return value
                if value is _ABSENT:
                    path = f"{obj.path}.{name}"
                    if path in ctx.facts.derived:
                        return ctx.derived(path)
                elif _HOW.get(kind) is _ENUM:
                    return value.value  # type: ignore[attr-defined]
        return read_field(obj, name, ctx)

    return field


def _at(node: ir.At, program: Program) -> TermFn:
    obj, key = program.term(node.obj), program.term(node.key)
    return lambda ctx, env: read_at(obj(ctx, env), key(ctx, env), ctx)


def _arith(node: ir.Arith, program: Program) -> TermFn:
    op, left, right = node.op, program.term(node.left), program.term(node.right)
    return lambda ctx, env: arithmetic(op, left(ctx, env), right(ctx, env))


def _negate(node: ir.Negate, program: Program) -> TermFn:
    operand = program.term(node.operand)

    def negate(ctx: Context, env: Env) -> Any:
        value = operand(ctx, env)
        return value if value is None or type(value) is Unknown else -value

    return negate


def _list_of(node: ir.ListOf, program: Program) -> TermFn:
    items = tuple(program.term(item) for item in node.items)

    def list_of(ctx: Context, env: Env) -> Any:
        values = [item(ctx, env) for item in items]
        return merge_unknown(values) if any(type(v) is Unknown for v in values) else values

    return list_of


def _is_present(node: ir.IsPresent, program: Program) -> TermFn:
    operand = program.term(node.operand)

    def is_present(ctx: Context, env: Env) -> Any:
        value = operand(ctx, env)
        return value if type(value) is Unknown else value is not None

    return is_present


def _within(node: ir.Within, program: Program) -> TermFn:
    value, window = program.term(node.value), program.term(node.window)
    return lambda ctx, env: within(value(ctx, env), window(ctx, env), ctx.as_of)


def _fired(node: ir.Fired, program: Program) -> TermFn:
    rule = node.rule
    return lambda ctx, env: ctx.fired.get(rule, False)


def _apply(node: ir.Apply, program: Program) -> TermFn:
    function, text = node.function, node.text
    args = tuple(program.term(arg) for arg in node.args)

    def apply(ctx: Context, env: Env) -> Any:
        return call_function(function, text, [arg(ctx, env) for arg in args])

    return apply


def _memoised(node: ir.Term, fn: Any, program: Program) -> Any:
    """*fn*, computed once per context when *node* reads no binding, or one record."""
    free = ir.free_vars(node)
    if len(free) == 1 and type(node) in _PER_RECORD:
        return _memoised_per_record(next(iter(free)), program.memo_key(node), fn)
    if free:
        return fn
    key = program.memo_key(node)

    def memoised(ctx: Context, env: Env) -> Any:
        memo = ctx.memo
        if key in memo:
            return memo[key]
        value = memo[key] = fn(ctx, env)
        return value

    return memoised


#: nodes worth remembering per record: each costs more than the lookup
_PER_RECORD = frozenset({ir.Aggregate, ir.Apply, ir.At, ir.Arith, ir.Within})


def _memoised_per_record(var: str, key: int, fn: Any) -> Any:
    """*fn* of a node that reads one binding, computed once per context and record.

    Prefiltering, building facts, explaining and the message read the same
    values of a rule's matched records. A record is known by the identity of
    its located item, which the context shares for a binding's items; the memo
    keeps the item, so its identity cannot pass to another object while the
    context lives. Not by its path: a function's table result is located at the
    text of its call, which two different values can share.
    """

    def memoised(ctx: Context, env: Env) -> Any:
        item = env[var]
        if type(item) is not Located:
            return fn(ctx, env)
        memo = ctx.memo
        slot = (key, id(item))
        found = memo.get(slot)
        if found is not None and found[0] is item:
            return found[1]
        value = fn(ctx, env)
        memo[slot] = (item, value)
        return value

    return memoised


def _located_items(found: Located, ctx: Context) -> list[Any]:
    """The located items of a located collection, made once per context and collection.

    An aggregate over a collection that reads no binding gets the same located
    value from the memo every time it is evaluated (for every record of the rule's
    binding, in explanations, in messages); its items are made once. The entry
    keeps the collection, so its identity cannot pass to another object.
    """
    entry = ctx.items.get(id(found))
    if entry is not None and entry[0] is found:
        items: list[Any] = entry[1]
        return items
    items = items_of(found)
    ctx.items[id(found)] = (found, items)
    return items


def _aggregate(node: ir.Aggregate, program: Program) -> TermFn:
    source = program.term(node.source)
    where = None if node.where is None else program.cond(node.where)
    func, var = node.func, node.var
    quantifier = func in ("any", "all", "none")
    value: Any = None
    if node.value is not None:
        value = program.cond(node.value) if quantifier else program.term(node.value)  # type: ignore[arg-type]

    def aggregate(ctx: Context, env: Env) -> Any:
        found = source(ctx, env)
        if type(found) is Unknown:
            return found
        if found is None:
            return None
        if type(found) is Located:
            items = _located_items(found, ctx)
        elif _is_table(type(found)) or isinstance(found, list | tuple):
            items = items_of(found)
        else:
            items = []
        # One scope for all items: evaluation never keeps it, so rebinding is safe.
        scope = dict(env)
        if quantifier:
            return _quantify(func, items, scope, var, where, value, ctx)
        values: list[Any] = []
        for item in items:
            scope[var] = item
            keep: bool | Unknown = True if where is None else where(ctx, scope)
            if _is_table(type(item)) and MAYBE in item:
                # A record that may or may not belong (a rule that was not evaluable
                # may have fired): it counts as unknown wherever it would count.
                keep = kleene_and((keep, item[MAYBE]))
            if type(keep) is Unknown:
                return keep
            if keep:
                values.append(None if value is None else value(ctx, scope))
        return reduce_values(func, values)

    return aggregate


def _quantify(
    func: str,
    items: list[Any],
    scope: dict[str, Any],
    var: str,
    where: CondFn | None,
    test: CondFn | None,
    ctx: Context,
) -> bool | Unknown:
    """``any``, ``all`` or ``none`` over *items*, in Kleene logic, stopping at the first decider.

    A true verdict settles ``any`` and ``none``, a false one ``all``, whatever the
    other items would say: an unknown among them cannot change a decided result.
    Until one decides, the unknown verdicts are kept for their reasons.
    """
    # all() is false at its first false verdict; any() and none() are settled by a true one.
    decisive = func != "all"
    unknown: list[Any] = []
    for item in items:
        scope[var] = item
        keep: bool | Unknown = True if where is None else where(ctx, scope)
        if _is_table(type(item)) and MAYBE in item:
            # A record that may or may not belong counts as unknown wherever it would count.
            keep = kleene_and((keep, item[MAYBE]))
        if test is None:
            # all(x in xs where c): c is the test every item must pass; any/none count the kept
            verdict = keep
        elif keep is False:
            continue
        else:
            verdict = test(ctx, scope)
            if keep is not True:
                # An item of unknown membership: all() only fails if it belongs and fails;
                # any() only holds if it belongs and holds.
                verdict = (
                    kleene_or((keep, verdict)) if func == "all" else kleene_and((keep, verdict))
                )
        if verdict is decisive:
            return func == "any"
        if type(verdict) is Unknown:
            unknown.append(verdict)
    if unknown:
        return merge_unknown(unknown)
    return func != "any"


_TERM_COMPILERS: dict[type, Callable[[Any, Program], TermFn]] = {
    ir.Const: _const,
    ir.Var: _var,
    ir.Root: _root,
    ir.Get: _get,
    ir.At: _at,
    ir.Arith: _arith,
    ir.Negate: _negate,
    ir.ListOf: _list_of,
    ir.Apply: _apply,
    ir.Aggregate: _aggregate,
    ir.IsPresent: _is_present,
    ir.Within: _within,
    ir.Fired: _fired,
}


# --- conditions ------------------------------------------------------------------------


def _sides(node: ir.Cmp, program: Program) -> tuple[TermFn, TermFn | None, Any]:
    """The left side, and the right side or, for a constant (params are by now), its value."""
    left = program.term(node.left)
    if type(node.right) is ir.Const:
        return left, None, node.right.value
    return left, program.term(node.right), None


def _compile_cond(node: ir.Cond, program: Program) -> CondFn:
    kind = type(node)
    if kind is ir.Cmp:
        left, right, constant = _sides(node, program)  # type: ignore[arg-type]
        if right is None:
            return _compare_with_constant(node.op, left, constant)  # type: ignore[attr-defined]
        test = _comparison(node.op)  # type: ignore[attr-defined]
        return lambda ctx, env: test(left(ctx, env), right(ctx, env))
    if kind is ir.And or kind is ir.Or:
        parts = tuple(program.cond(c) for c in node.items)  # type: ignore[attr-defined]
        return _junction(parts, decisive=kind is ir.Or)
    if kind is ir.Truth:
        term, expected = program.term(node.term), node.expected  # type: ignore[attr-defined]

        def truth(ctx: Context, env: Env) -> bool | Unknown:
            value = term(ctx, env)
            return value if type(value) is Unknown else (value is expected)

        return truth
    raise TypeError(node)  # pragma: no cover


def _junction(parts: tuple[CondFn, ...], *, decisive: bool) -> CondFn:
    """``and`` (*decisive* False) or ``or`` (True) in Kleene logic, evaluated lazily.

    The first part that is *decisive* settles it; otherwise any unknown part
    makes the whole unknown, with the reasons of all of them.
    """
    neutral = not decisive

    def junction(ctx: Context, env: Env) -> bool | Unknown:
        unknown: list[Any] = []  # neither True nor False: Unknown
        for part in parts:
            result = part(ctx, env)
            if result is decisive:
                return decisive
            if result is not neutral:
                unknown.append(result)
        return merge_unknown(unknown) if unknown else neutral

    return junction


#: Python's own operator for each comparison of two values of one plain type
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
#: types whose values compare as Python compares them (bool is not: it is not a number)
_ORDERED = frozenset({int, float, str, date})
_NUMBERS = frozenset({int, float})
#: plain values a set of constants can be searched for (bool: True == 1, as in a list)
_MEMBERS = frozenset({bool, int, float, str, date})


def _comparison(op: str) -> Callable[[Any, Any], bool | Unknown]:
    """:func:`compare` for *op*, with a short cut for two values of one plain type."""
    direct = _OPERATORS.get(op)
    if direct is None:  # in, not in
        return lambda left, right: compare(op, left, right)

    def test(left: Any, right: Any) -> bool | Unknown:
        kind, other = type(left), type(right)
        if (kind is other and kind in _ORDERED) or (kind in _NUMBERS and other in _NUMBERS):
            return direct(left, right)
        return compare(op, left, right)

    return test


def _compare_with_constant(op: str, left: TermFn, constant: Any) -> CondFn:
    """``left op constant``: what can be settled about the constant is settled once.

    The same answers as :func:`compare`; a value of the constant's plain kind is
    compared by Python's operator, and ``in`` a list of plain constants searches
    a set made once instead of building the list of members on every call.
    """
    direct = _OPERATORS.get(op)
    kind = type(constant)
    if direct is not None and kind in _ORDERED:
        same = _NUMBERS if kind in _NUMBERS else frozenset({kind})

        def ordered(ctx: Context, env: Env) -> bool | Unknown:
            value = left(ctx, env)
            if type(value) in same:
                return direct(value, constant)
            return compare(op, value, constant)

        return ordered
    if (
        op in ("in", "not in")
        and isinstance(constant, list | tuple)
        and all(type(member) in _MEMBERS for member in constant)
    ):
        members = frozenset(constant)
        inside = op == "in"

        def membership(ctx: Context, env: Env) -> bool | Unknown:
            value = left(ctx, env)
            key = scalar(value)
            if type(key) not in _MEMBERS:  # unknown, missing, or not a plain value
                return compare(op, value, constant)
            return (key in members) is inside

        return membership
    return lambda ctx, env: compare(op, left(ctx, env), constant)


def _compile_traced(node: ir.Cond, program: Program) -> TracedFn:
    kind = type(node)
    if kind is ir.Cmp:
        op, text = node.op, node.text  # type: ignore[attr-defined]
        left_text, right_text = node.left.text, node.right.text  # type: ignore[attr-defined]
        left, right, constant = _sides(node, program)  # type: ignore[arg-type]
        test = _comparison(op)

        def comparison(ctx: Context, env: Env, trace: Trace) -> bool | Unknown:
            actual = left(ctx, env)
            threshold = constant if right is None else right(ctx, env)
            result = test(actual, threshold)
            trace.append(new_check(text, op, left_text, actual, right_text, threshold, result))
            return result

        return comparison
    if kind in (ir.And, ir.Or):
        # Every part is evaluated, not only up to the first that decides, so that
        # an explanation shows all the checks.
        parts = tuple(program.traced(c) for c in node.items)  # type: ignore[attr-defined]
        combine = kleene_and if kind is ir.And else kleene_or
        return lambda ctx, env, trace: combine([part(ctx, env, trace) for part in parts])
    if kind is ir.Truth:
        term, expected = program.term(node.term), node.expected  # type: ignore[attr-defined]
        text, term_text = node.text, node.term.text  # type: ignore[attr-defined]
        expected_text = str(expected).lower()

        def truth(ctx: Context, env: Env, trace: Trace) -> bool | Unknown:
            value = term(ctx, env)
            result = value if type(value) is Unknown else (value is expected)
            trace.append(new_check(text, "is", term_text, value, expected_text, expected, result))
            return result

        return truth
    raise TypeError(node)  # pragma: no cover
