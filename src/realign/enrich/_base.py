"""Shared vocabulary of the built-in enrichers: windows, rounding, and the collector."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..model import MeetingType, PulseSurvey
from ..model.scales import Identifier
from ..rules.values import Unknown
from .factset import DerivedFact, FactSet

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


def round_half_away(value: float, places: int = 2) -> float:
    """Round half away from zero, as DOMAIN §0.2 prescribes (``round`` rounds half to even)."""
    if not math.isfinite(value) or abs(value) >= _NO_FRACTION:
        # Beyond 2**53 a float has no fractional digits left to round.
        return value
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


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
    missing = [p for p in wanted if values.get(p) is None]
    if missing:
        return None, f"no value for {', '.join(missing)}"
    present = [v for p in wanted if (v := values[p]) is not None]
    if len(present) < 2:
        return None, "fewer than two partners"
    return round_half_away(max(present) - min(present)), ""


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
        for path in paths:
            reason = self.facts.reason_unknown(path)
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
        sources = list(sources)
        if reason := self.gap(*needs):
            self.unknown(name, description, reason, sources)
            return
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

    def undetermined(
        self, name: str, description: str, keys: Iterable[str], sources: Iterable[str]
    ) -> None:
        """Record which records a count could not classify, because a value they need is unknown."""
        self.add(name, sorted(keys), sources, description)
