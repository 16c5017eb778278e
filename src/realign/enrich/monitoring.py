"""Derived facts about the early-warning monitors: stakeholder pulses, KPI series,
health checks and feedback channels (the EWS rules, and CUL-07 and CAM-06)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from ..hookspecs import hookimpl
from ..model import Direction, HealthCheck, HealthDimension, Kpi, KpiPoint, PulseItem, PulseSurvey
from ._base import Collector, H, response_rate, round_half_away, spread
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
    values = [v for item in PulseItem if (v := survey.items.get(item)) is not None]
    if len(values) < len(PulseItem):
        return None
    return round_half_away(sum(values) / len(values))


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
    waves: dict[str, list[tuple[int, PulseSurvey]]] = defaultdict(list)
    for i, survey in enumerate(c.p.pulse_surveys):
        path = f"pulse_surveys[{i}]"
        composite = pulse_composite(survey)
        description = "mean of the six pulse items, 2 dp"
        if composite is None:
            missing = [str(item) for item in PulseItem if item not in survey.items]
            reason = f"items not stated: {', '.join(missing)}"
            c.unknown(f"{path}.composite", description, reason, [f"{path}.items"])
        else:
            c.add(f"{path}.composite", composite, [f"{path}.items"], description)
        c.add(
            f"{path}.response_rate",
            response_rate(survey),
            [f"{path}.responses", f"{path}.invited"],
            "responses / invited (none if nobody was invited)",
            needs=[f"{path}.responses", f"{path}.invited"],
        )
        waves[survey.respondent_org].append((i, survey))
    latest: dict[str, dict[str, object]] = {}
    composites: dict[str, list[float | None]] = {}
    change: dict[str, float] = {}
    sources: list[str] = []
    for org in sorted(waves):
        ordered = sorted(waves[org], key=lambda w: (w[1].date, w[1].period))
        _, last = ordered[-1]
        sources.extend(f"pulse_surveys[{j}]" for j, _ in ordered)
        series = [pulse_composite(s) for _, s in ordered]
        composites[org] = series
        latest[org] = {
            "period": last.period,
            "date": last.date,
            "age_days": c.age(last.date),
            "composite": series[-1],
            "items": {str(k): v for k, v in sorted(last.items.items())},
            "responses": last.responses,
            "invited": last.invited,
            "response_rate": response_rate(last),
            "recommend_nps": last.recommend_nps,
        }
        if len(series) >= 2 and series[-1] is not None and series[-2] is not None:
            change[org] = round_half_away(series[-1] - series[-2])
    needs = ("pulse_surveys",)
    c.add("pulse.latest", latest, sources, "per partner, its latest pulse wave", needs=needs)
    c.add(
        "pulse.composites",
        composites,
        sources,
        "per partner, its pulse composites in date order (none where items are missing)",
        needs=needs,
    )
    c.add(
        "pulse.composite_change",
        change,
        sources,
        "per partner with two complete waves or more, latest composite minus the previous one",
        needs=needs,
    )
    c.add(
        "pulse.partners_without_recent",
        [p for p in c.partner_ids if not (p in latest and latest[p]["age_days"] <= H)],  # type: ignore[operator]
        [*sources, "partners"],
        f"partners with no pulse within the last {H} days",
        needs=needs,
    )


def _kpis(c: Collector) -> None:
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
            point_path = f"{path}.series[{j}]"
            description = "green, amber or red against the period's target"
            if rag is None:
                c.unknown(f"{point_path}.rag", description, "no target stated", [point_path])
            else:
                c.add(f"{point_path}.rag", rag, [point_path, f"{path}.direction"], description)
            if kpi.jointly_agreed and rag is not None:
                joint_by_period[point.period].append(rag)
                joint_sources.append(point_path)
        c.add(
            f"{path}.rags",
            rags,
            [f"{path}.series"],
            "RAG per period with an actual, in period order",
        )
        run = 0
        for rag in reversed(rags):
            if rag not in ("amber", "red"):
                break
            run += 1
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
    latest = max(joint_by_period, default=None)
    in_latest = joint_by_period.get(latest, []) if latest else []
    needs = ("kpis", "kpis.jointly_agreed", "kpis.series")
    c.add(
        "kpis.joint_green_share",
        {
            period: round_half_away(rags.count("green") / len(rags), 4)
            for period, rags in sorted(joint_by_period.items())
        },
        joint_sources,
        "per period, green jointly agreed KPIs / jointly agreed KPIs with data",
        needs=needs,
    )
    c.add(
        "kpis.latest_period",
        latest,
        joint_sources,
        "latest period in which a jointly agreed KPI has data",
        needs=needs,
    )
    c.add(
        "kpis.joint_with_data_latest",
        len(in_latest),
        joint_sources,
        "jointly agreed KPIs with data in kpis.latest_period",
        needs=needs,
    )
    c.add(
        "kpis.joint_red_latest",
        in_latest.count("red"),
        joint_sources,
        "jointly agreed KPIs that are red in kpis.latest_period",
        needs=needs,
    )
    c.undetermined(
        "kpis.joint_undetermined",
        "KPIs that do not state whether both partners agreed them (left out of the joint figures)",
        [kpi.id for kpi in c.p.kpis if kpi.jointly_agreed is None],
        [f"kpis[{k}].jointly_agreed" for k in range(len(c.p.kpis))],
    )


def _kpi_change(c: Collector, k: int, kpi: Kpi, points: list[KpiPoint]) -> None:
    name = f"kpis[{k}].change_vs_two_periods_pct"
    description = "latest actual against two periods earlier, in %, positive = better"
    sources = [f"kpis[{k}].series", f"kpis[{k}].direction"]
    actuals = [p.actual for p in points if p.actual is not None]
    if len(actuals) < 3:
        c.unknown(name, description, "fewer than three periods with an actual value", sources)
        return
    earlier, latest = actuals[-3], actuals[-1]
    if earlier == 0:
        c.unknown(name, description, "the earlier actual is zero", sources)
        return
    delta = latest - earlier if kpi.direction is Direction.HIGHER_BETTER else earlier - latest
    c.add(name, round_half_away(100 * delta / abs(earlier)), sources, description)


def _health_checks(c: Collector) -> None:
    summaries: list[tuple[tuple[str, str], dict[str, object]]] = []
    for i, check in enumerate(c.p.health_checks):
        path = f"health_checks[{i}]"
        c.add(f"{path}.age_days", c.age(check.date), [f"{path}.date"], "days before as_of")
        gaps = _perception_gaps(c, path, check)
        share = None
        description = "actions done / actions planned"
        inputs = [f"{path}.actions_done", f"{path}.actions_total"]
        if not check.actions_total:
            c.unknown(
                f"{path}.actions_done_share", description, "no planned actions stated", inputs
            )
        else:
            share = round_half_away((check.actions_done or 0) / check.actions_total, 4)
            c.add(
                f"{path}.actions_done_share",
                share,
                inputs,
                description,
                needs=[f"{path}.actions_done"],
            )
            if check.actions_done is None:
                share = None
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
        "the most recent health check (none if there never was one; None inside = not stated)",
        needs=("health_checks",),
    )


def _perception_gaps(c: Collector, path: str, check: HealthCheck) -> dict[str, float] | None:
    gaps: dict[str, float] = {}
    reasons: set[str] = set()
    for dimension in HealthDimension:
        scores = {partner: ratings.get(dimension) for partner, ratings in check.scores.items()}
        gap, why = spread(scores, c.partner_ids)
        if gap is None:
            reasons.add(why)
        else:
            gaps[str(dimension)] = gap
    description = "per dimension, the largest gap between partners' ratings"
    if not gaps:
        reason = "; ".join(sorted(reasons)) or "no ratings"
        c.unknown(f"{path}.perception_gap", description, reason, [f"{path}.scores"])
        return None
    c.add(
        f"{path}.perception_gap",
        gaps,
        [f"{path}.scores"],
        description + " (dimensions every partner rated)",
    )
    return gaps


def _feedback(c: Collector) -> None:
    partners = set(c.partner_ids)
    c.add(
        "feedback_channels.open_to_all",
        sorted(ch.id for ch in c.p.feedback_channels if partners <= set(ch.open_to)),
        [f"feedback_channels[{i}].open_to" for i in range(len(c.p.feedback_channels))],
        "channels open to every partner",
        needs=("feedback_channels", "feedback_channels.open_to"),
    )
