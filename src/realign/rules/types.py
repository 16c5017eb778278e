"""Static types of the condition language, and the vocabulary of fact paths.

The vocabulary says which fields exist where, so that ``realign check`` can
reject ``e.categry`` with a "did you mean" and ``as_of > 3`` as a type error
before anything runs. Stated fields come from the attrs fact model. Derived
facts come from the enrichers: each names its fact after the record or table
it describes (``decisions[2].latency_days``, ``culture.gaps``), so the
vocabulary hangs each one under that container, typed from its value.
"""

from __future__ import annotations

import enum
import functools
import re
import types
import typing
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ..model import Partnership

__all__ = [
    "ANY",
    "NAME",
    "BOOL",
    "DATE",
    "ENTRY",
    "NULL",
    "NUMBER",
    "SEVERITIES",
    "STRING",
    "EnumType",
    "ListType",
    "MapType",
    "RecordType",
    "Type",
    "Vocabulary",
    "compatible",
    "type_of_value",
]


@attrs.frozen
class Type:
    """A scalar type, or the root of the container types below."""

    name: str

    def __str__(self) -> str:
        return self.name


#: Severity levels, least to most severe (DOMAIN §0.4).
SEVERITIES = ("info", "low", "medium", "high", "critical")
#: a name rule sets give: areas, params, bindings
NAME = re.compile(r"[a-z_][a-z0-9_]*")

ANY = Type("any")
NUMBER = Type("number")
STRING = Type("string")
BOOL = Type("boolean")
DATE = Type("date")
NULL = Type("null")


@attrs.frozen
class EnumType(Type):
    """A string with a closed set of values, such as an escalation category."""

    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "string"


@attrs.frozen
class ListType(Type):
    """A list; ``path`` names the collection when it is one of the fact file's."""

    elem: Type = ANY
    path: str | None = None

    def __str__(self) -> str:
        return f"list of {self.elem}"


@attrs.frozen
class MapType(Type):
    """A table keyed by strings (partner ids, culture dimensions, …)."""

    value: Type = ANY
    path: str | None = None

    def __str__(self) -> str:
        return f"table of {self.value}"


@attrs.frozen
class RecordType(Type):
    """A record or namespace whose fields the vocabulary knows, found by ``path``."""

    path: str = ""

    def __str__(self) -> str:
        return f"{self.name} record" if self.name != "namespace" else f"{self.path}.*"


#: An entry of a table, as ``entries()`` returns it: ``{key, value}``.
ENTRY = RecordType("entry", "<entry>")


def _list(elem: Type, path: str | None = None) -> ListType:
    return ListType("list", elem, path)


def _map(value: Type, path: str | None = None) -> MapType:
    return MapType("table", value, path)


def compatible(a: Type, b: Type) -> bool:
    """Whether values of *a* and *b* can be compared for equality or order."""
    if ANY in (a, b) or NULL in (a, b):
        return True
    scalar = {NUMBER.name, STRING.name, BOOL.name, DATE.name}
    an = STRING.name if isinstance(a, EnumType) else a.name
    bn = STRING.name if isinstance(b, EnumType) else b.name
    if an in scalar or bn in scalar:
        return an == bn
    return type(a) is type(b)


def type_of_value(value: Any, path: str | None = None) -> Type:
    """The language type of a runtime value, for derived facts."""
    if value is None:
        return ANY
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | float | Decimal):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, date):
        return DATE
    if isinstance(value, list | tuple):
        elems = {type_of_value(v) for v in value}
        return _list(elems.pop() if len(elems) == 1 else ANY)
    if isinstance(value, Mapping):
        values = {type_of_value(v) for v in value.values()}
        return _map(values.pop() if len(values) == 1 else ANY, path)
    return ANY


