"""Derived facts about alignment and execution: objectives, resources, milestones,
strategy syncs and shared learning (the ALN and CAM rules, and GOV-09)."""

from __future__ import annotations

from collections.abc import Iterable

from ..hookspecs import hookimpl
from ..model import AgendaItem, LearningType, MeetingType, ObjectiveLevel
from ._base import EXEC_MEETINGS, GRACE_DAYS, Collector, H, Y, round_half_away, spread
from .factset import DerivedFact, FactSet

__all__ = ["realign_enrich_facts"]

#: Iterating an Enum class runs Python code per member: done once here.
_AGENDA_ITEMS = tuple(AgendaItem)


@hookimpl(tryfirst=True)
def realign_enrich_facts(facts: FactSet) -> Iterable[DerivedFact]:
    c = Collector(facts)
    _objectives(c)
    _resources(c)
    _milestones(c)
    _strategy_syncs(c)
    _learning(c)
    return c.out


def _objectives(c: Collector) -> None:
    agreed = {k.id: k.jointly_agreed for k in c.p.kpis}
    with_joint: list[str] = []
    without_joint: list[str] = []
    undetermined: list[str] = []
    for i, o in enumerate(c.p.objectives):
        path = f"objectives[{i}]"
        linked = [k for k in o.kpi_ids if agreed.get(k) is True]
        unsure = [k for k in o.kpi_ids if k in agreed and agreed[k] is None]
        description = "linked KPIs that both partners agreed"
        if unsure and not linked:
            reason = f"jointly_agreed is not stated for {', '.join(sorted(unsure))}"
            c.unknown(f"{path}.joint_kpis", description, reason, [f"{path}.kpi_ids", "kpis"])
        else:
            c.add(
                f"{path}.joint_kpis",
                linked,
                [f"{path}.kpi_ids", "kpis"],
                description,
                needs=("kpis",),
            )
        c.add(
            f"{path}.not_agreed_by",
            [p for p in c.partner_ids if p not in o.agreed_by],
            [f"{path}.agreed_by", "partners"],
            "partners that have not endorsed the objective",
        )
        gap, why = spread(dict(o.priority), c.partner_ids)
        weights = [f"{path}.priority"]
        for name, value, text in (
            ("priority_gap", gap, "largest minus smallest partner priority weight"),
            (
                "priority_max",
                max(o.priority.values(), default=None),
                "the highest partner priority weight",
            ),
        ):
            if gap is None:
                c.unknown(f"{path}.{name}", text, why, weights)
            else:
                c.add(f"{path}.{name}", value, weights, text)
        if o.level is ObjectiveLevel.STRATEGIC:
            (with_joint if linked else undetermined if unsure else without_joint).append(o.id)
    strategic = len(with_joint) + len(without_joint) + len(undetermined)
    name = "objectives.strategic_with_joint_kpi_share"
    description = (
        "share of strategic objectives with a jointly agreed KPI (none without strategic ones)"
    )
    if undetermined:
        reason = f"joint KPIs undetermined for {', '.join(sorted(undetermined))}"
        c.unknown(name, description, reason, ["objectives", "kpis"])
    else:
        share = round_half_away(len(with_joint) / strategic, 4) if strategic else None
        c.add(name, share, ["objectives", "kpis"], description, needs=("objectives", "kpis"))


def _resources(c: Collector) -> None:
    for i, r in enumerate(c.p.resource_commitments):
        path = f"resource_commitments[{i}]"
        description = "delivered / committed"
        if r.committed <= 0:
            c.unknown(
                f"{path}.delivery_ratio",
                description,
                "nothing was committed",
                [f"{path}.committed"],
            )
        else:
            c.add(
                f"{path}.delivery_ratio",
                round_half_away((r.delivered or 0.0) / r.committed, 4),
                [f"{path}.delivered", f"{path}.committed"],
                description,
                needs=[f"{path}.delivered"],
            )
    c.add(
        "resource_commitments.latest_period",
        max((r.period for r in c.p.resource_commitments), default=None),
        [f"resource_commitments[{i}].period" for i in range(len(c.p.resource_commitments))],
        "latest period with resource commitments (none if none are recorded)",
        needs=("resource_commitments",),
    )


