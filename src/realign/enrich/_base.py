"""Shared vocabulary of the built-in enrichers: windows, rounding, and the collector."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from ..model import MeetingType, PulseSurvey
from ..model.scales import Identifier
from ..rules.values import Unknown
from .factset import DerivedFact, FactSet, derived_fact

__all__ = [
    "EXEC_MEETINGS",
    "GRACE_DAYS",
    "H",
    "Q",
    "Y",
    "Collector",
    "median",
    "response_rate",
    "round_half_away",
    "spread",
    "unknown_value",
]

#: The standard windows of DOMAIN §0.2, in days.
Q, H, Y = 91, 182, 365
#: A milestone is late only when it slips by more than this (DOMAIN §1.2).
GRACE_DAYS = 14
#: The meetings where executives steer: the steering committee and the strategy sync.
EXEC_MEETINGS = (MeetingType.STEERING_COMMITTEE, MeetingType.STRATEGY_SYNC)

_NO_FRACTION = 2.0**53
_MOST_PLACES = 12
# Typed Any so that a value told apart from it needs no cast() (a call) on the hot path.
_UNSET: Any = object()
#: ``10**places`` as floats, exact (every one is below 2**53).
_SCALES = tuple(float(10**places) for places in range(_MOST_PLACES + 1))
#: Below this, a scaled value is within 4e-10 of the scaled decimal its repr shows.
_FAST_SCALED = 1e6
#: How far from a half a scaled fraction must be for the float to decide the rounding.
_NEAR_HALF = 1e-7


class _Quanta(dict[int, Decimal]):
    """``10**-places`` as a Decimal, made once per number of places."""

    def __missing__(self, places: int) -> Decimal:
        quantum = self[places] = Decimal(1).scaleb(-places)
        return quantum


_QUANTA = _Quanta()


def round_half_away(value: float, places: int = 2) -> float:
    """Round half away from zero, as DOMAIN §0.2 prescribes (``round`` rounds half to even)."""
    if type(value) is float and 0 <= places <= _MOST_PLACES:
        # The Decimal below rounds the value its repr shows, d. Scaled by 10**places,
        # the float is within 4e-10 of d scaled (two roundings, each of half an ulp,
        # below 1e6): unless its fraction is that close to a half, both round to the
        # same whole number m, and m / 10**places is, correctly rounded, the float
        # nearest the quantized decimal, as float() of it is. Zero, signs of zero,
        # NaN and infinities take the Decimal way.
        if value > 0:
            scaled = value * _SCALES[places]
            if scaled < _FAST_SCALED:
                whole = int(scaled)
                fraction = scaled - whole
                if not -_NEAR_HALF < fraction - 0.5 < _NEAR_HALF:
                    return (whole + (fraction > 0.5)) / _SCALES[places]
        elif value < 0:
            scaled = -value * _SCALES[places]
            if scaled < _FAST_SCALED:
                whole = int(scaled)
                fraction = scaled - whole
                if not -_NEAR_HALF < fraction - 0.5 < _NEAR_HALF:
                    # Negative zero when it rounds to zero, as the Decimal gives.
                    return -((whole + (fraction > 0.5)) / _SCALES[places])
    if not math.isfinite(value) or abs(value) >= _NO_FRACTION:
        # Beyond 2**53 a float has no fractional digits left to round.
        return value
    kind: type[Any] = type(value)
    # Below 2**53 and to at most 12 places, quantizing never exceeds the 28 digits of
    # the default decimal context, so these shortcuts give what the Decimal would.
    shortcut = 0 <= places <= _MOST_PLACES
    if shortcut and kind is int:
        # No fraction to round: quantizing only makes it a float.
        return float(value)
    text = repr(value)
    # No more decimals than asked for: quantizing gives the same float back.
    if shortcut and kind is float and "e" not in text and len(text) - text.index(".") <= places + 1:
        return value
    # The rounding passed by position: the same call, without parsing a keyword.
    return float(Decimal(text).quantize(_QUANTA[places], ROUND_HALF_UP))


def unknown_value(reason: str) -> Unknown:
    """An unknown element inside a derived value (a list item, a table value), with its reason.

    The evaluator reads it like an unknown fact: a rule that needs it is not
    evaluable, where ``None`` would be a known "none" and every comparison false.
    """
    return Unknown(frozenset({reason}))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def response_rate(survey: PulseSurvey) -> float | None:
    """Responses / invited, 4 places; None unless both are stated and someone was invited."""
    if not survey.invited or survey.responses is None:
        return None
    return round_half_away(survey.responses / survey.invited, 4)


def spread(values: Mapping[Any, float | None], partners: Iterable[str]) -> tuple[float | None, str]:
    """The largest minus the smallest value across *partners* (a pairwise maximum).

    Returns (gap, "") when every partner has a value, else (None, why not).
    """
    wanted = sorted(partners)
    present = [values.get(p) for p in wanted]
    if None in present:
        missing = [p for p, v in zip(wanted, present, strict=True) if v is None]
        return None, f"no value for {', '.join(missing)}"
    if len(present) < 2:
        return None, "fewer than two partners"
    known = cast("list[float]", present)
    return round_half_away(max(known) - min(known)), ""


class Collector:
    """Gathers the derived facts of one enricher over one fact set.

    The windows are measured back from ``as_of``; "within N days" means
    ``0 <= as_of - day <= N`` (DOMAIN §0.2).
    """

    def __init__(self, facts: FactSet) -> None:
        self.facts = facts
        self.p = facts.partnership
        self.as_of: date = facts.partnership.assessment.as_of
        self.partner_ids: tuple[Identifier, ...] = tuple(
            sorted(p.id for p in facts.partnership.partners)
        )
        self.out: list[DerivedFact] = []
        # Asked once or more for every fact added: bound once, past FactSet's own method.
        index = facts._unknown_index
        self._reason_unknown = index.reason
        # The top-level keys with something unknown under them: a path under
        # any other key is known, which is seen without asking.
        self._unknown_heads = index.by_head
        self._head_prefixes = index.heads
        # The same needs come back for many facts of one area, and in other
        # enrichers of the same fact set: their gap, once per fact set.
        self._gaps = index.gaps

    def age(self, day: date) -> int:
        return (self.as_of - day).days

    def within(self, day: date | None, days: int) -> bool:
        return day is not None and 0 <= (self.as_of - day).days <= days

    def stated(self, value: Any, path: str, label: str) -> Any:
        """*value*, or an unknown value when the stated fact at *path* is unknown.

        *label* names the place inside a derived value, for the reason.
        """
        if value is None and (reason := self.facts.reason_unknown(path)) is not None:
            return unknown_value(f"{label} is unknown ({reason})")
        return value

    def gap(self, *paths: str) -> str | None:
        """The reason the first unknown of *paths* is unknown, phrased for a report."""
        gaps = self._gaps
        if paths in gaps:
            return gaps[paths]
        gap = gaps[paths] = self._first_gap(paths)
        return gap

    def _first_gap(self, paths: Iterable[str]) -> str | None:
        for path in paths:
            # Passes some paths with no unknown under them too: the index tells those.
            if path.startswith(self._head_prefixes):
                reason = self._reason_unknown(path)
                if reason is not None:
                    return f"{path} is unknown ({reason})"
        return None

    def add(
        self,
        name: str,
        value: Any,
        sources: Iterable[str],
        description: str,
        *,
        needs: Iterable[str] = (),
    ) -> None:
        """Record a derived fact, or its being unknown when a stated fact it *needs* is."""
        # With nothing unknown under any top-level key, no need can have a gap.
        if needs and self._unknown_heads:
            gap: str | None
            if type(needs) is tuple:
                # Written once in the code, so it comes back: the gap is remembered.
                remembered = self._gaps.get(needs, _UNSET)
                if remembered is _UNSET:
                    gap = self._gaps[needs] = self._first_gap(needs)
                else:
                    gap = remembered
            else:
                # _first_gap, inline: most facts about one record come here.
                gap = None
                heads = self._head_prefixes
                for path in needs:
                    if path.startswith(heads):
                        reason = self._reason_unknown(path)
                        if reason is not None:
                            gap = f"{path} is unknown ({reason})"
                            break
            if gap is not None:
                self.unknown(name, description, gap, sources)
                return
        if isinstance(value, float) and not math.isfinite(value):
            self.unknown(name, description, "too large to compute", sources)
            return
        # Most facts have a single source, in a list: nothing to deduplicate.
        if type(sources) is list and len(sources) < 3:
            if len(sources) < 2:
                distinct = tuple(sources)
            else:
                first, second = sources
                # Two sources: distinct unless the same, as dict.fromkeys tells strings apart.
                if type(first) is str and type(second) is str:
                    distinct = (first,) if first == second else (first, second)
                else:
                    distinct = tuple(dict.fromkeys(sources))
        else:
            distinct = tuple(dict.fromkeys(sources))
        self.out.append(derived_fact(name, value, distinct, description, None))

    def unknown(
        self, name: str, description: str, reason: str, sources: Iterable[str] = ()
    ) -> None:
        distinct = tuple(dict.fromkeys(sources))
        self.out.append(derived_fact(name, None, distinct, description, reason))

    def undetermined(
        self, name: str, description: str, keys: Iterable[str], sources: Iterable[str]
    ) -> None:
        """Record which records a count could not classify, because a value they need is unknown."""
        self.add(name, sorted(keys), sources, description)