class Vocabulary:
    """Which fields each container has: stated fields from the model, derived from enrichers.

    Containers are named by path patterns without indices: ``""`` is the file
    itself, ``decisions[]`` one decision, ``governance.steering_committee`` a
    table, ``escalations`` the collection (which may carry derived counts).
    """

    def __init__(self) -> None:
        self._fields: dict[str, dict[str, Type]] = {}
        self._derived: set[tuple[str, str]] = set()
        self._add_record(Partnership, "")
        # Findings of earlier rules, for rules that chain on them.
        self._fields[""]["findings"] = _list(RecordType("finding", "findings[]"), "findings")
        self._fields["findings[]"] = {
            "rule": STRING,
            "title": STRING,
            "area": STRING,
            "severity": EnumType("string", SEVERITIES),
            "matches": NUMBER,
            "tags": _list(STRING),
        }
        self._fields[ENTRY.path] = {"key": STRING, "value": ANY}

    # -- building -------------------------------------------------------------------

    def _add_record(self, cls: type, path: str) -> RecordType:
        record = RecordType(cls.__name__, path)
        if path in self._fields:
            return record
        fields = self._fields.setdefault(path, {})
        for field in attrs.fields(cls):
            fields[field.name] = self._type_for(_hints(cls)[field.name], _join(path, field.name))
        return record

    def _type_for(self, hint: Any, path: str) -> Type:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            real = [a for a in args if a is not type(None)]
            return self._type_for(real[0], path) if len(real) == 1 else ANY
        if origin is tuple:
            return _list(self._type_for(args[0], path + "[]"), path)
        if origin in (Mapping, dict) or (origin is not None and _is_mapping(origin)):
            return _map(self._type_for(args[1], path + "[]"), path)
        supertype = getattr(hint, "__supertype__", None)
        if supertype is not None:
            return self._type_for(supertype, path)
        if isinstance(hint, type):
            if issubclass(hint, enum.Enum):
                return EnumType("string", tuple(str(m.value) for m in hint))
            if hint is bool:
                return BOOL
            if issubclass(hint, int | float):
                return NUMBER
            if issubclass(hint, str):
                return STRING
            if issubclass(hint, date):
                return DATE
            if attrs.has(hint):
                return self._add_record(hint, path)
        return ANY

    def add_derived(self, name: str, value: Any) -> None:
        """Hang the derived fact *name* under its container, typed from *value*."""
        pattern = _pattern(name)
        container, _, field = pattern.rpartition(".")
        # Unknown values say nothing about the type; a later sample may.
        typ = type_of_value(value, pattern)
        self._ensure_namespace(container)
        existing = self._fields[container].get(field)
        if existing is not None and (container, field) not in self._derived:
            return  # a stated field keeps its model type
        if existing is not None and existing != typ:
            typ = existing if typ == ANY else (typ if existing == ANY else ANY)
        self._fields[container][field] = typ
        self._derived.add((container, field))

    def _ensure_namespace(self, path: str) -> None:
        if path in self._fields:
            return
        parent, _, name = path.rpartition(".")
        self._ensure_namespace(parent)
        if name not in self._fields[parent]:
            self._fields[parent][name] = RecordType("namespace", path)
            self._derived.add((parent, name))
        self._fields.setdefault(path, {})

    def copy(self) -> Vocabulary:
        """An independent copy, so that adding to it leaves this one as it is."""
        other = Vocabulary.__new__(Vocabulary)
        other._fields = {path: dict(fields) for path, fields in self._fields.items()}
        other._derived = set(self._derived)
        return other

    # -- queries --------------------------------------------------------------------

    def has(self, name: str) -> bool:
        """Whether *name* (``culture.gaps``, ``decisions[].latency_days``) is a known fact."""
        container, _, field = _pattern(name).rpartition(".")
        return field in self._fields.get(container, {}) or _pattern(name) in self._fields

    def fields(self, container: Type) -> Mapping[str, Type]:
        """The fields of a record, namespace or collection type (empty for others)."""
        path = _container_path(container)
        return self._fields.get(path, {}) if path is not None else {}

    def root(self) -> Mapping[str, Type]:
        return self._fields[""]

    def is_derived(self, container: Type, field: str) -> bool:
        path = _container_path(container)
        return path is not None and (path, field) in self._derived


def _container_path(t: Type) -> str | None:
    if isinstance(t, RecordType):
        return t.path
    if isinstance(t, ListType | MapType):
        return t.path
    return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _pattern(name: str) -> str:
    """``decisions[2].latency_days`` → ``decisions[].latency_days``."""
    out = []
    depth = 0
    for char in name:
        if char == "[":
            depth += 1
            if depth == 1:
                out.append("[]")
            continue
        if char == "]":
            depth -= 1
            continue
        if depth == 0:
            out.append(char)
    return "".join(out)


def _is_mapping(origin: Any) -> bool:
    try:
        return issubclass(origin, Mapping)
    except TypeError:
        return False


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)
