"""Derived facts about governance: the steering committee, sponsors, decisions,
escalations and meeting discipline (the GOV rules)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..hookspecs import hookimpl
from ..model import Attendance, MeetingType
from ._base import Collector, H, Q, Y, median
from .factset import DerivedFact, FactSet

__all__ = ["realign_enrich_facts"]

EXEC_MEETINGS = (MeetingType.STEERING_COMMITTEE, MeetingType.STRATEGY_SYNC)
#: An agenda counts as sent in time when it went out at least this many days ahead.
AGENDA_LEAD_DAYS = 2
#: GOV-03 looks at this many most recent executive meetings.
SPONSOR_LOOKBACK = 4


@hookimpl(tryfirst=True)
def realign_enrich_facts(facts: FactSet) -> Iterable[DerivedFact]:
    c = Collector(facts)
    _steering_committee(c)
    _sponsors(c)
    _decisions(c)
    _escalations(c)
    _meeting_discipline(c)
    return c.out


def _steering_committee(c: Collector) -> None:
    held = [(i, m) for i, m in enumerate(c.p.meetings) if m.type is MeetingType.STEERING_COMMITTEE]
    sources = [f"meetings[{i}].date" for i, _ in held]
    c.add(
        "governance.steering_committee.meetings_held",
        len(held),
        sources,
        "steering-committee meetings logged",
    )
    last = max((m.date for _, m in held), default=None)
    c.add(
        "governance.steering_committee.last_meeting",
        last,
        sources,
        "date of the latest steering-committee meeting (none if it never met)",
    )
    c.add(
        "governance.steering_committee.days_since_last_meeting",
        c.age(last) if last else None,
        [*sources, "assessment.as_of"],
        "days from the latest steering-committee meeting to as_of (none if it never met)",
    )
    name = "governance.steering_committee.partners_without_member"
    description = "partners with no member on the steering committee"
    if why := c.gap("governance.steering_committee"):
        c.unknown(name, description, why)
        return
    committee = c.p.governance.steering_committee  # type: ignore[union-attr]
    seated = {m.partner for m in committee.members}  # type: ignore[union-attr]
    c.add(
        name,
        sorted(p.id for p in c.p.partners if p.id not in seated),
        ["governance.steering_committee.members", "partners"],
        description,
    )


def _sponsors(c: Collector) -> None:
    recent = sorted(
        (m.date, m.id, i)
        for i, m in enumerate(c.p.meetings)
        if m.type in EXEC_MEETINGS and c.within(m.date, Y)
    )[-SPONSOR_LOOKBACK:]
    c.add(
        "governance.sponsors.recent_exec_meetings",
        [meeting_id for _, meeting_id, _ in recent],
        [f"meetings[{i}].date" for *_, i in recent],
        f"the last {SPONSOR_LOOKBACK} steering-committee or strategy-sync meetings within {Y} days",
    )
    missed: dict[str, int] = {}
    unknown_attendance: list[tuple[object, str, str, str]] = []
    for partner in c.p.partners:
        count = 0
        for *_, i in recent:
            attendance = c.p.meetings[i].exec_attendance.get(partner.id)
            if attendance is None:
                meeting = c.p.meetings[i]
                path = f"meetings[{i}].exec_attendance.{partner.id}"
                unknown_attendance.append((meeting.date, meeting.id, partner.id, path))
            elif attendance is not Attendance.SPONSOR:
                count += 1
        missed[partner.id] = count
    c.add(
        "governance.sponsors.missed_meetings",
        missed,
        [f"meetings[{i}].exec_attendance" for *_, i in recent],
        "per partner, recent executive meetings its sponsor delegated or missed",
    )
    c.add(
        "governance.sponsors.unrecorded_attendance",
        [path for *_, path in sorted(unknown_attendance)],
        [f"meetings[{i}].exec_attendance" for *_, i in recent],
        "partner attendance entries missing from governance.sponsors.recent_exec_meetings",
    )
    for i, partner in enumerate(c.p.partners):
        name = f"partners[{i}].has_alliance_manager"
        description = "the partner names an alliance manager"
        if partner.alliance_manager is None:
            c.unknown(name, description, c.gap(f"partners[{i}].alliance_manager") or "not stated")
        else:
            c.add(
                name,
                bool(partner.alliance_manager.strip()),
                [f"partners[{i}].alliance_manager"],
                description,
            )


def _decisions(c: Collector) -> None:
    if why := c.gap("decisions"):
        for name in ("decisions.raised_within_h", "decisions.median_latency_days_h"):
            c.unknown(name, "decision latency over the last half-year", why)
        return
    in_window: list[tuple[int, int]] = []
    for i, d in enumerate(c.p.decisions):
        end = d.decided if d.decided is not None else c.as_of
        latency = (end - d.raised).days
        sources = [f"decisions[{i}].raised", f"decisions[{i}].decided"]
        if d.decided is None:
            sources.append("assessment.as_of")
        c.add(
            f"decisions[{i}].latency_days",
            latency,
            sources,
            "days from raised to decided (to as_of while still open)",
        )
        c.add(
            f"decisions[{i}].open",
            d.decided is None,
            [f"decisions[{i}].decided"],
            "not yet decided",
        )
        if c.within(d.raised, H):
            in_window.append((i, latency))
    window_sources = [f"decisions[{i}]" for i, _ in in_window]
    c.add(
        "decisions.raised_within_h",
        len(in_window),
        window_sources,
        f"decisions raised within the last {H} days",
    )
    c.add(
        "decisions.median_latency_days_h",
        median([lat for _, lat in in_window]) if in_window else None,
        window_sources,
        f"median latency of decisions raised within the last {H} days (none if there were none)",
    )


def _escalations(c: Collector) -> None:
    names = (
        "escalations.by_category_h",
        "escalations.opened_last_q",
        "escalations.opened_prior_q",
        "escalations.resolved_within_h",
    )
    if why := c.gap("escalations"):
        for name in names:
            c.unknown(name, "escalation counts", why)
        return
    for i, e in enumerate(c.p.escalations):
        end = e.resolved if e.resolved is not None else c.as_of
        c.add(
            f"escalations[{i}].open",
            e.resolved is None,
            [f"escalations[{i}].resolved"],
            "not yet resolved",
        )
        c.add(
            f"escalations[{i}].days_open",
            (end - e.opened).days,
            [f"escalations[{i}].opened", f"escalations[{i}].resolved"],
            "days from opened to resolved (to as_of while still open)",
        )
    recent = [(i, e) for i, e in enumerate(c.p.escalations) if c.within(e.opened, H)]
    by_category = Counter(str(e.category) for _, e in recent)
    c.add(
        "escalations.by_category_h",
        dict(sorted(by_category.items())),
        [f"escalations[{i}].{field}" for i, _ in recent for field in ("opened", "category")],
        f"escalations opened within the last {H} days, per category",
    )
    last_q = [i for i, e in enumerate(c.p.escalations) if c.within(e.opened, Q)]
    prior_q = [i for i, e in enumerate(c.p.escalations) if Q < c.age(e.opened) <= 2 * Q]
    c.add(
        "escalations.opened_last_q",
        len(last_q),
        [f"escalations[{i}].opened" for i in last_q],
        f"escalations opened within the last {Q} days",
    )
    c.add(
        "escalations.opened_prior_q",
        len(prior_q),
        [f"escalations[{i}].opened" for i in prior_q],
        f"escalations opened in the {Q} days before that",
    )
    resolved = [i for i, e in enumerate(c.p.escalations) if c.within(e.resolved, H)]
    c.add(
        "escalations.resolved_within_h",
        len(resolved),
        [f"escalations[{i}].resolved" for i in resolved],
        f"escalations resolved within the last {H} days",
    )


def _meeting_discipline(c: Collector) -> None:
    recent = [(i, m) for i, m in enumerate(c.p.meetings) if c.within(m.date, H)]
    for i, m in enumerate(c.p.meetings):
        c.add(
            f"meetings[{i}].days_ago", c.age(m.date), [f"meetings[{i}].date"], "days before as_of"
        )
        lead = m.agenda_sent_days_before
        name = f"meetings[{i}].agenda_in_time"
        description = f"a written agenda went out at least {AGENDA_LEAD_DAYS} days ahead"
        if lead is None:
            c.unknown(name, description, "agenda_sent_days_before is not stated")
        else:
            c.add(
                name,
                lead >= AGENDA_LEAD_DAYS,
                [f"meetings[{i}].agenda_sent_days_before"],
                description,
            )
    lacking = [
        i
        for i, m in recent
        if (m.agenda_sent_days_before is not None and m.agenda_sent_days_before < AGENDA_LEAD_DAYS)
        or m.minutes_published is False
    ]
    c.add(
        "meetings.within_h",
        len(recent),
        [f"meetings[{i}].date" for i, _ in recent],
        f"meetings within the last {H} days",
    )
    c.add(
        "meetings.without_agenda_or_minutes_h",
        len(lacking),
        [f"meetings[{i}]" for i in lacking],
        f"meetings within {H} days lacking an agenda {AGENDA_LEAD_DAYS} days ahead or minutes",
    )
    due = [(i, a) for i, a in enumerate(c.p.action_items) if c.within(a.due, H)]
    closed_in_time = [i for i, a in due if a.closed is not None and a.closed <= a.due]
    for i, a in enumerate(c.p.action_items):
        on_time = a.closed <= a.due if a.closed is not None else None
        if on_time is None and a.due < c.as_of:
            on_time = False
        c.add(
            f"action_items[{i}].closed_on_time",
            on_time,
            [f"action_items[{i}].due", f"action_items[{i}].closed"],
            "closed on or before its due date (none while open and not yet due)",
        )
    c.add(
        "action_items.due_within_h",
        len(due),
        [f"action_items[{i}].due" for i, _ in due],
        f"action items due within the last {H} days",
    )
    c.add(
        "action_items.closed_on_time_h",
        len(closed_in_time),
        [f"action_items[{i}].closed" for i in closed_in_time],
        f"action items due within the last {H} days that were closed by their due date",
    )
