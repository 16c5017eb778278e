"""Runtime values of the condition language: unknown, and how it combines.

Three kinds of "no value" are kept apart, as the fact model keeps them apart:

* a value (``3``, ``"open"``, a date, a record);
* ``None``: known to be absent, such as a decision not yet decided. Every
  comparison with it is false, and so is its negation;
* :class:`Unknown`: could not be gathered (a data gap, a table not stated).
  It carries the reasons, so a rule that needs it is reported as not
  evaluable *and why*.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

__all__ = ["Unknown", "coalesce", "is_unknown", "known", "merge_unknown"]


@attrs.frozen
class Unknown:
    """A value that could not be determined; ``reasons`` say why, sorted."""

    reasons: frozenset[str] = frozenset()
    #: the fact path of an unknown stated value, so derived facts under it stay reachable
    path: str | None = attrs.field(default=None, eq=False)

    def __bool__(self) -> bool:
        msg = "an unknown value has no truth value; test is_unknown() first"
        raise TypeError(msg)

    def describe(self) -> str:
        return "; ".join(sorted(self.reasons)) or "unknown"


def is_unknown(value: Any) -> bool:
    return type(value) is Unknown


def merge_unknown(values: Iterable[Any]) -> Unknown:
    reasons: set[str] = set()
    for value in values:
        if type(value) is Unknown:
            reasons |= value.reasons
    return Unknown(frozenset(reasons))


def coalesce(*values: Any) -> Any:
    for value in values:
        if value is not None and not is_unknown(value):
            return value
    return None


def known(value: Any) -> bool:
    return not is_unknown(value)
