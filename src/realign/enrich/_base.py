"""Shared vocabulary of the built-in enrichers: windows, rounding, and the collector."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .factset import DerivedFact, FactSet

__all__ = ["GRACE_DAYS", "Collector", "H", "Q", "Y", "median", "round_half_away"]

#: The standard windows of DOMAIN §0.2, in days.
Q, H, Y = 91, 182, 365
#: A milestone is late only when it slips by more than this (DOMAIN §1.2).
GRACE_DAYS = 14


def round_half_away(value: float, places: int = 2) -> float:
    """Round half away from zero, as DOMAIN §0.2 prescribes (``round`` rounds half to even)."""
    if not math.isfinite(value) or abs(value) >= _NO_FRACTION:
        # Beyond 2**53 a float has no fractional digits left to round.
        return value
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


_NO_FRACTION = 2.0**53


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


class Collector:
    """Gathers the derived facts of one enricher over one fact set.

    The windows are measured back from ``as_of``; "within N days" means
    ``0 <= as_of - day <= N`` (DOMAIN §0.2).
    """

    def __init__(self, facts: FactSet) -> None:
        self.facts = facts
        self.p = facts.partnership
        self.as_of: date = facts.partnership.assessment.as_of
        self.out: list[DerivedFact] = []

    def age(self, day: date) -> int:
        return (self.as_of - day).days

    def within(self, day: date | None, days: int) -> bool:
        return day is not None and 0 <= (self.as_of - day).days <= days

    def gap(self, *paths: str) -> str | None:
        """The reason the first unknown of *paths* is unknown, phrased for a report."""
        for path in paths:
            reason = self.facts.reason_unknown(path)
            if reason is not None:
                return f"{path} is unknown ({reason})"
        return None

    def add(self, name: str, value: Any, sources: Iterable[str], description: str) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            self.unknown(name, description, "too large to compute", sources)
            return
        self.out.append(
            DerivedFact(
                name=name,
                value=value,
                sources=tuple(dict.fromkeys(sources)),
                description=description,
            )
        )

    def unknown(
        self, name: str, description: str, reason: str, sources: Iterable[str] = ()
    ) -> None:
        self.out.append(
            DerivedFact(
                name=name,
                sources=tuple(dict.fromkeys(sources)),
                description=description,
                unknown=reason,
            )
        )
