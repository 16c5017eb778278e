"""The fast path for valid fact files: structuring without error bookkeeping.

Nearly every file realign reads is valid, and for a valid file the detailed path
(``_convert``) spends most of its time on machinery that only an error report
needs: cattrs dispatch, a try block and a note per field, problem lists. Here
each model class gets one structuring function, generated once from its field
types, that checks every value exactly as the detailed hooks do and builds the
objects directly. It knows nothing about reporting: on the first value it does
not accept, or on anything it was not written for, it gives up, and the caller
runs the detailed path, which then finds and locates every problem.

So this path may only ever be *stricter* than the detailed one (a refusal costs
time, never correctness), and what it builds must be the same objects, down to
the type of every number and the order of every mapping.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum, StrEnum
from typing import Any, NewType

import attrs

from ..model import Partnership, scales
from ._convert import _ISO_DATE

__all__ = ["fast_partnership"]

#: Unbounded scales stop here on this path: larger values are left to the detailed
#: path, which knows what to say about integers too large for a float. A fact
#: file never comes near either limit.
_INT_LIMIT = 2**53
_FLOAT_LIMIT = sys.float_info.max


#: The type of a default written with ``factory=``.
_FACTORY: type[Any] = type(attrs.Factory(list))


#: What ``d.get`` gives for a key the file does not write (``None`` is a value in JSON).
_ABSENT = object()


class _Refused(Exception):
    """The fast path does not accept this input; the detailed path decides."""


def _refuse() -> Any:
    raise _Refused


class _Matched:
    """A pattern check that remembers the strings it accepted.

    The same ids and periods recur all through a file (every reference repeats
    one) and from file to file, and a set lookup costs a fraction of a match.
    """

    #: Past this many remembered strings the memory starts over.
    LIMIT = 4096

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.seen: set[str] = set()
        self._match = pattern.fullmatch

    def check(self, value: Any) -> str:
        if type(value) is not str or self._match(value) is None:
            raise _Refused
        if len(self.seen) >= self.LIMIT:
            self.seen.clear()
        self.seen.add(value)
        return value


class _Dates:
    """ISO dates read before, by their text.

    A file repeats its dates (a meeting day, a quarter's end), and so do files of
    one partnership; a dictionary lookup costs a fraction of the match and parse.
    """

    #: Past this many remembered dates the memory starts over.
    LIMIT = 4096

    def __init__(self) -> None:
        self.seen: dict[str, dt.date] = {}

    def read(self, value: Any) -> dt.date:
        if type(value) is str and _ISO_DATE.fullmatch(value) is not None:
            day = dt.date.fromisoformat(value)
            if len(self.seen) >= self.LIMIT:
                self.seen.clear()
            self.seen[value] = day
            return day
        if type(value) is dt.date:
            return value
        raise _Refused


class _Unsupported(Exception):
    """A field type this generator has no code for."""


class _Generator:
    """Writes one structuring function per attrs class, into one shared namespace."""

    def __init__(self) -> None:
        dates = _Dates()
        self.namespace: dict[str, Any] = {
            "_R": _refuse,
            "_absent": _ABSENT,
            # Only ISO date texts are remembered, and only text equals text: a date or
            # anything else misses and is judged by read(), an unhashable value makes
            # get() raise (a refusal), and a str subclass reads as the detailed hook reads it.
            "_known_date": dates.seen.get,
            "_read_date": dates.read,
            "_new": object.__new__,
            "_tuple": tuple,
            "_map": map,
            "_dict": dict,
            "_list": list,
            "_str": str,
            "_int": int,
            "_float": float,
            "_bool": bool,
        }
        self.classes: dict[type, str] = {}
        self._patterns: dict[re.Pattern[str], tuple[str, str]] = {}
        self._constants: dict[int, str] = {}

    def constant(self, value: object, stem: str) -> str:
        """A namespace name for *value*, one per object."""
        key = id(value)
        if key not in self._constants:
            name = f"_{stem}{len(self._constants)}"
            self.namespace[name] = value
            self._constants[key] = name
        return self._constants[key]

    def structure(self, cls: type) -> Callable[[Any], Any]:
        self.function(cls)
        fn: Callable[[Any], Any] = self.namespace[self.classes[cls]]
        return fn

    def function(self, cls: type) -> str:
        """The name of the structuring function of *cls*, generating it on first use."""
        if cls in self.classes:
            return self.classes[cls]
        name = f"_s_{cls.__name__}_{len(self.classes)}"
        self.classes[cls] = name
        hints = typing.get_type_hints(cls)
        fields = attrs.fields(cls)
        keys = self.constant(frozenset(f.name for f in fields), "keys")
        built = self.constant(cls, "cls")
        slots = _slots(cls)
        lines = [
            f"def {name}(d):",
            f"    if type(d) is not _dict or not d.keys() <= {keys}:",
            "        _R()",
            f"    o = _new({built})" if slots else "    kw = {}",
        ]
        for field in fields:
            if slots:
                # The slot's own setter: what __init__ calls, minus the validators.
                put = self.constant(slots[field.name].__set__, "put")
                store = f"{put}(o, {{}})"
            else:
                store = f"kw[{field.name!r}] = {{}}"
            lines.extend(self._field(field, hints[field.name], store, direct=bool(slots)))
        lines.append("    return o" if slots else f"    return {built}(**kw)")
        exec("\n".join(lines), self.namespace)
        return name

    def _field(
        self, field: attrs.Attribute[Any], hint: Any, store: str, *, direct: bool
    ) -> list[str]:
        """Lines that read *field* from ``d`` and pass it to *store* (a format string)."""
        key = repr(field.name)
        try:
            value = self.expression(hint, "v", 0)
        except _Unsupported:
            value = "_R()"
        default = field.default
        if default is attrs.NOTHING:
            return [f"    v = d[{key}]", "    " + store.format(value)]
        if default is None and _optional_inner(hint) is not None:
            # An omitted optional value and an explicit null both read as None.
            return [f"    v = d.get({key})", "    " + store.format(value)]
        if direct:
            if isinstance(default, _FACTORY):
                fallback = f"{self.constant(default.factory, 'factory')}()"
            else:
                fallback = self.constant(default, "default")
            # One lookup where "in" and then [] would make two.
            return [
                f"    v = d.get({key}, _absent)",
                "    " + store.format(f"({fallback} if v is _absent else {value})"),
            ]
        return [f"    if {key} in d:", f"        v = d[{key}]", "        " + store.format(value)]

    def expression(self, t: Any, var: str, depth: int) -> str:
        """Python source that structures the value named *var* as *t*, or calls _R()."""
        inner = _optional_inner(t)
        if inner is not None:
            return f"(None if {var} is None else {self.expression(inner, var, depth)})"
        if isinstance(t, NewType):
            if t not in scales.BOUNDS:
                raise _Unsupported(t)
            return self._bounded(scales.BOUNDS[t], var)
        if t is str or t is int or t is bool:
            return f"({var} if type({var}) is _{t.__name__} else _R())"
        if t is float:
            return self._number(var, None, None)
        if t is dt.date:
            return f"(_known_date({var}) or _read_date({var}))"
        if isinstance(t, type) and issubclass(t, StrEnum):
            return self._enum(t, var)
        if isinstance(t, type) and attrs.has(t):
            return f"{self.function(t)}({var})"
        origin = typing.get_origin(t)
        args = typing.get_args(t)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            item = f"x{depth}"
            each = self.expression(args[0], item, depth + 1)
            if each == f"{self._call_name(args[0])}({item})":
                built = f"_tuple(_map({self._call_name(args[0])}, {var}))"
            else:
                built = f"_tuple([{each} for {item} in {var}])"
            return f"({built} if type({var}) is _list else _R())"
        if origin in (Mapping, dict, typing.Mapping) and len(args) == 2:
            k, x = f"k{depth}", f"x{depth}"
            key = self.expression(args[0], k, depth + 1)
            value = self.expression(args[1], x, depth + 1)
            built = f"{{{key}: {value} for {k}, {x} in {var}.items()}}"
            return f"({built} if type({var}) is _dict else _R())"
        raise _Unsupported(t)

    def _call_name(self, t: Any) -> str | None:
        return self.classes.get(t) if isinstance(t, type) else None

    def _enum(self, enum_type: type[StrEnum], var: str) -> str:
        if getattr(enum_type._missing_, "__func__", None) is not Enum._missing_.__func__:  # type: ignore[attr-defined]
            # A vocabulary that maps other spellings to members: ask it, as the hook does.
            return f"({self.constant(enum_type, 'enum')}({var}) if type({var}) is _str else _R())"
        members = {member.value: member for member in enum_type.__members__.values()}
        return f"({self.constant(members, 'members')}[{var}] if type({var}) is _str else _R())"

    def _bounded(self, bound: scales.Bound, var: str) -> str:
        if bound.pattern is not None:
            known = self._patterns.get(bound.pattern)
            if known is None:
                matched = _Matched(bound.pattern)
                known = (self.constant(matched.seen, "seen"), self.constant(matched.check, "match"))
                self._patterns[bound.pattern] = known
            seen, check = known
            return f"({var} if type({var}) is _str and {var} in {seen} else {check}({var}))"
        if bound.base is int:
            low = _INT_LIMIT * -1 if bound.low is None else bound.low
            high = _INT_LIMIT if bound.high is None else bound.high
            return f"({var} if type({var}) is _int and {low!r} <= {var} <= {high!r} else _R())"
        if bound.base is float:
            return self._number(var, bound.low, bound.high)
        raise _Unsupported(bound)

    def _number(self, var: str, low: float | None, high: float | None) -> str:
        # Comparisons turn NaN, the infinities and ints beyond a float away, as the
        # detailed hook's finiteness test does; a 4 on a float scale is read as 4.0.
        low_text = repr(-_FLOAT_LIMIT if low is None else low)
        high_text = repr(_FLOAT_LIMIT if high is None else high)
        within = f"{low_text} <= {var} <= {high_text}"
        return (
            f"({var} if type({var}) is _float and {within}"
            f" else _float({var}) if type({var}) is _int and {within} else _R())"
        )


def _optional_inner(t: Any) -> Any:
    """X for ``X | None`` (or ``Optional[X]``), else None."""
    if typing.get_origin(t) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(t) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(t)) == 2:
            return args[0]
    return None


def _slots(cls: type) -> dict[str, Any]:
    """The slot of each field, if *cls* may be built by filling them, skipping ``__init__``.

    Only when ``__init__`` would do nothing more: no converters, hooks, aliases or
    self-taking factories, and no validator beyond the scale checks this path
    makes itself. Otherwise empty, and the class is built through ``__init__``.
    """
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return {}
    hints = typing.get_type_hints(cls)
    slots: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.converter is not None or not field.init or field.alias != field.name:
            return {}
        if field.on_setattr not in (None, attrs.setters.NO_OP):
            return {}
        if isinstance(field.default, _FACTORY) and field.default.takes_self:
            return {}
        if field.validator is not None and not _implied(field.validator, hints[field.name]):
            return {}
        slot = next((k.__dict__[field.name] for k in cls.__mro__ if field.name in k.__dict__), None)
        if not isinstance(slot, types.MemberDescriptorType):
            return {}
        slots[field.name] = slot
    return slots


def _implied(validator: object, hint: Any) -> bool:
    """Whether *validator* only re-checks the scale this path checks for a *hint* field."""
    made = scales.scale_of(validator)
    if made is None:
        return False
    shape, kind = made
    args = typing.get_args(hint)
    if shape == "one":
        return hint is kind or _optional_inner(hint) is kind
    if shape == "items":
        return typing.get_origin(hint) is tuple and args == (kind, Ellipsis)
    return typing.get_origin(hint) in (Mapping, dict) and len(args) == 2 and args[1] is kind


def _make() -> Callable[[Any], Any]:
    return _Generator().structure(Partnership)


_STRUCTURE = _make()


def fast_partnership(data: Mapping[str, Any]) -> Partnership | None:
    """The partnership *data* describes, or None if the detailed path must decide."""
    try:
        facts: Partnership = _STRUCTURE(data)
    except Exception:
        # Any refusal or surprise, including errors the detailed path reports as
        # problems (a KeyError for a missing field, an overflow): that path decides.
        return None
    return facts
