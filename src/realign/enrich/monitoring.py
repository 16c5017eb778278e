"""Derived facts about the early-warning monitors: stakeholder pulses, KPI series,
health checks and feedback channels (the EWS rules, and CUL-07 and CAM-06)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from ..hookspecs import hookimpl
from ..model import Direction, HealthCheck, HealthDimension, Kpi, KpiPoint, PulseItem, PulseSurvey
from ..rules.values import Unknown, is_unknown, merge_unknown
from ._base import Collector, H, response_rate, round_half_away, spread, unknown_value
from .factset import DerivedFact, FactSet

__all__ = ["kpi_rag", "pulse_composite", "realign_enrich_facts"]

#: Amber band around a KPI target (DOMAIN §1.4): within 10% on the wrong side.
AMBER_TOLERANCE = Decimal("0.10")
# kpi_rag's short cuts for the amber band: whole numbers below this compare exactly
# scaled by ten; floats decide unless within this fraction of their scale of the edge.
_EXACT_INTS = 10**18
_FLOAT_MARGIN = 1e-9
_AMBER_LOW, _AMBER_HIGH = 0.9, 1.1
_TINY = 1e-200

# Iterating an Enum class runs Python code per member; these are iterated per record.
_PULSE_ITEMS = tuple(PulseItem)
_PULSE_ITEMS_BY_NAME = tuple(sorted(PulseItem, key=str))
_HEALTH_DIMENSIONS = tuple(HealthDimension)


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
    values = [v for item in _PULSE_ITEMS if (v := survey.items.get(item)) is not None]
    if len(values) < len(_PULSE_ITEMS):
        return None
    return round_half_away(sum(values) / len(values))


def kpi_rag(direction: Direction, point: KpiPoint) -> str | None:
    """Green, amber or red for one period (DOMAIN §1.4); None without target and actual."""
    if point.target is None or point.actual is None:
        return None
    kind = type(point.target)
    if kind is type(point.actual) and kind in (float, int):
        # Two floats (or two ints) compare as their decimal forms do: green needs no Decimal.
        got, aim = point.actual, point.target
        higher = direction is Direction.HIGHER_BETTER
        if got >= aim if higher else got <= aim:
            return "green"
        if isinstance(aim, int):  # and so is got: same type, and neither is a bool
            if -_EXACT_INTS < aim < _EXACT_INTS:
                # 90% and 110% in whole numbers, exact as the Decimal is at this size.
                if higher:
                    return "amber" if 10 * got >= 9 * aim else "red"
                return "amber" if 10 * got <= 11 * aim else "red"
        elif (scale := abs(got) + abs(aim)) > _TINY:
            # In floats, the distance past the band's edge is within 1e-15 of the
            # scale of the distance between the decimal forms: the Decimal decides
            # only what lies that close to the edge (and NaN, infinities, tiny numbers).
            margin = _FLOAT_MARGIN * scale
            beyond = got - _AMBER_LOW * aim if higher else _AMBER_HIGH * aim - got
            if beyond > margin:
                return "amber"
            if beyond < -margin:
                return "red"
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


def _wave(survey: PulseSurvey) -> str:
    """A pulse wave as a reason names it: by partner and period, never by position."""
    return f"the {survey.respondent_org} pulse of {survey.period}"


def _items_reason(c: Collector, path: str, survey: PulseSurvey) -> str:
    if (gap := c.facts.reason_unknown(f"{path}.items")) is not None:
        return f"items: {gap}"
    missing = [str(item) for item in _PULSE_ITEMS if item not in survey.items]
    return f"items not stated: {', '.join(missing)}"


def _composite_or_unknown(
    survey: PulseSurvey, composite: float | None, reason: str
) -> float | Unknown:
    if composite is None:
        return unknown_value(f"the composite of {_wave(survey)} is unknown ({reason})")
    return composite


def _latest_wave(
    c: Collector, path: str, survey: PulseSurvey, composite: object, rate: float | None
) -> dict[str, object]:
    """One partner's latest wave, with an unknown value wherever the file does not say."""
    wave = _wave(survey)
    gap = c.facts.reason_unknown(f"{path}.items")
    items: dict[str, object] = {}
    for item in _PULSE_ITEMS_BY_NAME:
        value = survey.items.get(item)
        if value is None:
            why = gap or "not stated in the fact file"
            items[str(item)] = unknown_value(f"the {item} item of {wave} is unknown ({why})")
        else:
            items[str(item)] = value
    inputs = {
        name: c.stated(getattr(survey, name), f"{path}.{name}", f"the {name} of {wave}")
        for name in ("responses", "invited", "recommend_nps")
    }
    unknown_inputs = [v for k, v in inputs.items() if k != "recommend_nps" and is_unknown(v)]
    stated_rate: object = merge_unknown(unknown_inputs) if unknown_inputs else rate
    return {
        "period": survey.period,
        "date": survey.date,
        "age_days": c.age(survey.date),
        "composite": composite,
        "items": items,
        "responses": inputs["responses"],
        "invited": inputs["invited"],
        "response_rate": stated_rate,
        "recommend_nps": inputs["recommend_nps"],
    }


