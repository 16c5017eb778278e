"""Type-check a parsed condition and lower it to the IR.

Names are resolved here, in this order: comprehension variables, the rule's
bindings, params, the built-in constants (``as_of``, ``Q``, ``H``, ``Y``),
then the facts at the top of the file (``partners``, ``governance`` …) and
``findings``. Params become constants, so an engine built with other params
compiles other constants. Problems are collected, not raised, so that one
``realign check`` run reports every mistake in a rule set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import closest
from . import ir, syntax
from .functions import Function
from .types import (
    ANY,
    BOOL,
    DATE,
    NULL,
    NUMBER,
    STRING,
    EnumType,
    ListType,
    MapType,
    RecordType,
    Type,
    Vocabulary,
    compatible,
)

__all__ = ["BUILTIN_CONSTANTS", "Issue", "Lowerer", "ResolvedParam"]

#: The standard windows of the domain, in days, usable in every condition.
BUILTIN_CONSTANTS: Mapping[str, int] = {"Q": 91, "H": 182, "Y": 365}
_AGGREGATE_CALLS = {"count", "sum", "min", "max", "mean", "median", "any", "all", "none"}


@attrs.frozen
class Issue:
    """A problem in one condition string, located by character offsets."""

    start: int
    end: int
    message: str
    code: str
    hint: str | None = None
    severity: str = "error"
    #: another offset the hint speaks of, written ``{at}`` in ``hint_template``
    related: int | None = None
    hint_template: str | None = None


@attrs.frozen
class ResolvedParam:
    type: Type
    value: Any


class LoweringFailed(Exception):
    def __init__(self, issue: Issue) -> None:
        self.issue = issue


def _describe(t: Type) -> str:
    article = "an" if str(t)[:1] in "aeiou" else "a"
    return f"{article} {t}"


class Lowerer:
    """Lowers the conditions of one rule; collects :class:`Issue` objects in ``issues``."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        functions: Mapping[str, Function],
        params: Mapping[str, ResolvedParam],
        bindings: Mapping[str, Type],
        rule_ids: frozenset[str] = frozenset(),
    ) -> None:
        self.vocab = vocabulary
        self.functions = functions
        self.params = params
        self.bindings = dict(bindings)
        self.rule_ids = rule_ids
        self.issues: list[Issue] = []
        self.params_used: set[str] = set()
        self.text = ""

    # -- entry points ----------------------------------------------------------------

    def condition(self, text: str) -> ir.Cond | None:
        """Parse and lower a condition; None if it has errors (they are in ``issues``)."""
        node = self._parse(text)
        if node is None:
            return None
        try:
            return self.cond(node, {})
        except LoweringFailed as failed:
            self.issues.append(failed.issue)
            return None

    def expression(self, text: str) -> tuple[ir.Term, Type] | None:
        node = self._parse(text)
        if node is None:
            return None
        try:
            return self.term(node, {})
        except LoweringFailed as failed:
            self.issues.append(failed.issue)
            return None

    def _parse(self, text: str) -> syntax.Node | None:
        self.text = text
        try:
            return syntax.parse(text)
        except syntax.ParseError as error:
            word = re.match(r"\S*", text[error.offset :])
            end = min(error.offset + max(1, len(word.group()) if word else 1), len(text))
            self.issues.append(
                Issue(
                    error.offset,
                    end,
                    error.message,
                    error.code,
                    error.hint,
                    related=error.related,
                    hint_template=error.hint_template,
                )
            )
            return None

    # -- helpers ----------------------------------------------------------------------

    def fail(
        self, node: syntax.Node, message: str, code: str = "type", hint: str | None = None
    ) -> LoweringFailed:
        return LoweringFailed(Issue(node.start, node.end, message, code, hint))

    def src(self, node: syntax.Node) -> str:
        return self.text[node.start : node.end]

    # -- conditions -------------------------------------------------------------------

    def cond(self, node: syntax.Node, local: dict[str, Type]) -> ir.Cond:
        text = self.src(node)
        match node:
            case syntax.Logic(op=op, items=items):
                parts = tuple(self.cond(item, local) for item in items)
                return (ir.And if op == "and" else ir.Or)(parts, text=text)
            case syntax.Not(operand=operand):
                return ir.negate(self.cond(operand, local))
            case syntax.Compare():
                return self.compare(node, local)
        term, typ = self.term(node, local)
        if typ not in (BOOL, ANY, NULL):
            raise self.fail(
                node,
                f"a condition must be true or false, but this is {_describe(typ)}",
                hint="compare it with something, e.g. '... > 0'",
            )
        return ir.Truth(term, True, text=text, exact=typ == BOOL)

    def compare(self, node: syntax.Compare, local: dict[str, Type]) -> ir.Cond:
        left, lt = self.term(node.left, local)
        right, rt = self.term(node.right, local)
        op = node.op
        if op in ("in", "not in"):
            if isinstance(rt, MapType):
                elem: Type = STRING
            elif isinstance(rt, ListType):
                elem = rt.elem
            elif rt in (ANY, NULL):
                elem = ANY
            else:
                raise self.fail(
                    node.right, f"'{op}' needs a list on its right, found {_describe(rt)}"
                )
            self._check_comparable(node, node.left, lt, node.right, elem, op)
            if isinstance(rt, EnumType | ListType) and isinstance(elem, EnumType):
                self._check_enum_literals(node.left, elem)
            if isinstance(lt, EnumType):
                self._check_enum_literals(node.right, lt)
            rt = elem
        else:
            self._check_comparable(node, node.left, lt, node.right, rt, op)
            if isinstance(lt, EnumType):
                self._check_enum_literals(node.right, lt)
            if isinstance(rt, EnumType):
                self._check_enum_literals(node.left, rt)
        return ir.Cmp(op, left, right, text=self.src(node), kind=_scalar_kind(lt, rt))

    def _check_comparable(
        self,
        node: syntax.Node,
        left: syntax.Node,
        lt: Type,
        right: syntax.Node,
        rt: Type,
        op: str,
    ) -> None:
        if not compatible(lt, rt):
            hint = None
            if {lt, rt} == {DATE, NUMBER}:
                hint = "a date minus a date is a number of days: compare 'as_of - x.date > 30d'"
            elif DATE in (lt, rt) and (
                STRING in (lt, rt) or isinstance(lt, EnumType) or isinstance(rt, EnumType)
            ):
                hint = "write dates without quotes: 2024-03-31"
            raise self.fail(
                node,
                f"cannot compare {_describe(lt)} ({self.src(left)}) "
                f"with {_describe(rt)} ({self.src(right)})",
                hint=hint,
            )
        if op in ("<", "<=", ">", ">="):
            for side, t in ((left, lt), (right, rt)):
                if t not in (NUMBER, DATE, STRING, ANY, NULL) and not isinstance(t, EnumType):
                    raise self.fail(
                        side, f"'{op}' orders numbers, dates or strings, not {_describe(t)}"
                    )
            if BOOL in (lt, rt):
                raise self.fail(node, f"'{op}' cannot order booleans")

    def _check_enum_literals(self, node: syntax.Node, enum: EnumType) -> None:
        literals = node.items if isinstance(node, syntax.ListLit) else (node,)
        for literal in literals:
            if (
                isinstance(literal, syntax.Literal)
                and literal.kind == "string"
                and literal.value not in enum.values
            ):
                guess = closest(literal.value, enum.values)
                hint = f"did you mean {guess!r}?" if guess else f"one of {', '.join(enum.values)}"
                raise self.fail(
                    literal, f"{literal.value!r} is never a value here", code="value", hint=hint
                )

    # -- terms ------------------------------------------------------------------------

    def term(self, node: syntax.Node, local: dict[str, Type]) -> tuple[ir.Term, Type]:
        text = self.src(node)
        match node:
            case syntax.Literal(value=value, kind=kind):
                typ = {
                    "number": NUMBER,
                    "duration": NUMBER,
                    "date": DATE,
                    "string": STRING,
                    "bool": BOOL,
                }[kind]
                return ir.Const(value, text=text), typ
            case syntax.ListLit(items=items):
                lowered = [self.term(item, local) for item in items]
                types = {t for _, t in lowered} - {ANY}
                if len(types) > 1 and not all(
                    isinstance(t, EnumType) or t == STRING for t in types
                ):
                    raise self.fail(node, "a list must hold values of one type")
                elem = types.pop() if len(types) == 1 else (STRING if types else ANY)
                terms = tuple(t for t, _ in lowered)
                if all(isinstance(t, ir.Const) for t in terms):
                    # A tuple, so that IR nodes stay hashable.
                    return ir.Const(
                        tuple(t.value for t in terms if isinstance(t, ir.Const)), text=text
                    ), ListType("list", elem)
                return ir.ListOf(terms, text=text), ListType("list", elem)
            case syntax.Name(name=name):
                return self.name(node, name, local)
            case syntax.Attr(obj=obj, name=name):
                base, bt = self.term(obj, local)
                return ir.Get(base, name, text=text), self.field_type(node, obj, bt, name)
            case syntax.Index(obj=obj, key=key):
                base, bt = self.term(obj, local)
                k, kt = self.term(key, local)
                if isinstance(bt, MapType):
                    if kt not in (STRING, ANY) and not isinstance(kt, EnumType):
                        raise self.fail(key, f"a table is indexed by a string, not {_describe(kt)}")
                    return ir.At(base, k, text=text), bt.value
                if isinstance(bt, ListType):
                    if kt not in (NUMBER, ANY):
                        raise self.fail(key, f"a list is indexed by a number, not {_describe(kt)}")
                    return ir.At(base, k, text=text), bt.elem
                if bt == ANY:
                    return ir.At(base, k, text=text), ANY
                raise self.fail(node, f"{self.src(obj)} is {_describe(bt)} and cannot be indexed")
            case syntax.Neg(operand=operand):
                inner, t = self.term(operand, local)
                self._want(operand, t, NUMBER, "'-'")
                return ir.Negate(inner, text=text), NUMBER
            case syntax.BinOp():
                return self.arith(node, local)
            case syntax.Within(value=value, window=window):
                v, vt = self.term(value, local)
                w, wt = self.term(window, local)
                self._want(
                    value, vt, DATE, "'within'", hint="'within' takes a date: 'e.opened within 91d'"
                )
                self._want(
                    window,
                    wt,
                    NUMBER,
                    "the window of 'within'",
                    hint="write a duration such as 91d or H",
                )
                return ir.Within(v, w, text=text), BOOL
            case syntax.Exists(operand=operand):
                inner, _ = self.term(operand, local)
                return ir.IsPresent(inner, text=text), BOOL
            case syntax.Comprehension():
                return self.comprehension(node, local)
            case syntax.Call():
                return self.call(node, local)
            case syntax.Compare() | syntax.Logic() | syntax.Not():
                return self.cond(node, local), BOOL
        raise self.fail(node, "cannot use this here")  # pragma: no cover - parser invariant

    def _want(
        self, node: syntax.Node, got: Type, want: Type, what: str, hint: str | None = None
    ) -> None:
        if got in (want, ANY, NULL):
            return
        raise self.fail(
            node,
            f"{what} needs {_describe(want)}, found {_describe(got)} ({self.src(node)})",
            hint=hint,
        )

    def name(self, node: syntax.Node, name: str, local: dict[str, Type]) -> tuple[ir.Term, Type]:
        text = self.src(node)
        if name in local:
            return ir.Var(name, text=text), local[name]
        if name in self.bindings:
            return ir.Var(name, text=text), self.bindings[name]
        if name in self.params:
            self.params_used.add(name)
            param = self.params[name]
            return ir.Const(param.value, text=text), param.type
        if name in BUILTIN_CONSTANTS:
            return ir.Const(BUILTIN_CONSTANTS[name], text=text), NUMBER
        if name == "as_of":
            return ir.Root("as_of", text=text), DATE
        root = self.vocab.root()
        if name in root:
            return ir.Root(name, text=text), root[name]
        candidates = [
            *local,
            *self.bindings,
            *self.params,
            *BUILTIN_CONSTANTS,
            "as_of",
            "true",
            "false",
            *root,
        ]
        guess = closest(name, candidates)
        hint = f"did you mean {guess!r}?" if guess else None
        if name in ("True", "False", "TRUE", "FALSE"):
            hint = f"write {name.lower()} in lower case"
        elif name.lower() in ("null", "none", "nil"):
            hint = "there is no null: test for a missing value with 'exists x' or 'not exists x'"
        if name in self.functions or name in _AGGREGATE_CALLS:
            hint = f"{name} is a function: call it as {name}(...)"
        raise self.fail(node, f"unknown name {name!r}", code="unknown-name", hint=hint)

    def field_type(self, node: syntax.Attr, obj: syntax.Node, bt: Type, name: str) -> Type:
        if bt in (ANY, NULL):
            return ANY
        if isinstance(bt, MapType):
            fields = self.vocab.fields(bt)
            if name in fields:
                return fields[name]
            return bt.value
        fields = self.vocab.fields(bt)
        if name in fields:
            return fields[name]
        if not fields and not isinstance(bt, RecordType | ListType):
            raise self.fail(node, f"{self.src(obj)} is {_describe(bt)} and has no field {name!r}")
        guess = closest(name, fields)
        hint = f"did you mean {guess!r}?" if guess else None
        if not hint and fields:
            hint = "fields here: " + ", ".join(sorted(fields)[:12])
        if isinstance(bt, ListType) and name in self.vocab.fields(bt.elem):
            where = self.src(obj)
            hint = f"{where} is a list; bind one item, e.g. any(x in {where} where x.{name} ...)"
        raise self.fail(
            node, f"{self.src(obj)} has no field {name!r}", code="unknown-field", hint=hint
        )

    def arith(self, node: syntax.BinOp, local: dict[str, Type]) -> tuple[ir.Term, Type]:
        left, lt = self.term(node.left, local)
        right, rt = self.term(node.right, local)
        op = node.op
        result: Type | None = None
        known = {lt, rt} - {ANY, NULL}
        one_side_unknown = lt in (ANY, NULL) or rt in (ANY, NULL)
        if one_side_unknown and op in ("+", "-") and known == {DATE}:
            # With one side of unknown type, a date may give a date or a number of days.
            return ir.Arith(op, left, right, text=self.src(node)), ANY
        if known <= {NUMBER} or (op == "-" and lt == DATE and rt == DATE):
            result = NUMBER
        elif (op in ("+", "-") and lt == DATE and rt in (NUMBER, ANY, NULL)) or (
            op == "+" and lt in (NUMBER, ANY, NULL) and rt == DATE
        ):
            result = DATE
        elif known == {DATE}:
            result = NUMBER if op == "-" else None
        if result is None:
            raise self.fail(
                node,
                f"cannot apply '{op}' to {_describe(lt)} and {_describe(rt)}",
                hint="dates subtract to days; a date plus or minus days is a date; "
                "everything else is numbers",
            )
        if lt in (ANY, NULL) and rt in (ANY, NULL):
            result = ANY
        return ir.Arith(op, left, right, text=self.src(node)), result

    def comprehension(
        self, node: syntax.Comprehension, local: dict[str, Type]
    ) -> tuple[ir.Term, Type]:
        source, st = self.term(node.source, local)
        if isinstance(st, ListType):
            elem = st.elem
        elif isinstance(st, MapType):
            elem = st.value
        elif st in (ANY, NULL):
            elem = ANY
        else:
            raise self.fail(node.source, f"{node.func}() goes over a list, found {_describe(st)}")
        if node.var in self.bindings or node.var in local:
            raise self.fail(
                node, f"{node.var!r} is already bound here", hint="choose another variable name"
            )
        inner = {**local, node.var: elem}
        where = self.cond(node.where, inner) if node.where is not None else None
        func = node.func
        value: ir.Term | None = None
        result: Type
        if func in ("any", "all", "none"):
            value = self.cond(node.value, inner) if node.value is not None else None
            result = BOOL
        elif func == "count":
            if node.value is not None:
                raise self.fail(
                    node.value,
                    "count() counts items and takes no value",
                    hint="write count(x in xs where ...)",
                )
            result = NUMBER
        else:
            if node.value is None:
                if elem not in (NUMBER, DATE, ANY):
                    raise self.fail(node, f"{func}() needs a value: {func}(x.field for x in ...)")
                value, vt = ir.Var(node.var, text=node.var), elem
            else:
                value, vt = self.term(node.value, inner)
            allowed = (NUMBER, DATE) if func in ("min", "max") else (NUMBER,)
            if vt not in (*allowed, ANY, NULL):
                raise self.fail(
                    node.value or node,
                    f"{func}() needs {' or '.join(str(a) + 's' for a in allowed)}, "
                    f"found {_describe(vt)}",
                )
            result = vt if func in ("min", "max") else NUMBER
        return ir.Aggregate(func, node.var, source, where, value, text=self.src(node)), result

    def call(self, node: syntax.Call, local: dict[str, Type]) -> tuple[ir.Term, Type]:
        name, args = node.name, node.args
        text = self.src(node)
        if name == "fired":
            if len(args) != 1 or not (
                isinstance(args[0], syntax.Literal) and args[0].kind == "string"
            ):
                raise self.fail(node, "fired() takes one rule id in quotes", hint='fired("GOV-01")')
            rule = args[0].value
            if self.rule_ids and rule not in self.rule_ids:
                guess = closest(rule, self.rule_ids)
                raise self.fail(
                    args[0],
                    f"no rule {rule!r}",
                    code="unknown-rule",
                    hint=f"did you mean {guess!r}?" if guess else None,
                )
            return ir.Fired(rule, text=text), BOOL
        if name in _AGGREGATE_CALLS and name not in self.functions:
            return self.aggregate_call(node, local)
        function = self.functions.get(name)
        if function is None:
            guess = closest(name, [*self.functions, *_AGGREGATE_CALLS, "fired"])
            raise self.fail(
                node,
                f"unknown function {name!r}",
                code="unknown-function",
                hint=f"did you mean {guess!r}?" if guess else None,
            )
        if not function.arity_ok(len(args)):
            raise self.fail(
                node,
                f"wrong number of arguments to {name}()",
                hint=f"the signature is {function.signature}",
            )
        lowered = []
        types = []
        for index, arg in enumerate(args):
            term, typ = self.term(arg, local)
            want = function.param_type(index)
            if not _accepts(want, typ):
                raise self.fail(
                    arg,
                    f"argument {index + 1} of {name}() must be {_describe(want)}, "
                    f"found {_describe(typ)}",
                    hint=f"the signature is {function.signature}",
                )
            lowered.append(term)
            types.append(typ)
        returns = function.returns
        if name == "coalesce":
            # The result is one of the arguments: its type is theirs only if they agree.
            known = {str(t) for t in types if t not in (ANY, NULL)}
            given = next((t for t in types if t not in (ANY, NULL)), ANY)
            returns = given if len(known) == 1 and ANY not in types else ANY
        elif name in ("first", "last") and types and isinstance(types[0], ListType):
            returns = types[0] if len(args) == 2 else types[0].elem
        return ir.Apply(function, tuple(lowered), text=text), returns

    def aggregate_call(self, node: syntax.Call, local: dict[str, Type]) -> tuple[ir.Term, Type]:
        """``count(xs)``, ``max(xs)``, ``max(a, b)``: the call forms of the aggregates."""
        name, args = node.name, node.args
        text = self.src(node)
        if len(args) == 1:
            source, st = self.term(args[0], local)
            if not isinstance(st, ListType | MapType) and st not in (ANY, NULL):
                raise self.fail(
                    args[0],
                    f"{name}() needs a list, found {_describe(st)}",
                    hint=f"or write {name}(x.field for x in ...)",
                )
            elem = (
                st.elem
                if isinstance(st, ListType)
                else (st.value if isinstance(st, MapType) else ANY)
            )
            if name == "count":
                return ir.Aggregate("count", "_item", source, None, None, text=text), NUMBER
            value: ir.Term = ir.Var("_item", text="_item")
            if name in ("any", "all", "none"):
                self._want(args[0], elem, BOOL, f"{name}()")
                return ir.Aggregate(
                    name, "_item", source, None, ir.Truth(value, True, text="_item"), text=text
                ), BOOL
            allowed = (NUMBER, DATE) if name in ("min", "max") else (NUMBER,)
            if elem not in (*allowed, ANY, NULL):
                raise self.fail(args[0], f"{name}() needs a list of numbers, found {_describe(st)}")
            return ir.Aggregate(name, "_item", source, None, value, text=text), (
                elem if name in ("min", "max") else NUMBER
            )
        if name in ("min", "max") and len(args) >= 2:
            lowered = [self.term(arg, local) for arg in args]
            types = {t for _, t in lowered} - {ANY, NULL}
            if len(types) > 1 or not types <= {NUMBER, DATE}:
                raise self.fail(node, f"{name}() compares numbers or dates of one kind")
            function = Function(
                name=name,
                params=(ANY, ANY),
                variadic=True,
                returns=ANY,
                impl=min if name == "min" else max,
            )
            return ir.Apply(function, tuple(t for t, _ in lowered), text=text), (
                types.pop() if types else ANY
            )
        raise self.fail(
            node, f"{name}() takes one list, or a comprehension like {name}(x in xs where ...)"
        )


def _scalar_kind(left: Type, right: Type) -> str | None:
    """The scalar kind two compared sides share, when the types say so for certain."""

    def kind(t: Type) -> str | None:
        if isinstance(t, EnumType) or t == STRING:
            return "string"
        return {NUMBER: "number", DATE: "date", BOOL: "boolean"}.get(t)

    a, b = kind(left), kind(right)
    return a if a is not None and a == b else None


def _accepts(want: Type, got: Type) -> bool:
    if want == ANY or got in (ANY, NULL):
        return True
    # A collection is accepted when its items are: a list of partners is no list of numbers.
    if isinstance(want, ListType):
        return isinstance(got, ListType) and _accepts(want.elem, got.elem)
    if isinstance(want, MapType):
        return isinstance(got, MapType) and _accepts(want.value, got.value)
    if want == STRING:
        return got == STRING or isinstance(got, EnumType)
    return want == got
