"""Derived facts about governance: the steering committee, sponsors, decisions,
escalations and meeting discipline (the GOV rules)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..hookspecs import hookimpl
from ..model import Attendance, Meeting, MeetingType
from ..rules.values import Unknown
from ._base import EXEC_MEETINGS, Collector, H, Q, Y, median, unknown_value
from .factset import DerivedFact, FactSet

__all__ = ["realign_enrich_facts"]

#: An agenda counts as sent in time when it went out at least this many days ahead.
AGENDA_LEAD_DAYS = 2
#: GOV-03 looks at this many most recent executive meetings.
SPONSOR_LOOKBACK = 4

# Descriptions of facts about each meeting, formatted once rather than per meeting.
_AGENDA_IN_TIME = f"a written agenda went out at least {AGENDA_LEAD_DAYS} days ahead"
_LACKS_AGENDA_OR_MINUTES = f"no agenda {AGENDA_LEAD_DAYS} days ahead, or no published minutes"


@hookimpl(tryfirst=True)
def realign_enrich_facts(facts: FactSet) -> Iterable[DerivedFact]:
    c = Collector(facts)
    _steering_committee(c)
    _sponsors(c)
    _decisions(c)
    _escalations(c)
    _meeting_discipline(c)
    _action_items(c)
    return c.out


def _steering_committee(c: Collector) -> None:
    held = [(i, m) for i, m in enumerate(c.p.meetings) if m.type is MeetingType.STEERING_COMMITTEE]
    sources = [f"meetings[{i}].date" for i, _ in held]
    needs = ("meetings",)
    last = max((m.date for _, m in held), default=None)
    c.add(
        "governance.steering_committee.meetings_held",
        len(held),
        sources,
        "steering-committee meetings logged",
        needs=needs,
    )
    c.add(
        "governance.steering_committee.last_meeting",
        last,
        sources,
        "date of the latest steering-committee meeting (none if it never met)",
        needs=needs,
    )
    c.add(
        "governance.steering_committee.days_since_last_meeting",
        c.age(last) if last else None,
        [*sources, "assessment.as_of"],
        "days from the latest steering-committee meeting to as_of (none if it never met)",
        needs=needs,
    )
    committee = c.p.governance.steering_committee if c.p.governance else None
    seated = {m.partner for m in committee.members} if committee else set()
    c.add(
        "governance.steering_committee.partners_without_member",
        [p for p in c.partner_ids if p not in seated],
        ["governance.steering_committee.members", "partners"],
        "partners with no member on the steering committee",
        needs=("governance.steering_committee", "governance.steering_committee.members"),
    )


def _sponsors(c: Collector) -> None:
    recent = sorted(
        (m.date, m.id, i)
        for i, m in enumerate(c.p.meetings)
        if m.type in EXEC_MEETINGS and c.within(m.date, Y)
    )[-SPONSOR_LOOKBACK:]
    meetings = [c.p.meetings[i] for *_, i in recent]
    sources = [f"meetings[{i}].exec_attendance" for *_, i in recent]
    needs = ("meetings", "meetings.exec_attendance")
    c.add(
        "governance.sponsors.recent_exec_meetings",
        [m.id for m in meetings],
        [f"meetings[{i}].date" for *_, i in recent],
        f"the last {SPONSOR_LOOKBACK} steering-committee or strategy-sync meetings within {Y} days",
        needs=("meetings",),
    )
    recorded: dict[str, int] = {}
    unrecorded: dict[str, list[str]] = {}
    missed: dict[str, int | Unknown] = {}
    for org in c.partner_ids:
        recorded[org] = sum(
            m.exec_attendance.get(org, Attendance.SPONSOR) is not Attendance.SPONSOR
            for m in meetings
        )
        unrecorded[org] = [m.id for m in meetings if org not in m.exec_attendance]
        missed[org] = (
            unknown_value(
                f"{org}'s sponsor attendance is not recorded for {', '.join(unrecorded[org])}"
            )
            if unrecorded[org]
            else recorded[org]
        )
    c.add(
        "governance.sponsors.missed_meetings",
        missed,
        sources,
        "per partner, recent executive meetings its sponsor delegated or missed "
        "(unknown while some of them do not record its attendance)",
        needs=needs,
    )
    c.add(
        "governance.sponsors.missed_meetings_recorded",
        recorded,
        sources,
        "per partner, recent executive meetings recorded with its sponsor delegating or missing",
        needs=needs,
    )
    c.add(
        "governance.sponsors.unrecorded_meetings",
        unrecorded,
        sources,
        "per partner, recent executive meetings that do not record its attendance",
        needs=needs,
    )
    c.add(
        "governance.sponsors.unrecorded_attendance",
        [
            f"meetings[{i}].exec_attendance.{partner}"
            for *_, i in recent
            for partner in c.partner_ids
            if partner not in c.p.meetings[i].exec_attendance
        ],
        sources,
        "partner attendance entries missing from the recent executive meetings",
        needs=needs,
    )
    for i, partner in enumerate(c.p.partners):
        path = f"partners[{i}].alliance_manager"
        c.add(
            f"partners[{i}].has_alliance_manager",
            bool((partner.alliance_manager or "").strip()),
            [path],
            "the partner names an alliance manager",
            needs=[path],
        )


def _decisions(c: Collector) -> None:
    in_window: list[tuple[int, int]] = []
    for i, d in enumerate(c.p.decisions):
        end = d.decided if d.decided is not None else c.as_of
        latency = (end - d.raised).days
        # The record's path and its decided field, formatted once for every use below.
        path = f"decisions[{i}]"
        decided = f"{path}.decided"
        sources = [f"{path}.raised", decided]
        if d.decided is None:
            sources.append("assessment.as_of")
        needs = [decided]
        c.add(
            f"{path}.latency_days",
            latency,
            sources,
            "days from raised to decided (to as_of while still open)",
            needs=needs,
        )
        c.add(f"{path}.open", d.decided is None, [decided], "not yet decided", needs=needs)
        if c.within(d.raised, H):
            in_window.append((i, latency))
    window_sources = [f"decisions[{i}]" for i, _ in in_window]
    c.add(
        "decisions.raised_within_h",
        len(in_window),
        window_sources,
        f"decisions raised within the last {H} days",
        needs=("decisions",),
    )
    c.add(
        "decisions.median_latency_days_h",
        median([lat for _, lat in in_window]) if in_window else None,
        window_sources,
        f"median latency of decisions raised within the last {H} days (none if there were none)",
        needs=("decisions", "decisions.decided"),
    )


def _escalations(c: Collector) -> None:
    for i, e in enumerate(c.p.escalations):
        end = e.resolved if e.resolved is not None else c.as_of
        path = f"escalations[{i}]"
        resolution = f"{path}.resolved"
        needs = [resolution]
        c.add(f"{path}.open", e.resolved is None, [resolution], "not yet resolved", needs=needs)
        c.add(
            f"{path}.days_open",
            (end - e.opened).days,
            [f"{path}.opened", resolution],
            "days from opened to resolved (to as_of while still open)",
            needs=needs,
        )
    # Each escalation's age, once: the windows below all measure it.
    ages = [(c.as_of - e.opened).days for e in c.p.escalations]
    recent = [(i, e) for i, e in enumerate(c.p.escalations) if 0 <= ages[i] <= H]
    by_category = Counter(str(e.category) for _, e in recent)
    c.add(
        "escalations.by_category_h",
        dict(sorted(by_category.items())),
        [f"escalations[{i}].{field}" for i, _ in recent for field in ("opened", "category")],
        f"escalations opened within the last {H} days, per category",
        needs=("escalations",),
    )
    last_q = [i for i, age in enumerate(ages) if 0 <= age <= Q]
    prior_q = [i for i, age in enumerate(ages) if Q < age <= 2 * Q]
    c.add(
        "escalations.opened_last_q",
        len(last_q),
        [f"escalations[{i}].opened" for i in last_q],
        f"escalations opened within the last {Q} days",
        needs=("escalations",),
    )
    c.add(
        "escalations.opened_prior_q",
        len(prior_q),
        [f"escalations[{i}].opened" for i in prior_q],
        f"escalations opened in the {Q} days before that",
        needs=("escalations",),
    )
    resolved = [i for i, e in enumerate(c.p.escalations) if c.within(e.resolved, H)]
    c.add(
        "escalations.resolved_within_h",
        len(resolved),
        [f"escalations[{i}].resolved" for i in resolved],
        f"escalations resolved within the last {H} days",
        needs=("escalations", "escalations.resolved"),
    )


def _lacks_agenda_or_minutes(meeting: Meeting) -> bool | None:
    """True if known to lack either; False if known to have both; None if undetermined."""
    lead, minutes = meeting.agenda_sent_days_before, meeting.minutes_published
    if (lead is not None and lead < AGENDA_LEAD_DAYS) or minutes is False:
        return True
    if lead is None or minutes is None:
        return None
    return False


def _meeting_discipline(c: Collector) -> None:
    recent: list[tuple[int, Meeting, bool | None]] = []
    for i, m in enumerate(c.p.meetings):
        path = f"meetings[{i}]"
        age = (c.as_of - m.date).days
        c.add(f"{path}.days_ago", age, [f"{path}.date"], "days before as_of")
        lead = f"{path}.agenda_sent_days_before"
        c.add(
            f"{path}.agenda_in_time",
            (m.agenda_sent_days_before or 0) >= AGENDA_LEAD_DAYS,
            [lead],
            _AGENDA_IN_TIME,
            needs=[lead],
        )
        lacks = _lacks_agenda_or_minutes(m)
        description = _LACKS_AGENDA_OR_MINUTES
        inputs = [lead, f"{path}.minutes_published"]
        if lacks is None:
            c.unknown(
                f"{path}.lacks_agenda_or_minutes",
                description,
                "agenda or minutes not stated",
                inputs,
            )
        else:
            c.add(f"{path}.lacks_agenda_or_minutes", lacks, inputs, description)
        if 0 <= age <= H:
            recent.append((i, m, lacks))
    needs = ("meetings", "meetings.agenda_sent_days_before", "meetings.minutes_published")
    c.add(
        "meetings.within_h",
        len(recent),
        [f"meetings[{i}].date" for i, _, _ in recent],
        f"meetings within the last {H} days",
        needs=("meetings",),
    )
    c.add(
        "meetings.without_agenda_or_minutes_h",
        sum(lacks is True for _, _, lacks in recent),
        [f"meetings[{i}]" for i, _, _ in recent],
        f"meetings within {H} days known to lack a timely agenda or minutes",
        needs=needs,
    )
    c.undetermined(
        "meetings.agenda_or_minutes_undetermined_h",
        f"meetings within {H} days whose agenda or minutes are not stated",
        [m.id for _, m, lacks in recent if lacks is None],
        [f"meetings[{i}]" for i, _, _ in recent],
    )


def _action_items(c: Collector) -> None:
    for i, a in enumerate(c.p.action_items):
        on_time = a.closed <= a.due if a.closed is not None else None
        if on_time is None and a.due < c.as_of:
            on_time = False
        path = f"action_items[{i}]"
        closed = f"{path}.closed"
        c.add(
            f"{path}.closed_on_time",
            on_time,
            [f"{path}.due", closed],
            "closed on or before its due date (none while open and not yet due)",
            needs=[closed],
        )
    due = [(i, a) for i, a in enumerate(c.p.action_items) if c.within(a.due, H)]
    closed_in_time = [i for i, a in due if a.closed is not None and a.closed <= a.due]
    c.add(
        "action_items.due_within_h",
        len(due),
        [f"action_items[{i}].due" for i, _ in due],
        f"action items due within the last {H} days",
        needs=("action_items",),
    )
    c.add(
        "action_items.closed_on_time_h",
        len(closed_in_time),
        [f"action_items[{i}].closed" for i in closed_in_time],
        f"action items due within the last {H} days that were closed by their due date",
        needs=("action_items", "action_items.closed"),
    )
