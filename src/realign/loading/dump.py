"""Writing a :class:`Partnership` back out as fact format v1 (TOML or JSON).

Omitted values stay omitted: ``None`` fields and empty collections are left out,
which is exactly how the loader reads an omitted key back, so dump → load
returns an equal partnership.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import attrs
import toml

from ..model import Partnership

__all__ = ["dump_partnership", "to_data"]


def to_data(partnership: Partnership) -> dict[str, Any]:
    """Plain data in fact format v1: tables, arrays, strings, numbers, booleans and dates."""
    data = _plain(partnership)
    assert isinstance(data, dict)
    return data


def _plain(value: Any) -> Any:
    if attrs.has(type(value)):
        out: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            if item is None or (isinstance(item, tuple | Mapping) and not item):
                continue
            out[field.name] = _plain(item)
        return out
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _json_default(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    msg = f"cannot write {type(value).__name__} as JSON"
    raise TypeError(msg)


def dump_partnership(partnership: Partnership, format: str = "toml") -> str:
    """Serialise *partnership* as ``"toml"`` or ``"json"`` text."""
    data = to_data(partnership)
    if format == "json":
        return json.dumps(data, default=_json_default, indent=2, ensure_ascii=False) + "\n"
    if format == "toml":
        return toml.dumps(data)
    msg = f"unknown format {format!r}; expected 'toml' or 'json'"
    raise ValueError(msg)
