"""Derived facts about culture: profile freshness, per-dimension gaps and the
integration programme (the CUL rules)."""

from __future__ import annotations

from collections.abc import Iterable

from ..hookspecs import hookimpl
from ..model import ActivityStatus, CultureDimension, CultureProfile
from ._base import Collector, Y, round_half_away
from .factset import DerivedFact, FactSet

__all__ = ["realign_enrich_facts"]


@hookimpl(tryfirst=True)
def realign_enrich_facts(facts: FactSet) -> Iterable[DerivedFact]:
    c = Collector(facts)
    _profiles(c)
    _integration(c)
    return c.out


def latest_profiles(c: Collector) -> dict[str, tuple[int, CultureProfile]]:
    """Each partner's most recent culture profile, with its index."""
    latest: dict[str, tuple[int, CultureProfile]] = {}
    for i, profile in enumerate(c.p.culture.profiles):
        held = latest.get(profile.partner)
        if held is None or profile.assessed > held[1].assessed:
            latest[profile.partner] = (i, profile)
    return latest


def _profiles(c: Collector) -> None:
    names = {
        "culture.partners_without_profile": "partners with no culture profile",
        "culture.profile_age_days": "per partner, days since its latest culture profile",
        "culture.profile_respondents": "per partner, respondents to its latest culture profile",
        "culture.gaps": "per dimension, the largest distance between partners' latest profiles",
    }
    if why := c.gap("culture", "culture.profiles"):
        for name, description in names.items():
            c.unknown(name, description, why)
        return
    latest = latest_profiles(c)
    missing = sorted(p.id for p in c.p.partners if p.id not in latest)
    c.add(
        "culture.partners_without_profile",
        missing,
        ["culture.profiles", "partners"],
        names["culture.partners_without_profile"],
    )
    sources = [f"culture.profiles[{i}]" for i, _ in sorted(latest.values(), key=lambda x: x[0])]
    c.add(
        "culture.profile_age_days",
        {partner: c.age(profile.assessed) for partner, (_, profile) in sorted(latest.items())},
        sources,
        names["culture.profile_age_days"],
    )
    c.add(
        "culture.profile_respondents",
        {partner: profile.respondents for partner, (_, profile) in sorted(latest.items())},
        sources,
        names["culture.profile_respondents"],
    )
    if missing:
        c.unknown(
            "culture.gaps",
            names["culture.gaps"],
            f"no culture profile for {', '.join(missing)}",
            sources,
        )
        return
    gaps: dict[str, float] = {}
    for dimension in CultureDimension:
        scores = [profile.scores.get(dimension) for _, profile in latest.values()]
        present = [s for s in scores if s is not None]
        if len(present) == len(scores) and len(present) >= 2:
            gaps[str(dimension)] = round_half_away(max(present) - min(present))
    c.add(
        "culture.gaps",
        gaps,
        [f"{s}.scores" for s in sources],
        names["culture.gaps"] + " (dimensions scored by every partner)",
    )


def _integration(c: Collector) -> None:
    name = "culture.active_integration_elements"
    description = f"integration elements ongoing, or done within the last {Y} days"
    if why := c.gap("culture", "culture.integration_activities"):
        c.unknown(name, description, why)
    else:
        activities = c.p.culture.integration_activities
        active = [
            (i, a)
            for i, a in enumerate(activities)
            if a.status is ActivityStatus.ONGOING
            or (a.status is ActivityStatus.DONE and c.within(a.date, Y))
        ]
        c.add(
            name,
            sorted({str(a.type) for _, a in active}),
            [f"culture.integration_activities[{i}]" for i, _ in active],
            description,
        )
    name = "culture.working_agreement_age_days"
    description = "days since the working agreement was agreed (none if there is none)"
    agreement = c.p.culture.working_agreement
    if agreement is None or agreement.exists is None:
        c.unknown(
            name,
            description,
            c.gap("culture.working_agreement") or "culture.working_agreement is not stated",
        )
    elif not agreement.exists or agreement.agreed is None:
        c.add(name, None, ["culture.working_agreement"], description)
    else:
        c.add(name, c.age(agreement.agreed), ["culture.working_agreement.agreed"], description)
