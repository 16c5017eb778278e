"""Bounded scales and constrained scalars of fact format v1.

Each constrained value type is a :func:`typing.NewType` over a builtin, paired
with one :class:`Bound` in :data:`BOUNDS`. The same table drives the attrs
validators (for objects built in Python) and the loader's structuring hooks
(for objects read from files), so a scale is defined exactly once.
"""

from __future__ import annotations

import math
import re
import sys
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, NewType

import attrs

__all__ = [
    "Amount",
    "BOUNDS",
    "Bound",
    "Count",
    "Currency",
    "Days",
    "Identifier",
    "Lead",
    "Likert",
    "Magnitude",
    "Nps",
    "Period",
    "Score",
    "Weight",
    "bounded",
    "bounded_items",
    "bounded_values",
    "period_of",
    "problem_with",
]

Identifier = NewType("Identifier", str)
Period = NewType("Period", str)
Currency = NewType("Currency", str)
Likert = NewType("Likert", float)
Weight = NewType("Weight", int)
Magnitude = NewType("Magnitude", int)
Nps = NewType("Nps", int)
Count = NewType("Count", int)
Days = NewType("Days", int)
Lead = NewType("Lead", int)
Amount = NewType("Amount", float)
Score = NewType("Score", float)


#: Ints within this magnitude convert to a float exactly enough for every bound;
#: larger ones take the general path, which reports them as the loader expects.
_INT_LIMIT = 2**1000
_FLOAT_MAX = sys.float_info.max


@attrs.frozen
class Bound:
    """What a constrained scalar accepts, and how to say so in an error."""

    base: type
    expected: str
    low: float | None = None
    high: float | None = None
    pattern: re.Pattern[str] | None = None
    # Every model object and every loaded value passes through accepts(), so the
    # test is specialised once per bound rather than re-deciding its shape per call.
    _test: Callable[[object], bool] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_test", self._specialise())

    # Pickled without the specialised test (a closure), which is rebuilt on load.
    def __getstate__(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in attrs.fields(Bound) if f.init}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.__attrs_post_init__()

    def accepts(self, value: object) -> bool:
        return self._test(value)

    def _general(self, value: object) -> bool:
        if self.pattern is not None:
            return isinstance(value, str) and self.pattern.fullmatch(value) is not None
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        if not math.isfinite(value) or (self.base is int and not isinstance(value, int)):
            return False
        if self.low is not None and value < self.low:
            return False
        return self.high is None or value <= self.high

    def _specialise(self) -> Callable[[object], bool]:
        general = self._general
        if self.pattern is not None:
            match = self.pattern.fullmatch
            return lambda value: isinstance(value, str) and match(value) is not None
        low = -_FLOAT_MAX if self.low is None else self.low
        high = _FLOAT_MAX if self.high is None else self.high
        if self.base is int:

            def whole(value: object) -> bool:
                if type(value) is int and -_INT_LIMIT <= value <= _INT_LIMIT:
                    return low <= value <= high
                return False if type(value) is float else general(value)

            return whole

        def number(value: object) -> bool:
            # NaN and the infinities fail the comparisons, as they fail isfinite.
            if type(value) is float or (type(value) is int and -_INT_LIMIT <= value <= _INT_LIMIT):
                return low <= value <= high
            return general(value)

        return number


BOUNDS: Mapping[object, Bound] = {
    # No surrounding spaces and no control characters: ids are written, compared and shown.
    Identifier: Bound(
        str,
        "a non-empty identifier without surrounding spaces or control characters",
        pattern=re.compile(r"[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?"),
    ),
    # ASCII digits only: period labels are compared as strings.
    Period: Bound(str, "a period label YYYY-Qn", pattern=re.compile(r"[0-9]{4}-Q[1-4]")),
    Currency: Bound(str, "an ISO-4217 currency code such as EUR", pattern=re.compile(r"[A-Z]{3}")),
    Likert: Bound(float, "a number from 1 to 5", 1, 5),
    Weight: Bound(int, "an integer weight from 1 to 5", 1, 5),
    Magnitude: Bound(int, "an integer magnitude from 1 to 5", 1, 5),
    Nps: Bound(int, "an integer from -100 to 100", -100, 100),
    Count: Bound(int, "a whole number of at least 0", 0),
    Days: Bound(int, "a whole number of days of at least 0", 0),
    Lead: Bound(int, "a whole number of days of at least -1 (-1 means no written agenda)", -1),
    Amount: Bound(float, "a number of at least 0", 0),
    Score: Bound(float, "a score from 0 to 100", 0, 100),
}


def problem_with(kind: object, value: object) -> str | None:
    """Return what *kind* expects if *value* is outside it, else None."""
    bound = BOUNDS[kind]
    return None if bound.accepts(value) else bound.expected


def _fail(attribute: attrs.Attribute[Any], value: object, expected: str) -> None:
    msg = f"{attribute.name}: expected {expected}, found {value!r}"
    raise ValueError(msg)


#: What each validator made here checks: ("one" | "items" | "values", kind). The
#: loader's fast path reads it to know which validators its own checks already imply.
_VALIDATED: weakref.WeakKeyDictionary[Callable[..., None], tuple[str, object]] = (
    weakref.WeakKeyDictionary()
)


def scale_of(validator: object) -> tuple[str, object] | None:
    """For a validator made by this module: what it checks, as (shape, kind); else None.

    The shape is "one" (:func:`bounded`), "items" (:func:`bounded_items`) or
    "values" (:func:`bounded_values`).
    """
    if not callable(validator):
        return None
    try:
        return _VALIDATED.get(validator)
    except TypeError:  # not weakly referenceable, so not one of ours
        return None


def bounded(kind: object) -> Callable[[Any, attrs.Attribute[Any], object], None]:
    """An attrs validator for a scalar of *kind*; None passes (it means unknown)."""
    bound = BOUNDS[kind]
    accepts = bound.accepts

    def validate(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not accepts(value):
            _fail(attribute, value, bound.expected)

    _VALIDATED[validate] = ("one", kind)
    return validate


def bounded_items(kind: object) -> Callable[[Any, attrs.Attribute[Any], Iterable[object]], None]:
    """An attrs validator for a sequence whose every item is a *kind*."""
    bound = BOUNDS[kind]
    accepts = bound.accepts

    def validate(_: Any, attribute: attrs.Attribute[Any], values: Iterable[object]) -> None:
        for value in values:
            if not accepts(value):
                _fail(attribute, value, bound.expected)

    _VALIDATED[validate] = ("items", kind)
    return validate


def bounded_values(
    kind: object,
) -> Callable[[Any, attrs.Attribute[Any], Mapping[object, object]], None]:
    """An attrs validator for a mapping whose every value is a *kind*."""
    bound = BOUNDS[kind]
    accepts = bound.accepts

    def validate(_: Any, attribute: attrs.Attribute[Any], mapping: Mapping[object, object]) -> None:
        for value in mapping.values():
            if not accepts(value):
                _fail(attribute, value, bound.expected)

    _VALIDATED[validate] = ("values", kind)
    return validate


def period_of(day: date) -> str:
    """The calendar-quarter label (``YYYY-Qn``) that contains *day*."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
