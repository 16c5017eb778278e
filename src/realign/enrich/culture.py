"""Derived facts about culture: profile freshness, per-dimension gaps and the
integration programme (the CUL rules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from ..hookspecs import hookimpl
from ..model import ActivityStatus, CultureDimension, CultureProfile
from ._base import Collector, Y, round_half_away
from .factset import DerivedFact, FactSet

__all__ = ["realign_enrich_facts"]

#: Iterating an Enum class runs Python code per member: done once here.
_CULTURE_DIMENSIONS = tuple(CultureDimension)


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
    return dict(sorted(latest.items()))


def _profiles(c: Collector) -> None:
    latest = latest_profiles(c)
    needs = ("culture.profiles",)
    missing = [p for p in c.partner_ids if p not in latest]
    sources = sorted(f"culture.profiles[{i}]" for i, _ in latest.values())
    c.add(
        "culture.partners_without_profile",
        missing,
        ["culture.profiles", "partners"],
        "partners with no culture profile",
        needs=needs,
    )
    c.add(
        "culture.profile_age_days",
        {partner: c.age(profile.assessed) for partner, (_, profile) in latest.items()},
        sources,
        "per partner, days since its latest culture profile",
        needs=needs,
    )
    c.add(
        "culture.profile_respondents",
        {
            partner: c.stated(
                profile.respondents,
                f"culture.profiles[{i}].respondents",
                f"the respondents to the {partner} culture profile of {profile.assessed}",
            )
            for partner, (i, profile) in latest.items()
        },
        sources,
        "per partner, respondents to its latest culture profile (unknown if not stated)",
        needs=needs,
    )
    description = "per dimension, the largest distance between partners' latest profiles"
    if missing and not c.gap(*needs):
        reason = f"no culture profile for {', '.join(missing)}"
        c.unknown("culture.gaps", description, reason, sources)
        return
    gaps: dict[str, float] = {}
    if not missing:
        # spread() per dimension, unrolled (this runs for a dozen dimensions): with a
        # profile for every partner, a gap needs every one of them to score it.
        scores = [latest[partner][1].scores for partner in c.partner_ids]
        for dimension in _CULTURE_DIMENSIONS:
            values = [scored.get(dimension) for scored in scores]
            if None not in values and len(values) >= 2:
                known = cast("list[float]", values)
                gaps[str(dimension)] = round_half_away(max(known) - min(known))
    c.add(
        "culture.gaps",
        gaps,
        [f"{s}.scores" for s in sources],
        description + " (the dimensions every partner scored)",
        needs=(*needs, "culture.profiles.scores"),
    )


def _integration(c: Collector) -> None:
    activities = c.p.culture.integration_activities
    active = [
        (i, a)
        for i, a in enumerate(activities)
        if a.status is ActivityStatus.ONGOING
        or (a.status is ActivityStatus.DONE and c.within(a.date, Y))
    ]
    c.add(
        "culture.active_integration_elements",
        sorted({str(a.type) for _, a in active}),
        [f"culture.integration_activities[{i}]" for i, _ in active],
        f"integration elements ongoing, or done within the last {Y} days",
        needs=("culture.integration_activities",),
    )
    agreement = c.p.culture.working_agreement
    needs = ["culture.working_agreement", "culture.working_agreement.exists"]
    if agreement is not None and agreement.exists:
        needs.append("culture.working_agreement.agreed")
    c.add(
        "culture.working_agreement_age_days",
        c.age(agreement.agreed) if agreement and agreement.exists and agreement.agreed else None,
        ["culture.working_agreement"],
        "days since the working agreement was agreed (none if there is none)",
        needs=needs,
    )
