"""Reading values out of a fact set, and the operations on them.

Everything the evaluator does to a value, apart from walking the IR: locate a
stated value with its fact path, read a field or an entry, do arithmetic,
compare in three-valued logic, call a condition-language function, reduce an
aggregate, and turn a value into the plain form reports carry. The compiled
closures of :mod:`realign.engine.evaluate` call these.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

import attrs

from .._builders import positional
from ..rules.functions import Function
from ..rules.values import Unknown, merge_unknown

if TYPE_CHECKING:
    from .evaluate import Context

__all__ = [
    "MAYBE",
    "Check",
    "Located",
    "Trace",
    "arithmetic",
    "call_function",
    "compare",
    "items_of",
    "kleene_and",
    "kleene_or",
    "plain",
    "read_at",
    "read_field",
    "record_key",
    "reduce_values",
    "root_value",
    "scalar",
    "within",
]

#: Key of a record whose membership in its collection is unknown.
MAYBE = "__maybe__"


@attrs.frozen
class Located:
    """A record, collection, table or namespace, with the fact path it lives at."""

    value: Any
    path: str


@attrs.frozen
class Check:
    """One comparison made while evaluating a condition, for explanations.

    ``actual`` and ``threshold`` are the values as evaluated; :func:`plain` makes
    them JSON-friendly, which only the checks that end up in a report need.
    """

    text: str
    op: str
    left: str
    actual: Any
    right: str
    threshold: Any
    result: bool | Unknown


Trace = list[Check]

#: ``Located(value, path)``, for the evaluator's hot paths: every record read is located
new_located = positional(Located)

#: ``Check(text, op, left, actual, right, threshold, result)``: an explanation traces
#: every comparison it makes, so checks are built without attrs' ``__init__``
new_check = positional(Check)


def _located(value: Any, path: str) -> Any:
    how = _HOW.get(type(value)) or _learn(value)
    if how is _AS_IS:
        return value
    if how is _LOCATE:
        return new_located(value, path)
    if how is _ENUM:
        return value.value
    return float(value)  # a Decimal


# How _located treats each class, worked out once per class: classes never change,
# and isinstance against Mapping (an ABC) is slow on the evaluator's hottest path.
_AS_IS, _LOCATE, _ENUM, _DECIMAL = "as is", "locate", "enum", "decimal"
_HOW: dict[type, str] = {}


def _learn(value: Any) -> str:
    how = _HOW[type(value)] = _how_to_locate(value)
    return how


def _how_to_locate(value: Any) -> str:
    # An Unknown inside a derived value (one unrated period of a series) stays unknown.
    if isinstance(value, Located | Unknown) or value is None:
        return _AS_IS
    if isinstance(value, Enum):
        return _ENUM
    if isinstance(value, bool | str | date | int | float):
        return _AS_IS
    if isinstance(value, Decimal):
        return _DECIMAL
    if isinstance(value, tuple | list | Mapping) or attrs.has(type(value)):
        return _LOCATE
    return _AS_IS


#: values JSON holds as they are
_PLAIN_JSON = frozenset({type(None), bool, int, float, str})
#: values that are never unknown and never need their path
_PLAIN = frozenset({bool, int, float, str, date})


class _KindFacts(dict[type, bool]):
    """A fact about classes, worked out once per class on its first lookup.

    Facts about classes never change, so they are shared. Looking one up is a
    dict subscript, done in C, rather than a Python call: the evaluator asks
    millions of times. ``get`` answers only for the classes already met.
    """

    def __init__(self, test: Callable[[type], bool]) -> None:
        super().__init__()
        self._test = test

    def __missing__(self, kind: type) -> bool:
        known = self[kind] = self._test(kind)
        return known


#: attrs.has per class
_RECORD_KINDS = _KindFacts(attrs.has)
_is_record: Callable[[type], bool] = _RECORD_KINDS.__getitem__


#: Fields that identify a record that has no id, most telling first.
_KEY_FIELDS = ("partner", "respondent_org", "period", "type", "resource", "date", "assessed")


def record_key(record: Any, path: str) -> dict[str, Any]:
    """How evidence names a record: by its id, else by its identifying fields.

    Never by position, so that reordering the records of a fact file leaves the
    output unchanged; the position is the last resort for a record with no key.
    """
    ident = getattr(record, "id", None)
    if ident is not None:
        return {"id": plain(ident)}
    key = {
        name: plain(getattr(record, name))
        for name in _KEY_FIELDS
        if getattr(record, name, None) is not None
    }
    return {"key": key} if key else {"path": path}


def plain(value: Any) -> Any:
    """A JSON-friendly form of an evaluated value, for evidence and messages."""
    kind = type(value)
    if kind in _PLAIN_JSON:
        return value
    if kind is Located:
        inner = value.value
        if _is_record(type(inner)):
            return record_key(inner, value.path)
        if _is_table(type(inner)):
            return {
                str(k): plain(_located(v, f"{value.path}.{k}")) for k, v in sorted(inner.items())
            }
        return [plain(_located(v, f"{value.path}[{i}]")) for i, v in enumerate(inner)]
    if isinstance(value, Unknown):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if _is_table(type(value)):
        # Function results such as entries() hold located records inside plain tables.
        return {str(k): plain(v) for k, v in value.items()}
    return value


def items_of(value: Located | Sequence[Any] | Mapping[Any, Any]) -> list[Any]:
    """The items of a collection: records stay located so their fields can be read."""
    if type(value) is Located:
        inner = value.value
        path = value.path
        if _is_table(type(inner)):
            return [_located(inner[k], f"{path}.{k}") for k in sorted(inner)]
        # _located inlined: a collection's items are mostly records of one class, and a
        # value kept as it is needs no path.
        located: list[Any] = []
        append = located.append
        how_of = _HOW.get
        for i, v in enumerate(inner):
            how = how_of(type(v))
            if how is _LOCATE:
                append(new_located(v, f"{path}[{i}]"))
            elif how is _AS_IS:
                append(v)
            else:
                append(_located(v, f"{path}[{i}]"))
        return located
    if _is_table(type(value)):
        table: Mapping[Any, Any] = value  # type: ignore[assignment]
        return [table[k] for k in sorted(table)]
    items: Sequence[Any] = value  # type: ignore[assignment]
    return list(items)


def root_value(name: str, ctx: Context) -> Any:
    if name == "as_of":
        return ctx.as_of
    if not hasattr(ctx.partnership, name):
        # A top-level name that only derived facts use (e.g. an emitted one).
        if name in ctx.facts.derived:
            return ctx.derived(name)
        return Located(None, name) if name in ctx.namespaces() else None
    return ctx.wrap(getattr(ctx.partnership, name), name)


def read_field(obj: Any, name: str, ctx: Context) -> Any:
    if type(obj) is Located:
        inner = obj.value
        record = _is_record(type(inner))
        if record:
            # The hot path: a field of a stated record. A plain value needs no path.
            value = getattr(inner, name, _ABSENT)
            if value is not _ABSENT:
                if type(value) in _PLAIN:
                    return value
                return ctx.wrap(value, f"{obj.path}.{name}")
        path = f"{obj.path}.{name}"
        if path in ctx.facts.derived:
            return ctx.derived(path)
        if path in ctx.namespaces():
            return Located(None, path)
        if not record and _is_table(type(inner)):
            if name not in inner and (missing := _not_stated(ctx, path)) is not None:
                return missing
            return ctx.wrap(inner.get(name), path)
        return None
    if type(obj) is Unknown:
        if obj.path is None:
            return obj
        # A derived fact may be known where the table it hangs under is not stated.
        path = f"{obj.path}.{name}"
        if path in ctx.facts.derived:
            return ctx.derived(path)
        if path in ctx.namespaces():
            return Located(None, path)
        return Unknown(obj.reasons, path=path)
    if obj is not None and _is_table(type(obj)):  # a finding record, or a function's table
        return obj.get(name)
    return None


def _is_mapping(kind: type) -> bool:
    return issubclass(kind, Mapping)


#: whether a class is a Mapping, per class (an ABC check is slow on the hot path)
_TABLE_KINDS = _KindFacts(_is_mapping)
_is_table: Callable[[type], bool] = _TABLE_KINDS.__getitem__


_ABSENT = object()
_HEAD = re.compile(r"[.\[]")


def _not_stated(ctx: Context, path: str) -> Unknown | None:
    """A key absent from a table the fact file states is not stated, so unknown.

    Tables the enrichers build are different: a category with no escalations is
    simply not in ``escalations.by_category_h``, and that means none. So are the
    tables functions return, whose paths start with the call, not a fact.
    """
    root = _HEAD.split(path, maxsplit=1)[0]
    if not hasattr(ctx.partnership, root):
        return None
    head = path
    while True:
        if head in ctx.facts.derived:
            return None
        cut = max(head.rfind("."), head.rfind("["))
        if cut <= 0:
            break
        head = head[:cut]
    return Unknown(frozenset({f"{path} is unknown (not stated in the fact file)"}), path=path)


def read_at(obj: Any, key: Any, ctx: Context) -> Any:
    if obj is None or type(obj) is Unknown or type(key) is Unknown or key is None:
        return merge_unknown((obj, key)) if type(obj) is Unknown or type(key) is Unknown else None
    if isinstance(obj, Located):
        inner = obj.value
        if _is_table(type(inner)):
            path = f"{obj.path}.{key}"
            if key not in inner and (missing := _not_stated(ctx, path)) is not None:
                return missing
            return ctx.wrap(inner.get(key), path)
        if isinstance(inner, tuple | list) and isinstance(key, int | float) and int(key) == key:
            index = int(key)
            return (
                _located(inner[index], f"{obj.path}[{index}]")
                if -len(inner) <= index < len(inner)
                else None
            )
        return None
    if _is_table(type(obj)):
        return obj.get(key)
    if isinstance(obj, list) and isinstance(key, int | float) and int(key) == key:
        index = int(key)
        return obj[index] if -len(obj) <= index < len(obj) else None
    return None


def arithmetic(op: str, left: Any, right: Any) -> Any:
    if type(left) is Unknown or type(right) is Unknown:
        return merge_unknown((left, right))
    if left is None or right is None:
        return None
    if isinstance(left, date) or isinstance(right, date):
        return _date_arith(op, left, right)
    if (
        isinstance(left, bool)
        or isinstance(right, bool)
        or not (isinstance(left, int | float) and isinstance(right, int | float))
    ):
        return None
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    elif op == "*":
        result = left * right
    elif right == 0:
        return None  # no value, not a crash: a ratio of nothing is missing
    elif op == "/":
        result = left / right
    else:
        result = left % right
    return _finite(result)


def _finite(value: Any) -> Any:
    """A number too large for a float has no value (durable_rules and JSON have no infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _date_arith(op: str, left: Any, right: Any) -> Any:
    if isinstance(left, date) and isinstance(right, date):
        return (left - right).days if op == "-" else None
    try:
        if isinstance(left, date) and isinstance(right, int | float) and op in "+-":
            days = timedelta(days=int(right))
            return left + days if op == "+" else left - days
        if isinstance(right, date) and isinstance(left, int | float) and op == "+":
            return right + timedelta(days=int(left))
    except (OverflowError, ValueError):
        return None  # no calendar date that far away
    return None


def call_function(function: Function, text: str, args: list[Any]) -> Any:
    """*function* applied to evaluated *args*, in three-valued logic (*text*: the call)."""
    # One pass over the arguments, allocating nothing for the usual ones: records of
    # a list are located (never a table), and a value that is not located is passed as is.
    uncertain: list[Any] | None = None
    unknown = missing = located = False
    for arg in args:
        kind = type(arg)
        if kind is Located:
            located = True
        elif kind is Unknown:
            unknown = True
        elif arg is None:
            missing = True
        elif isinstance(arg, list):
            for item in arg:
                item_kind = type(item)
                if item_kind is not Located and _is_table(item_kind) and MAYBE in item:
                    if uncertain is None:
                        uncertain = []
                    uncertain.append(item[MAYBE])
    if uncertain:
        return merge_unknown(uncertain)
    if not function.handles_missing:
        if unknown:
            return merge_unknown(args)
        if missing:
            return None
    values = [_argument(a) for a in args] if located else args
    try:
        result = function.impl(*values)
    except Exception as error:  # a function must not take the assessment down
        # Its failure is the reason the value is unknown. It is not a diagnostic:
        # the two backends evaluate different subsets of the values, and their
        # output must not differ.
        return Unknown(frozenset({f"{function.name}() failed: {error!r}"}))
    return _located(result, text) if _is_table(type(result)) else result


def _argument(value: Any) -> Any:
    if isinstance(value, Located):
        inner = value.value
        if _is_table(type(inner)):
            return {k: _located(v, f"{value.path}.{k}") for k, v in inner.items()}
        if isinstance(inner, tuple | list):
            return items_of(value)
        return value
    return value


def reduce_values(func: str, values: list[Any]) -> Any:
    """The value of a counting or numeric aggregate over the kept items' values."""
    if func == "count":
        return len(values)
    if any(type(v) is Unknown for v in values):
        return merge_unknown(values)
    present = [v for v in values if v is not None]
    if func == "sum":
        # fsum is exact, so the total does not depend on the order of the records.
        if any(isinstance(v, float) for v in present):
            try:
                return _finite(math.fsum(present))
            except OverflowError:
                return None
        return sum(present)
    if not present:
        return None
    if func == "min":
        return min(present)
    if func == "max":
        return max(present)
    try:
        if func == "mean":
            return _finite(statistics.fmean(present))
        return _finite(float(statistics.median(present)))
    except OverflowError:
        return None


def within(value: Any, window: Any, as_of: date) -> Any:
    """Whether the date *value* lies in the *window* days up to *as_of*."""
    if type(value) is Unknown or type(window) is Unknown:
        return merge_unknown((value, window))
    if value is None or window is None or not isinstance(value, date):
        return None
    return 0 <= (as_of - value).days <= window


def _kleene(results: Iterable[bool | Unknown], decisive: bool) -> bool | Unknown:
    """``and`` (*decisive* False) or ``or`` (True) of *results* in Kleene logic."""
    unknown: list[Unknown] = []
    for result in results:
        if result is decisive:
            return decisive
        if type(result) is Unknown:
            unknown.append(result)
    return merge_unknown(unknown) if unknown else not decisive


def kleene_and(results: Iterable[bool | Unknown]) -> bool | Unknown:
    return _kleene(results, False)


def kleene_or(results: Iterable[bool | Unknown]) -> bool | Unknown:
    return _kleene(results, True)


def compare(op: str, left: Any, right: Any) -> bool | Unknown:
    if type(left) is Unknown or type(right) is Unknown:
        return merge_unknown((left, right))
    if left is None or right is None:
        return False  # a comparison with a missing value is false, and so is its negation
    if op in ("in", "not in"):
        members = _members(right)
        found = scalar(left) in members
        if not found and any(type(m) is Unknown for m in members):
            # It may be the member nobody knows.
            return merge_unknown(members)
        return found if op == "in" else not found
    # scalar() inlined, and the usual case first: two values of one class.
    if type(left) is Located:
        inner = left.value
        left = getattr(inner, "id", inner) if _is_record(type(inner)) else inner
    if type(right) is Located:
        inner = right.value
        right = getattr(inner, "id", inner) if _is_record(type(inner)) else inner
    if type(left) is not type(right) and _kind(left) != _kind(right):
        return op == "!="
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def scalar(value: Any) -> Any:
    if type(value) is Located:
        inner = value.value
        return getattr(inner, "id", inner) if _is_record(type(inner)) else inner
    return value


def _members(value: Any) -> list[Any]:
    if isinstance(value, Located):
        inner = value.value
        if _is_table(type(inner)):
            return [str(k.value if isinstance(k, Enum) else k) for k in inner]
        return [scalar(_located(v, value.path)) for v in inner]
    if _is_table(type(value)):
        return list(value)
    if isinstance(value, list | tuple):
        return [scalar(v) for v in value]
    return []


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, date):
        return "date"
    if isinstance(v, str):
        return "string"
    return type(v).__name__


def _same_kind(left: Any, right: Any) -> bool:
    return type(left) is type(right) or _kind(left) == _kind(right)
