"""The value operations of :mod:`realign.engine.reading` against plain formulations.

The module's functions are written for speed (type dispatch, inlined helpers, no
allocation on the usual paths). Each is held here to a straightforward statement
of what it must do, over generated values of every kind the evaluator meets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from realign.engine import reading
from realign.engine.reading import MAYBE, Located
from realign.rules.functions import Function
from realign.rules.types import ANY
from realign.rules.values import Unknown, merge_unknown


class Colour(Enum):
    RED = "red"
    GREEN = "green"


@attrs.frozen
class Record:
    id: Any
    name: Any = None


@attrs.frozen
class Keyed:
    partner: Any = None
    period: Any = None


# --- the reference formulations -------------------------------------------------


def ref_is_table(kind: type) -> bool:
    return issubclass(kind, Mapping)


def ref_is_record(kind: type) -> bool:
    return attrs.has(kind)


def ref_located(value: Any, path: str) -> Any:
    if isinstance(value, Located | Unknown) or value is None:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool | str | date | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple | list | Mapping) or attrs.has(type(value)):
        return Located(value, path)
    return value


def ref_plain(value: Any) -> Any:
    if isinstance(value, Located):
        inner = value.value
        if attrs.has(type(inner)):
            return reading.record_key(inner, value.path)
        if isinstance(inner, Mapping):
            return {
                str(k): ref_plain(ref_located(v, f"{value.path}.{k}"))
                for k, v in sorted(inner.items())
            }
        return [ref_plain(ref_located(v, f"{value.path}[{i}]")) for i, v in enumerate(inner)]
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, Unknown):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [ref_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): ref_plain(v) for k, v in value.items()}
    return value


def ref_items_of(value: Any) -> list[Any]:
    if isinstance(value, Located):
        inner = value.value
        if isinstance(inner, Mapping):
            return [ref_located(inner[k], f"{value.path}.{k}") for k in sorted(inner)]
        return [ref_located(v, f"{value.path}[{i}]") for i, v in enumerate(inner)]
    if isinstance(value, Mapping):
        return [value[k] for k in sorted(value)]
    return list(value)


def ref_argument(value: Any) -> Any:
    if isinstance(value, Located):
        inner = value.value
        if isinstance(inner, Mapping):
            return {k: ref_located(v, f"{value.path}.{k}") for k, v in inner.items()}
        if isinstance(inner, tuple | list):
            return ref_items_of(value)
    return value


def ref_call_function(function: Function, text: str, args: list[Any]) -> Any:
    uncertain = []
    for arg in args:
        if isinstance(arg, list):
            for item in arg:
                if isinstance(item, Mapping) and MAYBE in item:
                    uncertain.append(item[MAYBE])
    if uncertain:
        return merge_unknown(uncertain)
    if not function.handles_missing:
        if any(isinstance(a, Unknown) for a in args):
            return merge_unknown(args)
        if any(a is None for a in args):
            return None
    values = [ref_argument(a) for a in args]
    try:
        result = function.impl(*values)
    except Exception as error:
        return Unknown(frozenset({f"{function.name}() failed: {error!r}"}))
    return ref_located(result, text) if isinstance(result, Mapping) else result


def ref_scalar(value: Any) -> Any:
    if isinstance(value, Located):
        inner = value.value
        return getattr(inner, "id", inner) if attrs.has(type(inner)) else inner
    return value


def ref_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, date):
        return "date"
    if isinstance(v, str):
        return "string"
    return type(v).__name__


def ref_members(value: Any) -> list[Any]:
    if isinstance(value, Located):
        inner = value.value
        if isinstance(inner, Mapping):
            return [str(k.value if isinstance(k, Enum) else k) for k in inner]
        return [ref_scalar(ref_located(v, value.path)) for v in inner]
    if isinstance(value, Mapping):
        return list(value)
    if isinstance(value, list | tuple):
        return [ref_scalar(v) for v in value]
    return []


def ref_compare(op: str, left: Any, right: Any) -> Any:
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return merge_unknown((left, right))
    if left is None or right is None:
        return False
    if op in ("in", "not in"):
        members = ref_members(right)
        found = ref_scalar(left) in members
        if not found and any(isinstance(m, Unknown) for m in members):
            return merge_unknown(members)
        return found if op == "in" else not found
    left, right = ref_scalar(left), ref_scalar(right)
    if type(left) is not type(right) and ref_kind(left) != ref_kind(right):
        return op == "!="
    operations = {
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    return bool(operations[op](left, right))


# --- comparing results ------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same classes all the way down; nan is the same as nan."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, Located):
        return a.path == b.path and same(a.value, b.value)
    if isinstance(a, Unknown):
        return a.reasons == b.reasons and a.path == b.path
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if attrs.has(type(a)):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a)))
    return bool(a == b)


def outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return ("value", fn(*args))
    except Exception as error:  # the same failure counts as the same behaviour
        return ("raised", type(error))


def same_outcome(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    if a[0] != b[0]:
        return False
    return a[1] is b[1] if a[0] == "raised" else same(a[1], b[1])


# --- generated values -------------------------------------------------------------

texts = st.sampled_from(["a", "b", "open", "x.y", ""]) | st.text(max_size=4)
unknowns = st.builds(
    Unknown,
    st.frozensets(st.sampled_from(["gap", "late", "not stated"]), max_size=2),
    path=st.none() | st.sampled_from(["t", "t.k"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=5) | st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 1, 9)),
    unknowns,
    st.sampled_from(list(Colour)),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=100, min_value=-100),
)
records = st.builds(Record, id=scalars, name=scalars) | st.builds(
    Keyed, partner=st.none() | texts, period=st.none() | texts
)
paths = st.sampled_from(["partners", "t", "x.y[2]", "f(a)"])


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    maybe = st.fixed_dictionaries({MAYBE: unknowns | st.booleans()}, optional={"v": children})
    tables = st.dictionaries(texts, children, max_size=3) | maybe
    collections = st.lists(children, max_size=3) | st.tuples(children, children)
    return st.one_of(
        tables,
        collections,
        st.builds(Located, tables | collections | records, paths),
    )


values = st.recursive(scalars | records, _extend, max_leaves=8)
collections_located = st.builds(
    Located,
    st.dictionaries(texts, values, max_size=4)
    | st.lists(values, max_size=4)
    | st.tuples(values, values, values),
    paths,
)


# --- the properties ---------------------------------------------------------------


@given(
    st.sampled_from([int, bool, str, dict, list, tuple, Record, Keyed, Located, Unknown, Colour])
)
def test_class_facts_agree_with_their_definitions(kind: type) -> None:
    assert reading._is_table(kind) is ref_is_table(kind)
    assert reading._is_record(kind) is ref_is_record(kind)
    # asked again, from what was learnt
    assert reading._is_table(kind) is ref_is_table(kind)
    assert reading._is_record(kind) is ref_is_record(kind)


@given(values, paths)
def test_located(value: Any, path: str) -> None:
    assert same(reading._located(value, path), ref_located(value, path))


@given(values)
def test_plain(value: Any) -> None:
    assert same_outcome(outcome(reading.plain, value), outcome(ref_plain, value))


@given(collections_located | st.lists(values, max_size=4) | st.tuples(values, values))
def test_items_of(value: Any) -> None:
    assert same_outcome(outcome(reading.items_of, value), outcome(ref_items_of, value))


def test_items_of_keeps_plain_items_and_locates_records() -> None:
    # A reformulation that dropped or mislocated an item must fail here too.
    record = Record(id="r1")
    got = reading.items_of(Located((1, record, Colour.RED, None, [2]), "xs"))
    assert same(got, [1, Located(record, "xs[1]"), "red", None, Located([2], "xs[4]")])


def _echo(*args: Any) -> Any:
    return ("args", args)


def _table(*args: Any) -> Any:
    return {"n": len(args), "first": args[0] if args else None}


def _fail(*args: Any) -> Any:
    raise ValueError(len(args))


@pytest.mark.parametrize("impl", [_echo, _table, _fail])
@pytest.mark.parametrize("handles_missing", [False, True])
@settings(max_examples=60)
@given(args=st.lists(values | collections_located | st.lists(values), max_size=3))
def test_call_function(impl: Any, handles_missing: bool, args: list[Any]) -> None:
    function = Function(
        name="f", params=(ANY,), returns=ANY, impl=impl, handles_missing=handles_missing
    )
    expected = outcome(ref_call_function, function, "f(x)", args)
    assert same_outcome(outcome(reading.call_function, function, "f(x)", list(args)), expected)


def test_call_function_sees_an_uncertain_record_in_a_list() -> None:
    function = Function(name="f", params=(ANY,), returns=ANY, impl=_echo)
    maybe = Unknown(frozenset({"may have fired"}))
    got = reading.call_function(function, "f(x)", [[Located(Record(1), "r"), {MAYBE: maybe}]])
    assert same(got, Unknown(frozenset({"may have fired"})))


OPS = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]


@given(st.sampled_from(OPS), values, values | collections_located)
def test_compare(op: str, left: Any, right: Any) -> None:
    assert same_outcome(
        outcome(reading.compare, op, left, right), outcome(ref_compare, op, left, right)
    )


@given(st.sampled_from(OPS), st.builds(Located, records, paths), values)
def test_compare_reads_a_record_by_its_id(op: str, left: Any, right: Any) -> None:
    assert same_outcome(
        outcome(reading.compare, op, left, right), outcome(ref_compare, op, left, right)
    )
    assert same_outcome(
        outcome(reading.compare, op, right, left), outcome(ref_compare, op, right, left)
    )


small_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=2),
    st.sampled_from([0.0, 1.5, -2.0, math.nan, math.inf]),
    st.sampled_from(["a", "b"]),
    st.sampled_from([date(2020, 1, 1), date(2020, 1, 2)]),
    unknowns,
)
located_records = st.builds(Located, st.builds(Record, id=small_scalars, name=small_scalars), paths)


@settings(max_examples=400)
@given(
    st.sampled_from(OPS),
    small_scalars | located_records,
    small_scalars | located_records | st.lists(small_scalars | located_records, max_size=3),
)
@example("<", 1, 2.0)
@example(">=", Located(Record(id="a"), "p[0]"), "a")
@example("==", "a", Located(Record(id="a"), "p[0]"))
@example("<", True, 1)
def test_compare_scalars(op: str, left: Any, right: Any) -> None:
    for a, b in ((left, right), (right, left)):
        assert same_outcome(outcome(reading.compare, op, a, b), outcome(ref_compare, op, a, b))


def test_a_mapping_that_is_not_a_dict_is_a_table() -> None:
    table = MappingProxyType({"b": 2, "a": Record(id=1)})
    located = Located(table, "t")
    assert same(reading.items_of(located), ref_items_of(located))
    assert same(reading.items_of(table), ref_items_of(table))
    assert same(reading.plain(located), ref_plain(located))
    assert reading._is_table(MappingProxyType) is True


@given(st.one_of(st.none(), st.integers(), st.text()), st.text())
def test_a_located_value_built_fast_is_what_init_makes(value: Any, path: str) -> None:
    built = reading.new_located(value, path)
    assert type(built) is Located
    assert built == Located(value, path)
    assert hash(built) == hash(Located(value, path))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.path = "elsewhere"  # type: ignore[misc]
