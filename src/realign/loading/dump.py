"""Writing a :class:`Partnership` back out as fact format v1 (TOML or JSON).

Omitted values stay omitted: ``None`` fields and empty collections are left out,
which is exactly how the loader reads an omitted key back, so dump → load
returns an equal partnership.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import attrs
import toml
from toml.decoder import InlineTableDict

from ..model import Partnership

__all__ = ["dump_partnership", "jsonable", "to_data"]


def to_data(partnership: Partnership) -> dict[str, Any]:
    """Plain data in fact format v1: tables, arrays, strings, numbers, booleans and dates."""
    return _record(partnership, dict)


def _record(value: Any, mapping_type: type[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in attrs.fields(type(value)):
        item = getattr(value, field.name)
        if item is None or (isinstance(item, tuple | Mapping) and not item):
            continue
        out[field.name] = _plain(item, mapping_type)
    return out


def _plain(value: Any, mapping_type: type[dict[str, Any]]) -> Any:
    if attrs.has(type(value)):
        return _record(value, mapping_type)
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, Mapping):
        return mapping_type((str(k), _plain(v, mapping_type)) for k, v in value.items())
    if isinstance(value, tuple | list):
        return [_plain(v, mapping_type) for v in value]
    return value


def jsonable(value: Any) -> Any:
    """*value* with dates as ``YYYY-MM-DD`` strings and tuples as lists: the JSON form."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def dump_partnership(partnership: Partnership, format: str = "toml") -> str:
    """Serialise *partnership* as ``"toml"`` or ``"json"`` text."""
    if format == "json":
        data = jsonable(to_data(partnership))
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format == "toml":
        return toml.dumps(_record(partnership, _InlineTable), encoder=_TomlEncoder())
    msg = f"unknown format {format!r}; expected 'toml' or 'json'"
    raise ValueError(msg)


# --- TOML ------------------------------------------------------------------------------
# The toml package writes strings with repr(), which is not TOML for control characters,
# non-breaking spaces and backslash-x, and it writes inline-table keys unquoted. The
# encoder below keeps toml's layout and replaces those two pieces.


class _InlineTable(dict[str, Any], InlineTableDict):
    """A mapping field (priorities, scores, attendance): written inline, as in the examples."""


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _basic_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _basic_string(key)


if TYPE_CHECKING:
    _Encoder = toml.TomlPreserveInlineDictEncoder[dict[str, Any]]
else:  # the stubs make it generic; the class itself is not subscriptable
    _Encoder = toml.TomlPreserveInlineDictEncoder


class _TomlEncoder(_Encoder):
    def __init__(self) -> None:
        super().__init__()
        self.dump_funcs[str] = _basic_string

    def dump_inline_table(self, section: Any) -> str:
        # toml writes "key = " and then this, so the line ends here.
        return self._inline(section) + "\n"

    def _inline(self, section: Any) -> str:
        if isinstance(section, dict):
            items = [f"{_key(k)} = {self._inline(v)}" for k, v in section.items()]
            return "{ " + ", ".join(items) + " }"
        return str(self.dump_value(section))
