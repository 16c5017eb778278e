"""Checks that need the whole partnership: identity, references, dates and consistency.

Each check yields :class:`Issue` records with the field path they concern; the
loader adds file, line and column. Checks run on whatever part of the file
structured cleanly, so one bad record does not hide the problems of the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping
from datetime import date
from typing import Any

import attrs

from ..errors import closest
from ..model import Partnership
from ._convert import fact_paths

__all__ = ["Issue", "check_partnership"]

Path = tuple[str | int, ...]
JOINT = "joint"


@attrs.frozen(kw_only=True)
class Issue:
    path: Path
    code: str
    message: str
    expected: str | None = None
    found: str | None = None
    hint: str | None = None
    severity: str = "error"


@attrs.frozen(kw_only=True)
class _Context:
    facts: Partnership
    # Ids of records that failed to structure: references to them are not dangling.
    failed_ids: Mapping[str, frozenset[str]]
    # Collections that could not be read at all: any reference into them may be right.
    broken: frozenset[str]
    where: Callable[[Path], str]
    # The id of each record, in order, by collection: identity and references both need them.
    record_ids: dict[str, list[object]] = attrs.field(factory=dict)

    def ids_of(self, collection: str) -> list[object]:
        """The id of every record of *collection*, None where a record has none."""
        ids = self.record_ids.get(collection)
        if ids is None:
            ids = self.record_ids[collection] = [r.id for r in getattr(self.facts, collection)]
        return ids

    def ids(self, *collections: str) -> frozenset[str] | None:
        """The ids a reference may name, or None when they cannot be known."""
        if self.broken and not self.broken.isdisjoint(collections):
            return None
        out: set[object] = set()
        for collection in collections:
            out.update(self.ids_of(collection))
            out.update(self.failed_ids.get(collection, ()))
        out.discard(None)
        return frozenset(out)  # type: ignore[arg-type]

    def accepted(self, *collections: str, joint: bool = False) -> Container[object]:
        """What :func:`_accepted` gives for :meth:`ids`, without building the ids first."""
        # Nothing is broken in a file on the fast path: no generator to find that out.
        if self.broken and not self.broken.isdisjoint(collections):
            return _Anything()
        out: set[object] = {None, JOINT} if joint else {None}
        for collection in collections:
            out.update(self.ids_of(collection))
            out.update(self.failed_ids.get(collection, ()))
        return out


def check_partnership(
    facts: Partnership,
    *,
    failed_ids: Mapping[str, frozenset[str]],
    broken: frozenset[str] = frozenset(),
    where: Callable[[Path], str],
) -> list[Issue]:
    """Every identity, reference, date and consistency problem in *facts*."""
    ctx = _Context(facts=facts, failed_ids=failed_ids, broken=broken, where=where)
    issues: list[Issue] = []
    for check in (_identity, _references, _dates, _consistency, _data_gaps):
        issues.extend(check(ctx))
    return issues


# --- identity -------------------------------------------------------------------------

_ID_COLLECTIONS = (
    "partners",
    "objectives",
    "meetings",
    "decisions",
    "action_items",
    "escalations",
    "milestones",
    "market_signals",
    "assumptions",
    "kpis",
    "health_checks",
    "feedback_channels",
    "learning_log",
)


def _duplicates(ctx: _Context, keys: Iterable[tuple[Path, object]], what: str) -> Iterator[Issue]:
    first: dict[object, Path] = {}
    for path, key in keys:
        if key is None:
            continue
        if key in first:
            yield Issue(
                path=path,
                code="duplicate",
                message=f"duplicate {what} {_show(key)}",
                hint=f"first defined at {ctx.where(first[key])}",
            )
        else:
            first[key] = path


def _show(key: object) -> str:
    if isinstance(key, tuple):
        return "(" + ", ".join(repr(k) for k in key) + ")"
    return repr(key)


def _distinct(keys: list[object]) -> bool:
    """Whether no key but None repeats, so :func:`_duplicates` would find nothing.

    A set answers that for a whole collection at once; the paths and the
    first-seen table are only built for a collection that has a duplicate.
    """
    unique = set(keys)
    if None in unique:
        return len(unique) - 1 == sum(1 for key in keys if key is not None)
    return len(unique) == len(keys)


def _identity(ctx: _Context) -> Iterator[Issue]:
    f = ctx.facts
    for name in _ID_COLLECTIONS:
        ids = ctx.ids_of(name)
        if not _distinct(ids):
            keys = (((name, i, "id"), key) for i, key in enumerate(ids))
            yield from _duplicates(ctx, keys, "id")
    for k, kpi in enumerate(f.kpis):
        periods: list[object] = [p.period for p in kpi.series]
        if not _distinct(periods):
            yield from _duplicates(
                ctx,
                ((("kpis", k, "series", j, "period"), period) for j, period in enumerate(periods)),
                f"period in the series of KPI {kpi.id!r}:",
            )
    surveys: list[object] = [(s.period, s.respondent_org) for s in f.pulse_surveys]
    if not _distinct(surveys):
        yield from _duplicates(
            ctx,
            ((("pulse_surveys", i), key) for i, key in enumerate(surveys)),
            "pulse survey (period, respondent_org)",
        )
    commitments: list[object] = [(r.partner, r.resource, r.period) for r in f.resource_commitments]
    if not _distinct(commitments):
        yield from _duplicates(
            ctx,
            ((("resource_commitments", i), key) for i, key in enumerate(commitments)),
            "resource commitment (partner, resource, period)",
        )
    history: list[object] = [h.period for h in f.history]
    if not _distinct(history):
        yield from _duplicates(
            ctx,
            ((("history", i, "period"), period) for i, period in enumerate(history)),
            "history period",
        )
    # Two dates are equal exactly when their ISO texts are, which only a report needs.
    if not _distinct([(p.partner, p.assessed) for p in f.culture.profiles]):
        profiles = [(p.partner, p.assessed.isoformat()) for p in f.culture.profiles]
        yield from _duplicates(
            ctx,
            ((("culture", "profiles", i), key) for i, key in enumerate(profiles)),
            "culture profile (partner, assessed)",
        )


# --- references -----------------------------------------------------------------------


def _dangling(
    path: Path, value: str | None, known: Collection[str] | None, what: str, *, joint: bool = False
) -> Iterator[Issue]:
    if known is None or value is None or value in known or (joint and value == JOINT):
        return
    choices = sorted(known) + ([JOINT] if joint else [])
    guess = closest(value, choices)
    yield Issue(
        path=path,
        code="reference",
        message=f"unknown {what} {value!r}",
        expected="one of " + ", ".join(repr(c) for c in choices)
        if choices
        else f"a defined {what}",
        hint=f"did you mean {guess!r}?" if guess else None,
    )


class _Anything:
    """Accepts every reference: what a collection that could not be read allows."""

    def __contains__(self, _: object) -> bool:
        return True


def _accepted(known: frozenset[str] | None, *, joint: bool = False) -> Container[object]:
    """Every value :func:`_dangling` lets pass: a valid reference then costs one lookup."""
    if known is None:
        return _Anything()
    return known | ({None, JOINT} if joint else {None})


def _references(ctx: _Context) -> Iterator[Issue]:
    # Each reference is tested against its accepted set first; _dangling, which
    # builds the issue, only runs for a reference that is really dangling.
    # The known ids themselves, sorted into the message, are only built for a dangling one.
    f = ctx.facts
    ok_partner = ctx.accepted("partners")
    ok_owner = ctx.accepted("partners", joint=True)
    ok_objective = ctx.accepted("objectives")
    ok_kpi = ctx.accepted("kpis")
    ok_signal = ctx.accepted("market_signals")
    ok_meeting = ctx.accepted("meetings")
    ok_linkable = ctx.accepted("milestones", "escalations", "decisions")

    if f.assessment.partnership_id != f.partnership.id:
        yield Issue(
            path=("assessment", "partnership_id"),
            code="reference",
            message="does not match the partnership's id",
            expected=repr(f.partnership.id),
            found=repr(f.assessment.partnership_id),
        )
    for i, obj in enumerate(f.objectives):
        for j, p in enumerate(obj.agreed_by):
            if p not in ok_partner:
                yield from _dangling(
                    ("objectives", i, "agreed_by", j), p, ctx.ids("partners"), "partner"
                )
        for p in obj.priority:
            if p not in ok_partner:
                yield from _dangling(
                    ("objectives", i, "priority", p), p, ctx.ids("partners"), "partner"
                )
        for j, k in enumerate(obj.kpi_ids):
            if k not in ok_kpi:
                yield from _dangling(("objectives", i, "kpi_ids", j), k, ctx.ids("kpis"), "KPI")
    committee = f.governance.steering_committee if f.governance else None
    for i, m in enumerate(committee.members if committee else ()):
        if m.partner not in ok_partner:
            path: Path = ("governance", "steering_committee", "members", i, "partner")
            yield from _dangling(path, m.partner, ctx.ids("partners"), "partner")
    for i, mt in enumerate(f.meetings):
        for p in mt.exec_attendance:
            if p not in ok_partner:
                yield from _dangling(
                    ("meetings", i, "exec_attendance", p), p, ctx.ids("partners"), "partner"
                )
        for j, s in enumerate(mt.signals_discussed):
            if s not in ok_signal:
                path = ("meetings", i, "signals_discussed", j)
                yield from _dangling(path, s, ctx.ids("market_signals"), "market signal")
    for i, a in enumerate(f.action_items):
        if a.meeting_id not in ok_meeting:
            path = ("action_items", i, "meeting_id")
            yield from _dangling(path, a.meeting_id, ctx.ids("meetings"), "meeting")
    for i, e in enumerate(f.escalations):
        if e.raised_by not in ok_partner:
            path = ("escalations", i, "raised_by")
            yield from _dangling(path, e.raised_by, ctx.ids("partners"), "partner")
    for i, r in enumerate(f.resource_commitments):
        if r.partner not in ok_partner:
            path = ("resource_commitments", i, "partner")
            yield from _dangling(path, r.partner, ctx.ids("partners"), "partner")
    for i, ms in enumerate(f.milestones):
        if ms.owner not in ok_owner:
            path = ("milestones", i, "owner")
            yield from _dangling(path, ms.owner, ctx.ids("partners"), "owner", joint=True)
    for i, pr in enumerate(f.culture.profiles):
        if pr.partner not in ok_partner:
            path = ("culture", "profiles", i, "partner")
            yield from _dangling(path, pr.partner, ctx.ids("partners"), "partner")
    for i, act in enumerate(f.culture.integration_activities):
        for p in act.participants:
            if p not in ok_partner:
                path = ("culture", "integration_activities", i, "participants", p)
                yield from _dangling(path, p, ctx.ids("partners"), "partner")
    for i, sig in enumerate(f.market_signals):
        for j, o in enumerate(sig.affects_objectives):
            if o not in ok_objective:
                path = ("market_signals", i, "affects_objectives", j)
                yield from _dangling(path, o, ctx.ids("objectives"), "objective")
    for i, asm in enumerate(f.assumptions):
        for j, o in enumerate(asm.objectives):
            if o not in ok_objective:
                path = ("assumptions", i, "objectives", j)
                yield from _dangling(path, o, ctx.ids("objectives"), "objective")
    for i, kpi in enumerate(f.kpis):
        if kpi.owner not in ok_owner:
            yield from _dangling(
                ("kpis", i, "owner"), kpi.owner, ctx.ids("partners"), "owner", joint=True
            )
    for i, ps in enumerate(f.pulse_surveys):
        if ps.respondent_org not in ok_partner:
            path = ("pulse_surveys", i, "respondent_org")
            yield from _dangling(path, ps.respondent_org, ctx.ids("partners"), "partner")
    for i, hc in enumerate(f.health_checks):
        for p in hc.scores:
            if p not in ok_partner:
                yield from _dangling(
                    ("health_checks", i, "scores", p), p, ctx.ids("partners"), "partner"
                )
    for i, fc in enumerate(f.feedback_channels):
        for j, p in enumerate(fc.open_to):
            if p not in ok_partner:
                path = ("feedback_channels", i, "open_to", j)
                yield from _dangling(path, p, ctx.ids("partners"), "partner")
    for i, le in enumerate(f.learning_log):
        if le.author_org not in ok_partner:
            path = ("learning_log", i, "author_org")
            yield from _dangling(path, le.author_org, ctx.ids("partners"), "partner")
        if le.linked_to not in ok_linkable:
            path = ("learning_log", i, "linked_to")
            yield from _dangling(
                path,
                le.linked_to,
                ctx.ids("milestones", "escalations", "decisions"),
                "milestone, escalation or decision",
            )


# --- dates ----------------------------------------------------------------------------


def _observed_dates(f: Partnership) -> Iterator[tuple[Path, date | None]]:
    """Dates that record something that already happened, so cannot follow ``as_of``."""
    yield ("partnership", "start_date"), f.partnership.start_date
    for i, o in enumerate(f.objectives):
        yield ("objectives", i, "last_revised"), o.last_revised
    for i, m in enumerate(f.meetings):
        yield ("meetings", i, "date"), m.date
    for i, d in enumerate(f.decisions):
        yield ("decisions", i, "raised"), d.raised
        yield ("decisions", i, "decided"), d.decided
    for i, a in enumerate(f.action_items):
        yield ("action_items", i, "closed"), a.closed
    for i, e in enumerate(f.escalations):
        yield ("escalations", i, "opened"), e.opened
        yield ("escalations", i, "resolved"), e.resolved
    for i, ms in enumerate(f.milestones):
        yield ("milestones", i, "completed"), ms.completed
    for i, p in enumerate(f.culture.profiles):
        yield ("culture", "profiles", i, "assessed"), p.assessed
    for i, act in enumerate(f.culture.integration_activities):
        # A planned activity is dated in the future on purpose.
        if act.status != "planned":
            yield ("culture", "integration_activities", i, "date"), act.date
    if f.culture.working_agreement is not None:
        yield ("culture", "working_agreement", "agreed"), f.culture.working_agreement.agreed
    for i, sig in enumerate(f.market_signals):
        yield ("market_signals", i, "observed"), sig.observed
        yield ("market_signals", i, "response_decided"), sig.response_decided
    for i, asm in enumerate(f.assumptions):
        yield ("assumptions", i, "status_changed"), asm.status_changed
        yield ("assumptions", i, "last_reviewed"), asm.last_reviewed
    for i, survey in enumerate(f.pulse_surveys):
        yield ("pulse_surveys", i, "date"), survey.date
    for i, h in enumerate(f.health_checks):
        yield ("health_checks", i, "date"), h.date
    for i, le in enumerate(f.learning_log):
        yield ("learning_log", i, "date"), le.date


def _dates(ctx: _Context) -> Iterator[Issue]:
    f = ctx.facts
    as_of = f.assessment.as_of
    for path, day in _observed_dates(f):
        if day is not None and day > as_of:
            yield Issue(
                path=path,
                code="date",
                message="records an event after the assessment date",
                expected=f"a date on or before as_of {as_of.isoformat()}",
                found=day.isoformat(),
            )
    period = f.assessment.period
    for i, k in enumerate(f.kpis):
        for j, point in enumerate(k.series):
            if point.actual is not None and point.period > period:
                yield Issue(
                    path=("kpis", i, "series", j, "actual"),
                    code="date",
                    message="an actual value for a period after the assessed period",
                    expected=f"a period up to {period}",
                    found=point.period,
                )
    for i, ps in enumerate(f.pulse_surveys):
        if ps.period > period:
            yield Issue(
                path=("pulse_surveys", i, "period"),
                code="date",
                message="a pulse survey for a period after the assessed period",
                expected=f"a period up to {period}",
                found=ps.period,
            )
    for i, h in enumerate(f.history):
        if h.period >= period:
            yield Issue(
                path=("history", i, "period"),
                code="date",
                message="history must describe earlier assessments",
                expected=f"a period before {period}",
                found=h.period,
            )


# --- consistency ----------------------------------------------------------------------


def _before(path: Path, later: date | None, earlier: date | None, what: str) -> Issue | None:
    # A plain function, not a generator: it runs for every dated record of a valid
    # file, where creating and exhausting an empty generator costs more than the test.
    if later is not None and earlier is not None and later < earlier:
        return Issue(
            path=path,
            code="consistency",
            message=f"is earlier than {what}",
            expected=f"a date on or after {earlier.isoformat()}",
            found=later.isoformat(),
        )
    return None


def _at_most(path: Path, value: float | None, limit: float | None, what: str) -> Issue | None:
    if value is not None and limit is not None and value > limit:
        return Issue(
            path=path,
            code="consistency",
            message=f"exceeds {what}",
            expected=f"at most {limit:g}",
            found=f"{value:g}",
        )
    return None


def _consistency(ctx: _Context) -> Iterator[Issue]:
    f = ctx.facts
    if (
        "partners" not in ctx.broken
        and len(f.partners) + len(ctx.failed_ids.get("partners", ())) < 2
    ):
        yield Issue(
            path=("partners",),
            code="consistency",
            message="a partnership needs at least two partners",
            expected="two or more [[partners]] tables",
            found=str(len(f.partners)),
        )
    for i, d in enumerate(f.decisions):
        if issue := _before(
            ("decisions", i, "decided"), d.decided, d.raised, "the date it was raised"
        ):
            yield issue
    for i, e in enumerate(f.escalations):
        if issue := _before(
            ("escalations", i, "resolved"), e.resolved, e.opened, "the date it opened"
        ):
            yield issue
        if e.resolution is not None and e.resolved is None:
            yield Issue(
                path=("escalations", i, "resolution"),
                code="consistency",
                message="a resolution is given but the escalation has no resolved date",
                expected="resolved = <date> alongside resolution",
            )
    for i, s in enumerate(f.market_signals):
        path: Path = ("market_signals", i, "response_decided")
        if issue := _before(path, s.response_decided, s.observed, "the date it was observed"):
            yield issue
    for i, p in enumerate(f.pulse_surveys):
        if issue := _at_most(("pulse_surveys", i, "responses"), p.responses, p.invited, "invited"):
            yield issue
    for i, h in enumerate(f.health_checks):
        path = ("health_checks", i, "actions_done")
        if issue := _at_most(path, h.actions_done, h.actions_total, "actions_total"):
            yield issue


def _data_gaps(ctx: _Context) -> Iterator[Issue]:
    known = fact_paths(Partnership)
    for i, gap in enumerate(ctx.facts.assessment.data_gaps):
        if gap not in known:
            guess = closest(gap, known)
            yield Issue(
                path=("assessment", "data_gaps", i),
                code="reference",
                message=f"unknown fact path {gap!r}",
                expected="a dotted fact path such as 'culture.profiles' or 'escalations'",
                hint=f"did you mean {guess!r}?" if guess else None,
            )
        elif _has_facts(ctx.facts, gap):
            yield Issue(
                path=("assessment", "data_gaps", i),
                code="consistency",
                message=f"{gap!r} is declared a data gap, but the file has facts for it",
                hint="remove the facts or the data gap; realign will not guess which is right",
            )


def _has_facts(node: Any, dotted: str) -> bool:
    """Whether the file states anything at *dotted*; inside a collection, in any record."""
    head, _, rest = dotted.partition(".")
    value = getattr(node, head, None)
    if not rest:
        return _states_something(value)
    if isinstance(value, tuple):
        return any(_has_facts(record, rest) for record in value)
    return value is not None and _has_facts(value, rest)


def _states_something(node: Any) -> bool:
    """Whether *node* holds any stated fact (an empty table or collection holds none)."""
    if node is None:
        return False
    if attrs.has(type(node)):
        return any(_states_something(getattr(node, f.name)) for f in attrs.fields(type(node)))
    if isinstance(node, tuple | Mapping):
        return bool(node)
    return True
