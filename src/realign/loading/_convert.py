"""Structuring plain data into the fact model with cattrs, collecting every problem.

cattrs is used in detailed-validation mode, and every leaf type has a strict
hook: TOML and JSON already give typed values, so a string where a number is
expected is a mistake to report, never something to coerce.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import StrEnum
from functools import cache
from typing import Any, NewType

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, IterableValidationNote
from cattrs.gen import make_dict_structure_fn

from ..errors import Problem, closest
from ..model import scales

__all__ = ["Mismatch", "describe", "issues_from", "make_converter", "unknown_keys"]

Path = tuple[str | int, ...]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Mismatch(ValueError):
    """A value of the wrong type or outside its scale."""

    def __init__(
        self, expected: str, value: object, hint: str | None = None, *, code: str = "type"
    ) -> None:
        self.code = code
        self.expected = expected
        self.found = describe(value)
        self.hint = hint
        super().__init__(f"expected {expected}, found {self.found}")


def describe(value: object) -> str:
    """A short, safe rendering of *value* and its kind for error messages."""
    kinds = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        dt.datetime: "a date-time",
        dt.date: "a date",
        dt.time: "a time",
        list: "an array",
        dict: "a table",
    }
    if value is None:
        return "null"
    kind = next((k for t, k in kinds.items() if type(value) is t), type(value).__name__)
    if isinstance(value, list | dict):
        return kind
    text = repr(value) if not isinstance(value, dt.date | dt.time) else value.isoformat()
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{kind} {text}"


def _strict_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise Mismatch("a string", value)
    return value


def _strict_int(value: Any, _: type) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Mismatch("an integer", value)
    return value


def _strict_float(value: Any, _: type) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise Mismatch("a finite number", value)
    return float(value)


def _strict_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise Mismatch("true or false", value)
    return value


def _date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise Mismatch("a valid calendar date", value, str(exc)) from None
    raise Mismatch("a date YYYY-MM-DD", value)


def _enum(value: Any, enum_type: type[StrEnum]) -> StrEnum:
    if isinstance(value, str):
        try:
            return enum_type(value)
        except ValueError:
            pass
    members = [m.value for m in enum_type]
    guess = closest(value, members) if isinstance(value, str) else None
    expected = "one of " + ", ".join(repr(m) for m in members)
    raise Mismatch(expected, value, f"did you mean {guess!r}?" if guess else None)


def _newtype_hook(kind: Any) -> Any:
    bound = scales.BOUNDS[kind]

    def structure(value: Any, _: type) -> Any:
        if not bound.accepts(value):
            kind = {str: str, int: int, float: int | float}[bound.base]
            right_kind = isinstance(value, kind) and not isinstance(value, bool)
            raise Mismatch(bound.expected, value, code="range" if right_kind else "type")
        # A 1-5 score written as 4 in TOML is the number 4.0 on a float scale.
        return float(value) if bound.base is float else value

    return structure


def make_converter() -> cattrs.Converter:
    """A converter that structures fact-model classes strictly and reports every problem."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(float, _strict_float)
    converter.register_structure_hook(bool, _strict_bool)
    # StrEnum precedes str in every vocabulary's MRO, so this wins over the str hook.
    converter.register_structure_hook(StrEnum, _enum)
    converter.register_structure_hook(dt.date, _date)
    for kind in scales.BOUNDS:
        converter.register_structure_hook(kind, _newtype_hook(kind))
    converter.register_structure_hook_factory(_is_mapping, lambda t: _mapping_hook(converter, t))
    converter.register_structure_hook_factory(_is_sequence, lambda t: _sequence_hook(converter, t))
    converter.register_structure_hook_factory(attrs.has, lambda t: _table_hook(converter, t))
    return converter


def _table_hook(converter: cattrs.Converter, cls: type) -> Any:
    # cattrs would index into whatever it is given; check the shape first so that
    # an array or a number where a table belongs reads as one clear problem.
    generated: Any = make_dict_structure_fn(cls, converter)

    def structure(value: Any, _: type) -> Any:
        if not isinstance(value, Mapping):
            raise Mismatch("a table", value)
        return generated(value, cls)

    return structure


def _is_sequence(t: Any) -> bool:
    return typing.get_origin(t) is tuple


def _sequence_hook(converter: cattrs.Converter, t: Any) -> Any:
    (item_type, *_) = typing.get_args(t)

    def structure(value: Any, _: type) -> tuple[Any, ...]:
        # A string is iterable, but "corvid" is not a list of partners.
        if not isinstance(value, list | tuple):
            raise Mismatch("an array", value)
        items = _each(
            t,
            enumerate(value),
            lambda pair: converter.structure(pair[1], item_type),
            lambda pair: pair[0],
        )
        return tuple(items)

    return structure


