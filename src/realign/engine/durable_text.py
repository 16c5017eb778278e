"""JSON as durable_rules reads it, and the hash it knows facts by.

Kept apart from the adapter so that the compiler can prepare values without
importing durable_rules (the Python backend never needs it).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = ["MAX_FIELDS", "dumps", "dumps_facts", "fnv1a"]


def _number(value: float) -> str:
    if isinstance(value, bool):  # pragma: no cover - handled by the caller
        return "true" if value else "false"
    if not math.isfinite(value):
        msg = f"durable_rules cannot compare {value!r}"
        raise ValueError(msg)
    if isinstance(value, int):
        return f"{value}.0"
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int | float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        msg = f"cannot give durable_rules a {type(value).__name__}"
        raise TypeError(msg)


def dumps(value: Any) -> str:
    """JSON that durable_rules' parser accepts: every number has a fraction and no exponent."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


#: A JSON string (skipped as it is) or a number with an exponent (rewritten).
_STRING_OR_EXPONENT = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?[eE][+-]?\d+')
_EXPONENT = re.compile(r"\d[eE][+-]?\d")


def _positional(match: re.Match[str]) -> str:
    token = match.group()
    return token if token.startswith('"') else _number(float(token))


#: one encoder for every batch: json.dumps with options builds a new one per call
_FACTS_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps_facts(facts: Sequence[Mapping[str, Any]]) -> str:
    """Facts as JSON for durable_rules, written by the fast C encoder.

    Python writes ``1e-05``, which durable_rules' parser rejects (an exponent
    without a fraction); the rare output that has one is rewritten in
    positional notation, leaving strings untouched.
    """
    try:
        text = _FACTS_ENCODER.encode(facts)
    except ValueError:
        msg = "durable_rules cannot compare infinity or NaN; leave the field out instead"
        raise ValueError(msg) from None
    # Python's floats always sign their exponent ("1e-05"); a substring test is
    # far cheaper than the regular expression, which runs only when it may match.
    if ("e-" in text or "e+" in text) and _EXPONENT.search(text):
        text = _STRING_OR_EXPONENT.sub(_positional, text)
    return text


def fnv1a(text: str) -> int:
    """The 32-bit hash durable_rules identifies a fact by."""
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


#: durable_rules' limit on the fields of one fact (sid and its own id count).
MAX_FIELDS = 250