def _pulses(c: Collector) -> None:
    waves: dict[str, list[tuple[int, PulseSurvey]]] = defaultdict(list)
    # Per wave, its composite, or why it has none: the series below use them again.
    composites_of: list[tuple[float | None, str]] = []
    # Per wave, its response rate: the latest wave of each partner shows it again.
    rates: list[float | None] = []
    for i, survey in enumerate(c.p.pulse_surveys):
        path = f"pulse_surveys[{i}]"
        composite = pulse_composite(survey)
        description = "mean of the six pulse items, 2 dp"
        reason = ""
        if composite is None:
            reason = _items_reason(c, path, survey)
            c.unknown(f"{path}.composite", description, reason, [f"{path}.items"])
        else:
            c.add(f"{path}.composite", composite, [f"{path}.items"], description)
        rate = response_rate(survey)
        rates.append(rate)
        inputs = [f"{path}.responses", f"{path}.invited"]
        c.add(
            f"{path}.response_rate",
            rate,
            inputs,
            "responses / invited (none if nobody was invited)",
            needs=inputs,
        )
        waves[survey.respondent_org].append((i, survey))
        composites_of.append((composite, reason))
    latest: dict[str, dict[str, object]] = {}
    composites: dict[str, list[float | Unknown]] = {}
    change: dict[str, float | Unknown] = {}
    sources: list[str] = []
    for org in sorted(waves):
        ordered = sorted(waves[org], key=lambda w: (w[1].date, w[1].period))
        sources.extend(f"pulse_surveys[{j}]" for j, _ in ordered)
        series = [_composite_or_unknown(s, *composites_of[j]) for j, s in ordered]
        composites[org] = series
        last_index, last = ordered[-1]
        latest[org] = _latest_wave(
            c, f"pulse_surveys[{last_index}]", last, series[-1], rates[last_index]
        )
        if len(series) >= 2:
            now, before = series[-1], series[-2]
            if isinstance(now, Unknown) or isinstance(before, Unknown):
                change[org] = merge_unknown((now, before))
            else:
                change[org] = round_half_away(now - before)
    needs = ("pulse_surveys",)
    c.add(
        "pulse.latest",
        latest,
        sources,
        "per partner, its latest pulse wave (unknown inside where the wave does not say)",
        needs=needs,
    )
    c.add(
        "pulse.composites",
        composites,
        sources,
        "per partner, its pulse composites in date order (unknown where items are missing)",
        needs=needs,
    )
    c.add(
        "pulse.composite_change",
        change,
        sources,
        "per partner with two waves or more, latest composite minus the previous one "
        "(unknown when either is)",
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
    # Per period, the RAG of each jointly agreed KPI with an actual value: unknown
    # where the period has no target.
    joint_by_period: dict[str, list[str | Unknown]] = defaultdict(list)
    joint_sources: list[str] = []
    undetermined_with_data: list[str] = []
    for k, kpi in enumerate(c.p.kpis):
        path = f"kpis[{k}]"
        ordered = sorted(
            ((j, p) for j, p in enumerate(kpi.series) if p.actual is not None),
            key=lambda x: x[1].period,
        )
        rags: list[str | Unknown] = []
        direction_path = f"{path}.direction"
        for j, point in ordered:
            rag = kpi_rag(kpi.direction, point)
            point_path = f"{path}.series[{j}]"
            description = "green, amber or red against the period's target"
            if rag is None:
                why = c.facts.reason_unknown(f"{point_path}.target") or "not stated"
                reason = f"the target is unknown ({why})"
                c.unknown(f"{point_path}.rag", description, reason, [point_path])
                rated: str | Unknown = unknown_value(
                    f"the RAG of {kpi.id} in {point.period} is unknown ({reason})"
                )
            else:
                c.add(f"{point_path}.rag", rag, [point_path, direction_path], description)
                rated = rag
            rags.append(rated)
            if kpi.jointly_agreed:
                joint_by_period[point.period].append(rated)
                joint_sources.append(point_path)
        if kpi.jointly_agreed is None and ordered:
            undetermined_with_data.append(kpi.id)
        needs = [f"{path}.series.actual"]
        c.add(
            f"{path}.rags",
            rags,
            [f"{path}.series"],
            "RAG per period with an actual, in period order (unknown without a target)",
            needs=needs,
        )
        _non_green_run(c, path, rags, needs)
        c.add(
            f"{path}.latest_period",
            ordered[-1][1].period if ordered else None,
            [f"{path}.series"],
            "latest period with an actual value",
            needs=needs,
        )
        _kpi_change(c, k, kpi, [p for _, p in ordered])
    _joint_kpis(c, joint_by_period, joint_sources, undetermined_with_data)


def _non_green_run(c: Collector, path: str, rags: list[str | Unknown], needs: list[str]) -> None:
    name = f"{path}.non_green_run"
    description = "consecutive latest periods that were amber or red"
    run = 0
    for rag in reversed(rags):
        if isinstance(rag, Unknown):
            # The unrated period may be green (the run ends) or not (it goes on).
            reason = f"the run of {run} reaches a period without a rating: {rag.describe()}"
            c.unknown(name, description, reason, [f"{path}.series"])
            return
        if rag not in ("amber", "red"):
            break
        run += 1
    c.add(name, run, [f"{path}.series"], description, needs=needs)


def _joint_kpis(
    c: Collector,
    joint_by_period: dict[str, list[str | Unknown]],
    joint_sources: list[str],
    undetermined_with_data: list[str],
) -> None:
    needs = ("kpis", "kpis.jointly_agreed", "kpis.series", "kpis.series.actual")
    shares: dict[str, float | Unknown] = {}
    for period, rags in sorted(joint_by_period.items()):
        unrated = [r for r in rags if is_unknown(r)]
        if unrated:
            shares[period] = merge_unknown(unrated)
        else:
            shares[period] = round_half_away(rags.count("green") / len(rags), 4)
    name = "kpis.joint_green_share"
    description = "per period, green jointly agreed KPIs / jointly agreed KPIs with data"
    if undetermined_with_data and not c.gap(*needs):
        # A KPI that may or may not be joint could change every share it has data for.
        reason = "jointly_agreed is not stated for KPIs with data: " + ", ".join(
            sorted(undetermined_with_data)
        )
        c.unknown(name, description, reason, joint_sources)
    else:
        c.add(
            name,
            shares,
            joint_sources,
            description + " (unknown where one is unrated)",
            needs=needs,
        )
    latest = max(joint_by_period, default=None)
    in_latest = joint_by_period.get(latest, []) if latest else []
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
    name = "kpis.joint_red_latest"
    description = "jointly agreed KPIs that are red in kpis.latest_period"
    unrated = [r for r in in_latest if is_unknown(r)]
    if unrated and not c.gap(*needs):
        reason = merge_unknown(unrated).describe()
        c.unknown(name, description, reason, joint_sources)
    else:
        c.add(name, in_latest.count("red"), joint_sources, description, needs=needs)
    c.undetermined(
        "kpis.joint_undetermined",
        "KPIs that do not state whether both partners agreed them (left out of the joint "
        "counts; the green shares are unknown while one of them has data)",
        [kpi.id for kpi in c.p.kpis if kpi.jointly_agreed is None],
        [f"kpis[{k}].jointly_agreed" for k in range(len(c.p.kpis))],
    )


def _kpi_change(c: Collector, k: int, kpi: Kpi, points: list[KpiPoint]) -> None:
    path = f"kpis[{k}]"
    name = f"{path}.change_vs_two_periods_pct"
    description = "latest actual against two periods earlier, in %, positive = better"
    sources = [f"{path}.series", f"{path}.direction"]
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
    summaries: list[tuple[str, dict[str, object]]] = []
    for i, check in enumerate(c.p.health_checks):
        path = f"health_checks[{i}]"
        label = f"the health check of {check.date}"
        c.add(f"{path}.age_days", c.age(check.date), [f"{path}.date"], "days before as_of")
        gaps = _perception_gaps(c, path, label, check)
        share: object
        description = "actions done / actions planned"
        inputs = [f"{path}.actions_done", f"{path}.actions_total"]
        if not check.actions_total:
            reason = "no planned actions stated"
            c.unknown(f"{path}.actions_done_share", description, reason, inputs)
            share = unknown_value(f"the share of actions done of {label} is unknown ({reason})")
        else:
            c.add(
                f"{path}.actions_done_share",
                round_half_away((check.actions_done or 0) / check.actions_total, 4),
                inputs,
                description,
                needs=[f"{path}.actions_done"],
            )
            done = c.facts.reason_unknown(f"{path}.actions_done")
            share = (
                c.out[-1].value
                if done is None
                else unknown_value(
                    f"the share of actions done of {label} is unknown (actions done: {done})"
                )
            )
        rated: object = sorted(check.scores)
        if not check.scores and (why := c.facts.reason_unknown(f"{path}.scores")):
            rated = unknown_value(f"the partners that rated {label} are unknown ({why})")
        summary: dict[str, object] = {
            "date": check.date,
            "age_days": c.age(check.date),
            "type": c.stated(
                None if check.type is None else str(check.type),
                f"{path}.type",
                f"the type of {label}",
            ),
            "facilitator": c.stated(
                None if check.facilitator is None else str(check.facilitator),
                f"{path}.facilitator",
                f"the facilitator of {label}",
            ),
            "partners_rated": rated,
            "perception_gap": gaps,
            "action_plan": c.stated(
                check.action_plan, f"{path}.action_plan", f"the action plan of {label}"
            ),
            "actions_done_share": share,
        }
        summaries.append((check.date.isoformat(), summary))
    latest = _latest_summary(summaries)
    c.add(
        "health_checks.latest",
        latest,
        [f"health_checks[{i}]" for i in range(len(c.p.health_checks))],
        "the most recent health check (none if there never was one; unknown inside where "
        "it does not say)",
        needs=("health_checks",),
    )


def _latest_summary(summaries: list[tuple[str, dict[str, object]]]) -> dict[str, object] | None:
    """The summary of the latest check, or None without checks.

    Ties on the date are broken by content, never by position in the file; the
    content is only put in order when there is a tie.
    """
    if not summaries:
        return None
    last = max(day for day, _ in summaries)
    tied = [summary for day, summary in summaries if day == last]
    if len(tied) == 1:
        return tied[0]
    return max(tied, key=lambda summary: repr(_stable(summary)))


def _stable(value: object) -> object:
    """*value* with unknown parts replaced by their sorted reasons, for a stable order."""
    if isinstance(value, Unknown):
        return ("unknown", value.describe())
    if isinstance(value, dict):
        return sorted(((str(k), _stable(v)) for k, v in value.items()), key=str)
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _perception_gaps(
    c: Collector, path: str, label: str, check: HealthCheck
) -> dict[str, float | Unknown] | Unknown:
    gaps: dict[str, float | Unknown] = {}
    reasons: set[str] = set()
    not_rated = c.facts.reason_unknown(f"{path}.scores")
    for dimension in _HEALTH_DIMENSIONS:
        scores = {partner: ratings.get(dimension) for partner, ratings in check.scores.items()}
        gap, why = spread(scores, c.partner_ids)
        if gap is None:
            why = not_rated or why
            reasons.add(why)
            gaps[str(dimension)] = unknown_value(
                f"the {dimension} perception gap of {label} is unknown ({why})"
            )
        else:
            gaps[str(dimension)] = gap
    description = "per dimension, the largest gap between partners' ratings"
    if all(is_unknown(v) for v in gaps.values()):
        reason = "; ".join(sorted(reasons))
        c.unknown(f"{path}.perception_gap", description, reason, [f"{path}.scores"])
        return unknown_value(f"the perception gaps of {label} are unknown ({reason})")
    c.add(
        f"{path}.perception_gap",
        gaps,
        [f"{path}.scores"],
        description + " (unknown for a dimension some partner did not rate)",
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