def _is_mapping(t: Any) -> bool:
    return typing.get_origin(t) in (Mapping, dict, typing.Mapping)


def _mapping_hook(converter: cattrs.Converter, t: Any) -> Any:
    key_type, value_type = typing.get_args(t)

    def structure(value: Any, _: type) -> dict[Any, Any]:
        if not isinstance(value, Mapping):
            raise Mismatch("a table", value)
        pairs = _each(
            t,
            value.items(),
            lambda kv: (
                converter.structure(kv[0], key_type),
                converter.structure(kv[1], value_type),
            ),
            lambda kv: kv[0],
        )
        return dict(pairs)

    return structure


def _each(
    t: Any, items: Iterable[Any], structure: Callable[[Any], Any], step: Callable[[Any], Any]
) -> list[Any]:
    """Structure every item, and raise all their errors together, each noted with its step."""
    out: list[Any] = []
    errors: list[Exception] = []
    for item in items:
        try:
            out.append(structure(item))
        except Exception as exc:
            where = step(item)
            exc.__notes__ = [IterableValidationNote(f"at {where!r}", where, t)]
            errors.append(exc)
    if errors:
        msg = f"While structuring {t}"
        raise cattrs.IterableValidationError(msg, errors, t)
    return out


def issues_from(exc: BaseException, path: Path = ()) -> Iterator[tuple[Path, BaseException]]:
    """Flatten a cattrs validation error tree into (path, leaf error) pairs."""
    if isinstance(exc, BaseExceptionGroup):
        for sub in exc.exceptions:
            step: Path = ()
            for note in getattr(sub, "__notes__", ()):
                if isinstance(note, AttributeValidationNote):
                    step = (note.name,)
                elif isinstance(note, IterableValidationNote):
                    step = (note.index,)
            yield from issues_from(sub, path + step)
    else:
        yield path, exc


def leaf_problem(source: str, path: Path, exc: BaseException) -> Problem:
    """Turn one leaf structuring error into a Problem (location added later)."""
    if isinstance(exc, Mismatch):
        return Problem(
            source=source,
            code=exc.code,
            path=path,
            message="invalid value",
            expected=exc.expected,
            found=exc.found,
            hint=exc.hint,
        )
    if isinstance(exc, KeyError):
        return Problem(
            source=source, code="missing", path=path, message="required field is missing"
        )
    if isinstance(exc, AttributeError | TypeError) and "items" in str(exc):
        return Problem(
            source=source, code="type", path=path, message="invalid value", expected="a table"
        )
    return Problem(source=source, code="invalid", path=path, message=str(exc))


# --- unknown keys ---------------------------------------------------------------------


@cache
def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in attrs.fields(cls)}


def _unwrap(t: Any) -> Any:
    """Strip Optional and NewType wrappers."""
    while True:
        if isinstance(t, NewType):
            t = t.__supertype__
            continue
        if typing.get_origin(t) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            if len(args) == 1:
                t = args[0]
                continue
        return t


@cache
def _nested(cls: type) -> dict[str, tuple[bool, type | None]]:
    """Per field: (is a collection, the attrs class inside it or None). Computed once."""
    out: dict[str, tuple[bool, type | None]] = {}
    for name, field_type in _field_types(cls).items():
        inner = _unwrap(field_type)
        many = typing.get_origin(inner) is tuple
        if many:
            inner = _unwrap(typing.get_args(inner)[0])
        out[name] = (many, inner if attrs.has(inner) else None)
    return out


def unknown_keys(data: Any, cls: type, path: Path = ()) -> Iterator[tuple[Path, str, str | None]]:
    """Yield (path, key, closest known key) for every key the model does not define."""
    if not isinstance(data, Mapping):
        return
    fields = _nested(cls)
    for key, value in data.items():
        if key not in fields:
            yield (*path, key), key, closest(str(key), fields)
            continue
        many, inner = fields[key]
        if inner is None:
            continue
        if not many:
            yield from unknown_keys(value, inner, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from unknown_keys(item, inner, (*path, key, index))


@cache
def fact_paths(cls: type, prefix: str = "") -> frozenset[str]:
    """Every dotted field path of the model (without indices), e.g. ``culture.profiles``."""
    out: set[str] = set()
    for name, field_type in _field_types(cls).items():
        here = f"{prefix}{name}"
        out.add(here)
        inner = _unwrap(field_type)
        if typing.get_origin(inner) is tuple:
            inner = _unwrap(typing.get_args(inner)[0])
        if attrs.has(inner):
            out |= fact_paths(inner, here + ".")
    return frozenset(out)
