"""Derived facts about alignment and execution: objectives, resources, milestones,
strategy syncs and shared learning (the ALN and CAM rules, and GOV-09)."""

from __future__ import annotations

from collections.abc import Iterable

from ..hookspecs import hookimpl
from ..model import AgendaItem, LearningType, MeetingType, ObjectiveLevel
from ._base import GRACE_DAYS, Collector, H, Y, round_half_away
from .factset import DerivedFact, FactSet

__all__ = ["realign_enrich_facts"]

EXEC_MEETINGS = (MeetingType.STEERING_COMMITTEE, MeetingType.STRATEGY_SYNC)


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
    partners = [p.id for p in c.p.partners]
    joint_kpis = {k.id for k in c.p.kpis if k.jointly_agreed}
    strategic_with_joint = 0
    strategic = 0
    for i, o in enumerate(c.p.objectives):
        path = f"objectives[{i}]"
        linked = [k for k in o.kpi_ids if k in joint_kpis]
        c.add(
            f"{path}.joint_kpis",
            linked,
            [f"{path}.kpi_ids", "kpis"],
            "linked KPIs that both partners agreed",
        )
        c.add(
            f"{path}.not_agreed_by",
            sorted(p for p in partners if p not in o.agreed_by),
            [f"{path}.agreed_by", "partners"],
            "partners that have not endorsed the objective",
        )
        present = [o.priority[p] for p in partners if p in o.priority]
        missing = sorted(p for p in partners if p not in o.priority)
        description = "largest minus smallest partner priority weight"
        if missing:
            c.unknown(
                f"{path}.priority_gap",
                description,
                f"no priority stated for {', '.join(missing)}",
                [f"{path}.priority"],
            )
        else:
            c.add(
                f"{path}.priority_gap",
                max(present) - min(present),
                [f"{path}.priority"],
                description,
            )
        c.add(
            f"{path}.priority_max",
            max(present) if present else None,
            [f"{path}.priority"],
            "the highest partner priority weight",
        )
        if o.level is ObjectiveLevel.STRATEGIC:
            strategic += 1
            strategic_with_joint += bool(linked)
    c.add(
        "objectives.strategic_with_joint_kpi_share",
        round_half_away(strategic_with_joint / strategic, 4) if strategic else None,
        ["objectives", "kpis"],
        "share of strategic objectives with a jointly agreed KPI (none without strategic ones)",
    )


def _resources(c: Collector) -> None:
    if why := c.gap("resource_commitments"):
        c.unknown("resource_commitments.latest_period", "latest period with commitments", why)
        return
    for i, r in enumerate(c.p.resource_commitments):
        path = f"resource_commitments[{i}]"
        description = "delivered / committed"
        if r.delivered is None:
            c.unknown(
                f"{path}.delivery_ratio",
                description,
                "delivered is not stated",
                [f"{path}.delivered"],
            )
        elif r.committed <= 0:
            c.unknown(
                f"{path}.delivery_ratio",
                description,
                "nothing was committed",
                [f"{path}.committed"],
            )
        else:
            c.add(
                f"{path}.delivery_ratio",
                round_half_away(r.delivered / r.committed, 4),
                [f"{path}.delivered", f"{path}.committed"],
                description,
            )
    c.add(
        "resource_commitments.latest_period",
        max((r.period for r in c.p.resource_commitments), default=None),
        [f"resource_commitments[{i}].period" for i in range(len(c.p.resource_commitments))],
        "latest period with resource commitments (none if none are recorded)",
    )


def _milestones(c: Collector) -> None:
    if why := c.gap("milestones"):
        c.unknown("milestones.late_due_within_h", "late milestones", why)
        return
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
        c.add(
            f"{path}.days_late",
            days,
            inputs,
            "days past due at completion (at as_of while open); negative = early",
        )
        c.add(
            f"{path}.late",
            late,
            inputs,
            f"completed, or still open, more than {GRACE_DAYS} days after due",
        )
        if late and c.within(m.due, H):
            late_recent.append(m.id)
            sources.append(path)
    c.add(
        "milestones.late_due_within_h",
        sorted(late_recent),
        sources,
        f"late milestones due within the last {H} days",
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
    )
    c.add(
        "meetings.days_since_last_strategy_sync",
        c.age(last[0]) if last else None,
        [*sources, "assessment.as_of"],
        "days from the latest strategy sync to as_of (none if never held)",
    )
    name = "meetings.latest_sync_missing_agenda_items"
    description = f"agenda items the latest strategy sync within {Y} days did not cover"
    if last is None or not c.within(last[0], Y):
        c.unknown(name, description, f"no strategy sync within the last {Y} days", sources)
    else:
        covered = set(c.p.meetings[last[2]].agenda_items)
        c.add(
            name,
            [str(a) for a in AgendaItem if a not in covered],
            [f"meetings[{last[2]}].agenda_items"],
            description,
        )
    recent = [
        (i, m)
        for i, m in enumerate(c.p.meetings)
        if m.type in EXEC_MEETINGS and c.within(m.date, Y)
    ]
    c.add(
        "meetings.exec_meetings_within_y",
        len(recent),
        [f"meetings[{i}]" for i, _ in recent],
        f"steering-committee and strategy-sync meetings within the last {Y} days",
    )
    adjusted = [i for i, m in recent if m.priorities_adjusted]
    c.add(
        "meetings.exec_meetings_adjusting_priorities_y",
        len(adjusted),
        [f"meetings[{i}].priorities_adjusted" for i, _ in recent],
        f"executive meetings within the last {Y} days that changed priorities or resources",
    )


def _learning(c: Collector) -> None:
    names = (
        "learning_log.within_h",
        "learning_log.authors_h",
        "learning_log.failures_or_lessons_h",
    )
    if why := c.gap("learning_log"):
        for name in names:
            c.unknown(name, "shared learning", why)
        return
    recent = [(i, e) for i, e in enumerate(c.p.learning_log) if c.within(e.date, H)]
    sources = [f"learning_log[{i}]" for i, _ in recent]
    c.add(
        "learning_log.within_h",
        len(recent),
        sources,
        f"learning-log entries within the last {H} days",
    )
    c.add(
        "learning_log.authors_h",
        sorted({e.author_org for _, e in recent}),
        sources,
        f"partners that wrote learning-log entries within the last {H} days",
    )
    c.add(
        "learning_log.failures_or_lessons_h",
        sum(e.type in (LearningType.FAILURE, LearningType.LESSON) for _, e in recent),
        sources,
        f"failure or lesson entries within the last {H} days",
    )
