"""Derived facts about the early-warning monitors: stakeholder pulses, KPI series,
health checks and feedback channels (the EWS rules, and CUL-07 and CAM-06)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from ..hookspecs import hookimpl
from ..model import Direction, Kpi, KpiPoint, PulseItem, PulseSurvey
from ._base import Collector, H, round_half_away
from .factset import DerivedFact, FactSet

__all__ = ["kpi_rag", "pulse_composite", "realign_enrich_facts"]

#: Amber band around a KPI target (DOMAIN §1.4): within 10% on the wrong side.
AMBER_TOLERANCE = Decimal("0.10")


@hookimpl(tryfirst=True)
def realign_enrich_facts(facts: FactSet) -> Iterable[DerivedFact]:
    c = Collector(facts)
    _pulses(c)
    _kpis(c)
    _health_checks(c)
    _feedback(c)
    return c.out


def pulse_composite(survey: PulseSurvey) -> float | None:
    """Mean of the six item means, rounded to 2 places; None unless all six are given."""
    values = [survey.items.get(item) for item in PulseItem]
    if any(v is None for v in values):
        return None
    return round_half_away(sum(values) / len(values))  # type: ignore[arg-type]


def kpi_rag(direction: Direction, point: KpiPoint) -> str | None:
    """Green, amber or red for one period (DOMAIN §1.4); None without target and actual."""
    if point.target is None or point.actual is None:
        return None
    # Decimal, so that an actual of exactly 90% of the target (1.98 of 2.2) is amber:
    # in binary floating point 0.9 * 2.2 is 1.9800000000000002.
    target, actual = Decimal(repr(point.target)), Decimal(repr(point.actual))
    if direction is Direction.HIGHER_BETTER:
        if actual >= target:
            return "green"
        return "amber" if actual >= (1 - AMBER_TOLERANCE) * target else "red"
    if actual <= target:
        return "green"
    return "amber" if actual <= (1 + AMBER_TOLERANCE) * target else "red"


def _pulses(c: Collector) -> None:
    if why := c.gap("pulse_surveys"):
        for name in (
            "pulse.latest",
            "pulse.composites",
            "pulse.composite_change",
            "pulse.partners_without_recent",
        ):
            c.unknown(name, "stakeholder pulse", why)
        return
    waves: dict[str, list[tuple[int, PulseSurvey]]] = defaultdict(list)
    for i, survey in enumerate(c.p.pulse_surveys):
        composite = pulse_composite(survey)
        path = f"pulse_surveys[{i}]"
        if composite is None:
            missing = [str(item) for item in PulseItem if item not in survey.items]
            c.unknown(
                f"{path}.composite",
                "mean of the six pulse items, 2 dp",
                f"items not stated: {', '.join(missing)}",
                [f"{path}.items"],
            )
        else:
            c.add(
                f"{path}.composite",
                composite,
                [f"{path}.items"],
                "mean of the six pulse items, 2 dp",
            )
        if survey.invited and survey.responses is not None:
            c.add(
                f"{path}.response_rate",
                round_half_away(survey.responses / survey.invited, 4),
                [f"{path}.responses", f"{path}.invited"],
                "responses / invited",
            )
        waves[survey.respondent_org].append((i, survey))
    latest: dict[str, dict[str, object]] = {}
    ages: dict[str, int] = {}
    composites: dict[str, list[float | None]] = {}
    change: dict[str, float] = {}
    sources: list[str] = []
    for org in sorted(waves):
        ordered = sorted(waves[org], key=lambda w: (w[1].date, w[1].period))
        i, last = ordered[-1]
        sources.extend(f"pulse_surveys[{j}]" for j, _ in ordered)
        series = [pulse_composite(s) for _, s in ordered]
        ages[org] = c.age(last.date)
        composites[org] = series
        latest[org] = {
            "period": last.period,
            "date": last.date,
            "age_days": c.age(last.date),
            "composite": series[-1],
            "items": {str(k): v for k, v in sorted(last.items.items())},
            "responses": last.responses,
            "invited": last.invited,
            "response_rate": (
                round_half_away(last.responses / last.invited, 4)
                if last.invited and last.responses is not None
                else None
            ),
            "recommend_nps": last.recommend_nps,
            "source": f"pulse_surveys[{i}]",
        }
        if len(series) >= 2 and series[-1] is not None and series[-2] is not None:
            change[org] = round_half_away(series[-1] - series[-2])
    c.add("pulse.latest", latest, sources, "per partner, its latest pulse wave")
    c.add(
        "pulse.composites", composites, sources, "per partner, its pulse composites in date order"
    )
    c.add(
        "pulse.composite_change",
        change,
        sources,
        "per partner with two waves or more, latest composite minus the previous one",
    )
    c.add(
        "pulse.partners_without_recent",
        sorted(p.id for p in c.p.partners if ages.get(p.id, H + 1) > H),
        [*sources, "partners"],
        f"partners with no pulse within the last {H} days",
    )


def _kpis(c: Collector) -> None:
    if why := c.gap("kpis"):
        for name in ("kpis.joint_green_share", "kpis.latest_period"):
            c.unknown(name, "KPI monitoring", why)
        return
    joint_by_period: dict[str, list[str]] = defaultdict(list)
    joint_sources: list[str] = []
    for k, kpi in enumerate(c.p.kpis):
        path = f"kpis[{k}]"
        ordered = sorted(
            ((j, p) for j, p in enumerate(kpi.series) if p.actual is not None),
            key=lambda x: x[1].period,
        )
        rags: list[str | None] = []
        for j, point in ordered:
            rag = kpi_rag(kpi.direction, point)
            rags.append(rag)
            c.add(
                f"{path}.series[{j}].rag",
                rag,
                [f"{path}.series[{j}]", f"{path}.direction"],
                "green, amber or red against the period's target",
            )
            if kpi.jointly_agreed and rag is not None:
                joint_by_period[point.period].append(rag)
                joint_sources.append(f"{path}.series[{j}]")
        c.add(
            f"{path}.rags",
            rags,
            [f"{path}.series"],
            "RAG per period with an actual, in period order",
        )
        run = 0
        for rag in reversed(rags):
            if rag in ("amber", "red"):
                run += 1
            else:
                break
        c.add(
            f"{path}.non_green_run",
            run,
            [f"{path}.series"],
            "consecutive latest periods that were amber or red",
        )
        c.add(
            f"{path}.latest_period",
            ordered[-1][1].period if ordered else None,
            [f"{path}.series"],
            "latest period with an actual value",
        )
        _kpi_change(c, k, kpi, [p for _, p in ordered])
    shares = {
        period: round_half_away(rags.count("green") / len(rags), 4)
        for period, rags in sorted(joint_by_period.items())
    }
    c.add(
        "kpis.joint_green_share",
        shares,
        joint_sources,
        "per period, green jointly agreed KPIs / jointly agreed KPIs with data",
    )
    latest = max(joint_by_period, default=None)
    c.add(
        "kpis.latest_period",
        latest,
        joint_sources,
        "latest period in which a jointly agreed KPI has data",
    )
    c.add(
        "kpis.joint_with_data_latest",
        len(joint_by_period.get(latest, [])) if latest else 0,
        joint_sources,
        "jointly agreed KPIs with data in kpis.latest_period",
    )
    c.add(
        "kpis.joint_red_latest",
        joint_by_period.get(latest, []).count("red") if latest else 0,
        joint_sources,
        "jointly agreed KPIs that are red in kpis.latest_period",
    )


def _kpi_change(c: Collector, k: int, kpi: Kpi, points: list[KpiPoint]) -> None:
    name = f"kpis[{k}].change_vs_two_periods_pct"
    description = "latest actual against two periods earlier, in %, positive = better"
    if len(points) < 3:
        c.unknown(
            name,
            description,
            "fewer than three periods with an actual value",
            [f"kpis[{k}].series"],
        )
        return
    earlier, latest = points[-3].actual or 0.0, points[-1].actual or 0.0
    if earlier == 0:
        c.unknown(name, description, "the earlier actual is zero", [f"kpis[{k}].series"])
        return
    delta = latest - earlier if kpi.direction is Direction.HIGHER_BETTER else earlier - latest
    c.add(
        name,
        round_half_away(100 * delta / abs(earlier)),
        [f"kpis[{k}].series", f"kpis[{k}].direction"],
        description,
    )


def _health_checks(c: Collector) -> None:
    if why := c.gap("health_checks"):
        c.unknown("health_checks.latest", "the latest health check", why)
        return
    summaries: list[tuple[tuple[str, str], dict[str, object]]] = []
    for i, check in enumerate(c.p.health_checks):
        path = f"health_checks[{i}]"
        c.add(f"{path}.age_days", c.age(check.date), [f"{path}.date"], "days before as_of")
        gaps: dict[str, float] = {}
        if len(check.scores) >= 2:
            dimensions = sorted({d for scores in check.scores.values() for d in scores})
            for dimension in dimensions:
                values = [s[dimension] for s in check.scores.values() if dimension in s]
                if len(values) == len(check.scores):
                    gaps[str(dimension)] = round_half_away(max(values) - min(values))
        c.add(
            f"{path}.perception_gap",
            gaps,
            [f"{path}.scores"],
            "per dimension, the largest gap between partners' ratings",
        )
        share = None
        if check.actions_total:
            share = round_half_away((check.actions_done or 0) / check.actions_total, 4)
            c.add(
                f"{path}.actions_done_share",
                share,
                [f"{path}.actions_done", f"{path}.actions_total"],
                "actions done / actions planned",
            )
        summary: dict[str, object] = {
            "date": check.date,
            "age_days": c.age(check.date),
            "type": None if check.type is None else str(check.type),
            "facilitator": None if check.facilitator is None else str(check.facilitator),
            "partners_rated": sorted(check.scores),
            "perception_gap": gaps,
            "action_plan": check.action_plan,
            "actions_done_share": share,
        }
        # Ties on the date are broken by content, never by position in the file.
        summaries.append(
            ((check.date.isoformat(), repr(sorted(summary.items(), key=str))), summary)
        )
    latest = max(summaries, key=lambda item: item[0])[1] if summaries else None
    c.add(
        "health_checks.latest",
        latest,
        [f"health_checks[{i}]" for i in range(len(c.p.health_checks))],
        "the most recent health check (none if there never was one)",
    )


def _feedback(c: Collector) -> None:
    if why := c.gap("feedback_channels"):
        c.unknown("feedback_channels.open_to_all", "feedback channels open to every partner", why)
        return
    partners = {p.id for p in c.p.partners}
    open_to_all = sorted(ch.id for ch in c.p.feedback_channels if partners <= set(ch.open_to))
    c.add(
        "feedback_channels.open_to_all",
        open_to_all,
        [f"feedback_channels[{i}].open_to" for i in range(len(c.p.feedback_channels))],
        "channels open to every partner",
    )