def _milestones(c: Collector) -> None:
    late_recent: list[str] = []
    sources: list[str] = []
    for i, m in enumerate(c.p.milestones):
        path = f"milestones[{i}]"
        end = m.completed if m.completed is not None else c.as_of
        days = (end - m.due).days
        late = days > GRACE_DAYS
        inputs = [f"{path}.due", f"{path}.completed"] + (
            [] if m.completed else ["assessment.as_of"]
        )
        needs = [f"{path}.completed"]
        c.add(
            f"{path}.days_late",
            days,
            inputs,
            "days past due at completion (at as_of while open); negative = early",
            needs=needs,
        )
        c.add(
            f"{path}.late",
            late,
            inputs,
            f"completed, or still open, more than {GRACE_DAYS} days after due",
            needs=needs,
        )
        if late and c.within(m.due, H):
            late_recent.append(m.id)
            sources.append(path)
    c.add(
        "milestones.late_due_within_h",
        sorted(late_recent),
        sources,
        f"late milestones due within the last {H} days",
        needs=("milestones", "milestones.completed"),
    )


def _strategy_syncs(c: Collector) -> None:
    syncs = sorted(
        (m.date, m.id, i) for i, m in enumerate(c.p.meetings) if m.type is MeetingType.STRATEGY_SYNC
    )
    sources = [f"meetings[{i}].date" for *_, i in syncs]
    last = syncs[-1] if syncs else None
    c.add(
        "meetings.last_strategy_sync",
        last[0] if last else None,
        sources,
        "date of the latest strategy sync (none if never held)",
        needs=("meetings",),
    )
    c.add(
        "meetings.days_since_last_strategy_sync",
        c.age(last[0]) if last else None,
        [*sources, "assessment.as_of"],
        "days from the latest strategy sync to as_of (none if never held)",
        needs=("meetings",),
    )
    name = "meetings.latest_sync_missing_agenda_items"
    description = f"agenda items the latest strategy sync within {Y} days did not cover"
    if last is None or not c.within(last[0], Y):
        reason = c.gap("meetings") or f"no strategy sync within the last {Y} days"
        c.unknown(name, description, reason, sources)
    else:
        covered = set(c.p.meetings[last[2]].agenda_items)
        c.add(
            name,
            [str(a) for a in _AGENDA_ITEMS if a not in covered],
            [f"meetings[{last[2]}].agenda_items"],
            description,
            needs=("meetings.agenda_items",),
        )
    recent = [
        (i, m)
        for i, m in enumerate(c.p.meetings)
        if m.type in EXEC_MEETINGS and c.within(m.date, Y)
    ]
    inputs = [f"meetings[{i}].priorities_adjusted" for i, _ in recent]
    c.add(
        "meetings.exec_meetings_within_y",
        len(recent),
        [f"meetings[{i}]" for i, _ in recent],
        f"steering-committee and strategy-sync meetings within the last {Y} days",
        needs=("meetings",),
    )
    c.add(
        "meetings.exec_meetings_adjusting_priorities_y",
        sum(m.priorities_adjusted is True for _, m in recent),
        inputs,
        f"executive meetings within {Y} days known to have changed priorities or resources",
        needs=("meetings", "meetings.priorities_adjusted"),
    )
    c.undetermined(
        "meetings.exec_meetings_priorities_undetermined_y",
        f"executive meetings within {Y} days that do not state whether priorities changed",
        [m.id for _, m in recent if m.priorities_adjusted is None],
        inputs,
    )


def _learning(c: Collector) -> None:
    recent = [(i, e) for i, e in enumerate(c.p.learning_log) if c.within(e.date, H)]
    sources = [f"learning_log[{i}]" for i, _ in recent]
    needs = ("learning_log",)
    c.add(
        "learning_log.within_h",
        len(recent),
        sources,
        f"learning-log entries within the last {H} days",
        needs=needs,
    )
    c.add(
        "learning_log.authors_h",
        sorted({e.author_org for _, e in recent}),
        sources,
        f"partners that wrote learning-log entries within the last {H} days",
        needs=needs,
    )
    c.add(
        "learning_log.failures_or_lessons_h",
        sum(e.type in (LearningType.FAILURE, LearningType.LESSON) for _, e in recent),
        sources,
        f"failure or lesson entries within the last {H} days",
        needs=needs,
    )
