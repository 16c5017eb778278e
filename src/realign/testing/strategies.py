"""Hypothesis strategies that generate valid partnerships (fact format v1).

Plugin authors can fuzz their rules and enrichers with them; realign's own
property tests use them too. Every partnership drawn from :func:`partnerships`
passes the loader's validation: ids are unique, every reference resolves,
every observed date is on or before ``as_of``, and every scale is in bounds.
Optional values are sometimes omitted, collections are sometimes empty and
optional tables are sometimes absent, so rules meet unknown facts as well::

    from hypothesis import given
    from realign.testing.strategies import partnerships

    @given(partnerships())
    def test_my_enricher_never_fails(partnership):
        ...

Importing this module needs ``hypothesis`` (part of realign's ``test`` extra).
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Hashable, Mapping
from datetime import date, timedelta
from typing import Any, TypeVar

import attrs
import pluggy
from hypothesis import strategies as st

from ..enrich import FactSet, enrich
from ..loading._convert import fact_paths
from ..model import (
    ActionItem,
    ActivityStatus,
    AgendaItem,
    Area,
    Assessment,
    Assumption,
    AssumptionStatus,
    Attendance,
    Culture,
    CultureDimension,
    CultureProfile,
    Decision,
    DecisionProtocol,
    Direction,
    Escalation,
    EscalationCategory,
    EscalationPath,
    Facilitator,
    FeedbackChannel,
    Governance,
    HealthCheck,
    HealthCheckType,
    HealthDimension,
    HistoryEntry,
    IntegrationActivity,
    IntegrationType,
    Kpi,
    KpiCategory,
    KpiKind,
    KpiPoint,
    LearningEntry,
    LearningType,
    MarketSignal,
    Meeting,
    MeetingType,
    MemberLevel,
    Milestone,
    Money,
    Objective,
    ObjectiveLevel,
    Partner,
    Partnership,
    PartnershipProfile,
    PartnershipType,
    PulseItem,
    PulseSurvey,
    Resolution,
    ResourceCommitment,
    SharedScorecard,
    SignalType,
    Stage,
    SteeringCommittee,
    SteeringMember,
    WorkingAgreement,
    WorkingAgreementTopic,
)
from ..model.scales import (
    Amount,
    Count,
    Currency,
    Days,
    Identifier,
    Lead,
    Likert,
    Magnitude,
    Nps,
    Period,
    Score,
    Weight,
    period_of,
)
from ..plugins import get_plugin_manager

__all__ = [
    "dates_before",
    "fact_sets",
    "free_text",
    "identifiers",
    "partner_ids",
    "partnerships",
    "periods",
]

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

_ID_CHARS = string.ascii_letters + string.digits + "-_"
# Characters that may sit inside an identifier: they force quoting in TOML keys
# and bracketed segments in error paths, which is worth exercising.
_ID_INNER = (" ", ".", "é", "·", "/", ":", "'")
# Characters that break naive writers and scanners, drawn more often than chance.
_TRICKY = (
    *('"', "'", "\\", "\n", "\r", "\t", "#", "=", "[", "]", "{", "}", ",", "x", "u"),
    *("\x00", "\x1b", "\x7f", "\x85", "\xa0", "\xad", "\u2028", "\ufeff", "é", "😀"),
)
_PHRASES = (
    "Helix Diagnostics",
    "Nimbus Analytics — Connected Lab Insights",
    'The "joint" roadmap',
    "it's late",
    "line one\nline two",
    "C:\\temp\\notes\\x64",
    "Ünïcødé ✓ 合作",
    "",
    " padded ",
)
_AS_OF_RANGE = (date(2001, 1, 1), date(2039, 12, 31))
_AS_OF_LIMITS = (date(1100, 1, 1), date(9900, 12, 31))
# Days back from as_of; the window edges of the enrichers (91, 182, 365 days) are
# drawn more often, so rules meet "just inside" and "just outside" every window.
_WINDOW_EDGES = (0, 1, 90, 91, 92, 181, 182, 183, 364, 365, 366, 730)
_JOINT = Identifier("joint")


# --- building blocks ------------------------------------------------------------------

# Strategies are built once and reused: Hypothesis validates every new strategy
# object on first use, which would otherwise dominate the cost of a draw.
_cached = functools.lru_cache(maxsize=4096)


def identifiers() -> st.SearchStrategy[Identifier]:
    """Record ids: short ASCII words, sometimes with a space, dot or non-ASCII letter inside.

    Every id is non-empty and has no leading or trailing whitespace, as the
    format requires.

    Returns:
        A strategy of identifiers (not unique; use ``st.lists(..., unique=True)``).
    """
    return _IDENTIFIERS


def partner_ids(*, min_size: int = 2, max_size: int = 4) -> st.SearchStrategy[list[Identifier]]:
    """Distinct partner ids for one partnership.

    Args:
        min_size: the fewest partners; a valid partnership has at least two.
        max_size: the most partners.

    Returns:
        A strategy of lists of unique identifiers.
    """
    return _unique_ids(min_size, max_size)


def free_text(*, max_size: int = 30) -> st.SearchStrategy[str]:
    """Names, titles and notes: realistic phrases, and arbitrary Unicode with quotes,
    backslashes, newlines, control characters and other characters that trouble
    writers and scanners.

    Args:
        max_size: the longest generated string, in characters.

    Returns:
        A strategy of strings, possibly empty.
    """
    return _free_text(max_size)


def dates_before(as_of: date, *, max_days: int = 1100) -> st.SearchStrategy[date]:
    """Dates on or before *as_of*, favouring the edges of the 91/182/365-day windows.

    Args:
        as_of: the latest date to generate (an assessment's ``as_of``).
        max_days: how many days before *as_of* the earliest date may be.

    Returns:
        A strategy of dates in ``[as_of - max_days, as_of]``.
    """
    return _dates_before(as_of, max_days)


def periods(*, latest: str | None = None, span: int = 16) -> st.SearchStrategy[Period]:
    """Quarter labels ``YYYY-Qn``.

    Args:
        latest: the latest period to generate (inclusive); without it, periods of
            2000 to 2040.
        span: how many quarters back from *latest* to reach (ignored without it).

    Returns:
        A strategy of period labels.
    """
    if latest is None:
        return _periods(_quarter_index("2000-Q1"), _quarter_index("2040-Q4"))
    high = _quarter_index(latest)
    return _periods(max(high - span + 1, 0), high)


@_cached
def _unique_ids(min_size: int, max_size: int) -> st.SearchStrategy[list[Identifier]]:
    return st.lists(_IDENTIFIERS, min_size=min_size, max_size=max_size, unique=True)


@_cached
def _free_text(max_size: int) -> st.SearchStrategy[str]:
    # Any Unicode scalar value but surrogates, which UTF-8 cannot encode: control
    # characters, NUL and U+2028 included, as a consultant's paste can contain them.
    characters = st.characters(codec="utf-8")
    arbitrary = st.text(st.one_of(st.sampled_from(_TRICKY), characters), max_size=max_size)
    phrases = [phrase for phrase in _PHRASES if len(phrase) <= max_size]
    return st.one_of(st.sampled_from(phrases), arbitrary)


@_cached
def _dates_before(as_of: date, max_days: int) -> st.SearchStrategy[date]:
    back = st.one_of(
        st.sampled_from([d for d in _WINDOW_EDGES if d <= max_days]),
        st.integers(0, max_days),
    )
    return back.map(lambda days: as_of - timedelta(days=days))


@_cached
def _periods(low: int, high: int) -> st.SearchStrategy[Period]:
    return st.integers(low, high).map(_period_label)


@_cached
def _unique_periods(latest: str, span: int, max_size: int) -> st.SearchStrategy[list[Period]]:
    return st.lists(periods(latest=latest, span=span), unique=True, max_size=max_size)


def _quarter_index(period: str) -> int:
    year, quarter = period.split("-Q")
    return int(year) * 4 + int(quarter) - 1


def _period_label(index: int) -> Period:
    return Period(f"{index // 4:04d}-Q{index % 4 + 1}")


def _shift(period: str, quarters: int) -> Period:
    return _period_label(_quarter_index(period) + quarters)


@_cached
def _opt(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


@_cached
def _subset(items: tuple[T, ...], max_size: int | None = None) -> st.SearchStrategy[list[T]]:
    if not items:
        return st.just([])
    return st.lists(st.sampled_from(items), unique=True, max_size=max_size or len(items))


@_cached
def _table(
    keys: tuple[K, ...], values: st.SearchStrategy[V], min_size: int = 0
) -> st.SearchStrategy[dict[K, V]]:
    if not keys:
        return st.just({})
    return st.dictionaries(st.sampled_from(keys), values, min_size=min_size, max_size=len(keys))


@_cached
def _enum(enum: Hashable) -> st.SearchStrategy[Any]:
    return st.sampled_from(list(enum))  # type: ignore[call-overload]


@_cached
def _count(high: int = 500) -> st.SearchStrategy[Count]:
    return st.integers(0, high).map(Count)


@_cached
def _around(as_of: date) -> st.SearchStrategy[date]:
    """Dates that may lie after as_of: due dates, targets, planned activities."""
    return st.dates(as_of - timedelta(days=1100), as_of + timedelta(days=1100))


@_cached
def _between(start: date, end: date) -> st.SearchStrategy[date]:
    return st.dates(start, max(start, end))


@_cached
def _sample(items: tuple[T, ...]) -> st.SearchStrategy[T]:
    return st.sampled_from(items)


_WORD = st.text(_ID_CHARS, min_size=1, max_size=8)
_IDENTIFIERS: st.SearchStrategy[Identifier] = st.one_of(
    _WORD, st.tuples(_WORD, st.sampled_from(_ID_INNER), _WORD).map("".join)
).map(Identifier)
_BOOL = _opt(st.booleans())
_LIKERT = st.one_of(st.integers(1, 5).map(float), st.floats(1, 5)).map(Likert)
# Any finite number is valid; small round values are what files usually hold.
_NUMBER = st.one_of(
    st.integers(-1000, 1000).map(float), st.floats(allow_nan=False, allow_infinity=False)
)
_AMOUNT = st.one_of(
    st.integers(0, 1000).map(float), st.floats(0, allow_nan=False, allow_infinity=False)
).map(Amount)
_SCORE = st.floats(0, 100).map(Score)
_WEIGHT = st.integers(1, 5).map(Weight)
_CURRENCY = st.text(string.ascii_uppercase, min_size=3, max_size=3).map(Currency)
_VERSION = _opt(st.sampled_from(["0.1", "0.2", "1.0"]))
_TEXT = _free_text(30)
# An empty string records that the partner has no alliance manager.
_MANAGER = st.one_of(st.just(""), _TEXT)
_RESOURCE_NAMES = st.one_of(st.sampled_from(["engineers", "budget", "FTE"]), _TEXT)
# An open vocabulary: the usual kinds, or anything.
_CHANNEL_TYPES = st.one_of(
    st.sampled_from(["anonymous_form", "retrospective", "skip_level", "ombuds"]), _TEXT
)
_LEVELS = st.lists(_TEXT, max_size=4)
_CADENCE = st.integers(0, 400).map(Days)
_SLA = st.integers(0, 120).map(Days)
_DAYS_PER_LEVEL = st.integers(0, 60).map(Days)
# -1 records a meeting held without a written agenda.
_LEAD = st.integers(-1, 30).map(Lead)
_MAGNITUDE = st.integers(1, 5).map(Magnitude)
_NPS = st.integers(-100, 100).map(Nps)
_ID_LISTS = st.lists(_IDENTIFIERS, unique=True, max_size=4)
_HEALTH_IDS = st.lists(_opt(_IDENTIFIERS), max_size=3)


# --- the partnership ------------------------------------------------------------------

Draw = st.DrawFn


@attrs.frozen
class _Ctx:
    """What every record needs to know to stay valid, with its strategies built once."""

    draw: Draw
    as_of: date
    period: Period
    partners: tuple[Identifier, ...]
    objectives: tuple[Identifier, ...]
    kpis: tuple[Identifier, ...]
    signals: tuple[Identifier, ...]
    meetings: tuple[Identifier, ...]
    linkable: tuple[Identifier, ...]

    @property
    def text(self) -> st.SearchStrategy[str]:
        return _TEXT

    def maybe_text(self) -> str | None:
        return self.draw(_opt(self.text))

    def maybe(self, strategy: st.SearchStrategy[T]) -> T | None:
        return self.draw(_opt(strategy))

    def flag(self) -> bool | None:
        return self.draw(_BOOL)

    def one(self, enum: Hashable) -> Any:
        return self.draw(_enum(enum))

    def observed(self) -> date:
        """A date on or before as_of."""
        return self.draw(_dates_before(self.as_of, 1100))

    def maybe_observed(self) -> date | None:
        return self.draw(_opt(_dates_before(self.as_of, 1100)))

    def since(self, start: date) -> date | None:
        """Sometimes a date from *start* to as_of (decided, resolved, response_decided)."""
        return self.draw(_opt(_between(start, self.as_of)))

    def partner(self) -> Identifier:
        partner: Identifier = self.draw(_sample(self.partners))
        return partner

    def owner(self) -> Identifier | None:
        return self.draw(_opt(_sample((*self.partners, _JOINT))))

    def some(self, items: tuple[T, ...]) -> tuple[T, ...]:
        return tuple(self.draw(_subset(items)))

    def reference(self, items: tuple[T, ...]) -> T | None:
        return self.draw(_opt(_sample(items))) if items else None

    def per_partner(self, values: st.SearchStrategy[V], min_size: int = 0) -> dict[Identifier, V]:
        return self.draw(_table(self.partners, values, min_size))

    def per(self, enum: Any, values: st.SearchStrategy[V]) -> dict[Any, V]:
        return self.draw(_table(tuple(enum), values))


def _partner(c: _Ctx, pid: Identifier) -> Partner:
    return Partner(
        id=pid,
        name=c.draw(c.text),
        industry=c.maybe_text(),
        headcount=c.maybe(_count(100_000)),
        has_alliance_function=c.flag(),
        alliance_manager=c.draw(_opt(_MANAGER)),
        executive_sponsor=c.maybe_text(),
        named_contacts=c.maybe(_count(50)),
        internal_alignment_score=c.maybe(_LIKERT),
    )


def _objective(c: _Ctx, oid: Identifier) -> Objective:
    return Objective(
        id=oid,
        title=c.draw(c.text),
        level=c.one(ObjectiveLevel),
        agreed_by=c.some(c.partners),
        has_execution_plan=c.flag(),
        has_resource_plan=c.flag(),
        kpi_ids=c.some(c.kpis),
        priority=c.per_partner(_WEIGHT),
        last_revised=c.maybe_observed(),
        target_date=c.maybe(_around(c.as_of)),
    )


def _governance(c: _Ctx) -> Governance:
    committee = protocol = path = scorecard = None
    if c.flag() is not None:
        members = [
            SteeringMember(
                partner=c.partner(),
                name=c.maybe_text(),
                role=c.maybe_text(),
                level=c.maybe(_enum(MemberLevel)),
            )
            for _ in range(c.draw(st.integers(0, 5)))
        ]
        committee = SteeringCommittee(
            exists=c.flag(),
            charter=c.flag(),
            cadence_days=c.maybe(_CADENCE),
            members=tuple(members),
        )
    if c.flag() is not None:
        protocol = DecisionProtocol(
            documented=c.flag(),
            decision_rights_matrix=c.flag(),
            deadlock_mechanism=c.flag(),
            decision_sla_days=c.maybe(_SLA),
        )
    if c.flag() is not None:
        path = EscalationPath(
            defined=c.flag(),
            levels=tuple(c.draw(_LEVELS)),
            max_days_per_level=c.maybe(_DAYS_PER_LEVEL),
        )
    if c.flag() is not None:
        scorecard = SharedScorecard(exists=c.flag(), jointly_agreed=c.flag())
    return Governance(
        steering_committee=committee,
        decision_protocol=protocol,
        escalation_path=path,
        shared_scorecard=scorecard,
    )


def _meeting(c: _Ctx, mid: Identifier) -> Meeting:
    return Meeting(
        id=mid,
        date=c.observed(),
        type=c.one(MeetingType),
        exec_attendance=c.per_partner(_enum(Attendance)),
        agenda_sent_days_before=c.maybe(_LEAD),
        minutes_published=c.flag(),
        agenda_items=c.some(tuple(AgendaItem)),
        signals_discussed=c.some(c.signals),
        priorities_adjusted=c.flag(),
        decisions_made=c.maybe(_count(20)),
    )


def _decision(c: _Ctx, did: Identifier) -> Decision:
    raised = c.observed()
    return Decision(id=did, topic=c.maybe_text(), raised=raised, decided=c.since(raised))


def _action_item(c: _Ctx, aid: Identifier) -> ActionItem:
    return ActionItem(
        id=aid,
        meeting_id=c.reference(c.meetings),
        owner=c.maybe_text(),
        due=c.draw(_around(c.as_of)),
        closed=c.maybe_observed(),
    )


def _escalation(c: _Ctx, eid: Identifier) -> Escalation:
    opened = c.observed()
    resolved = c.since(opened)
    return Escalation(
        id=eid,
        opened=opened,
        raised_by=c.partner(),
        category=c.one(EscalationCategory),
        level_reached=c.maybe(_count(5)),
        resolved=resolved,
        # A resolution needs a resolved date.
        resolution=c.maybe(_enum(Resolution)) if resolved is not None else None,
        note=c.maybe_text(),
    )


def _resource_commitment(c: _Ctx) -> ResourceCommitment:
    return ResourceCommitment(
        partner=c.partner(),
        resource=c.draw(_RESOURCE_NAMES),
        unit=c.maybe_text(),
        period=c.draw(periods(latest=_shift(c.period, 4))),
        committed=c.draw(_AMOUNT),
        delivered=c.maybe(_AMOUNT),
    )


def _milestone(c: _Ctx, mid: Identifier) -> Milestone:
    return Milestone(
        id=mid,
        title=c.maybe_text(),
        owner=c.owner(),
        due=c.draw(_around(c.as_of)),
        completed=c.maybe_observed(),
    )


def _culture(c: _Ctx) -> Culture:
    profiles = [
        CultureProfile(
            partner=c.partner(),
            assessed=c.observed(),
            method=c.maybe_text(),
            respondents=c.maybe(_count()),
            scores=c.per(CultureDimension, _LIKERT),
        )
        for _ in range(c.draw(st.integers(0, 4)))
    ]
    activities = []
    for _ in range(c.draw(st.integers(0, 4))):
        status = c.one(ActivityStatus)
        activities.append(
            IntegrationActivity(
                type=c.one(IntegrationType),
                # A planned activity may be dated in the future; a held one may not.
                date=c.draw(_around(c.as_of)) if status is ActivityStatus.PLANNED else c.observed(),
                status=status,
                participants=c.per_partner(_count(200)),
                description=c.maybe_text(),
            )
        )
    agreement = None
    if c.flag() is not None:
        agreement = WorkingAgreement(
            exists=c.flag(),
            agreed=c.maybe_observed(),
            covers=c.some(tuple(WorkingAgreementTopic)),
        )
    return Culture(
        profiles=_unique(profiles, lambda p: (p.partner, p.assessed)),
        integration_activities=tuple(activities),
        working_agreement=agreement,
    )


def _market_signal(c: _Ctx, sid: Identifier) -> MarketSignal:
    observed = c.observed()
    return MarketSignal(
        id=sid,
        observed=observed,
        type=c.one(SignalType),
        magnitude=c.draw(_MAGNITUDE),
        description=c.maybe_text(),
        source=c.maybe_text(),
        affects_objectives=c.some(c.objectives),
        response_decided=c.since(observed),
        response=c.maybe_text(),
    )


def _assumption(c: _Ctx, aid: Identifier) -> Assumption:
    return Assumption(
        id=aid,
        statement=c.draw(c.text),
        load_bearing=c.flag(),
        signpost=c.maybe_text(),
        status=c.one(AssumptionStatus),
        status_changed=c.maybe_observed(),
        last_reviewed=c.maybe_observed(),
        objectives=c.some(c.objectives),
    )


def _kpi(c: _Ctx, kid: Identifier) -> Kpi:
    labels = c.draw(_unique_periods(_shift(c.period, 2), 12, 6))
    series = tuple(
        KpiPoint(
            period=label,
            target=c.maybe(_NUMBER),
            # Targets may be set ahead; actuals exist only up to the assessed period.
            actual=c.maybe(_NUMBER) if label <= c.period else None,
        )
        for label in labels
    )
    return Kpi(
        id=kid,
        name=c.draw(c.text),
        unit=c.maybe_text(),
        category=c.maybe(_enum(KpiCategory)),
        kind=c.maybe(_enum(KpiKind)),
        direction=c.one(Direction),
        owner=c.owner(),
        jointly_agreed=c.flag(),
        series=series,
    )


def _pulse_survey(c: _Ctx) -> PulseSurvey:
    invited = c.maybe(_count(300))
    return PulseSurvey(
        period=c.draw(periods(latest=c.period, span=8)),
        date=c.observed(),
        respondent_org=c.partner(),
        invited=invited,
        responses=c.maybe(_count(300 if invited is None else invited)),
        items=c.per(PulseItem, _LIKERT),
        recommend_nps=c.maybe(_NPS),
    )


def _health_check(c: _Ctx, hid: Identifier | None) -> HealthCheck:
    ratings = _table(tuple(HealthDimension), _LIKERT)
    total = c.maybe(_count(30))
    return HealthCheck(
        id=hid,
        date=c.observed(),
        type=c.maybe(_enum(HealthCheckType)),
        facilitator=c.maybe(_enum(Facilitator)),
        scores=c.per_partner(ratings),
        action_plan=c.flag(),
        actions_total=total,
        actions_done=c.maybe(_count(30 if total is None else total)),
    )


def _feedback_channel(c: _Ctx, fid: Identifier) -> FeedbackChannel:
    return FeedbackChannel(
        id=fid,
        type=c.draw(_CHANNEL_TYPES),
        open_to=c.some(c.partners),
        anonymous=c.flag(),
        items_last_period=c.maybe(_count(100)),
        median_response_days=c.maybe(_AMOUNT),
    )


def _learning_entry(c: _Ctx, lid: Identifier) -> LearningEntry:
    return LearningEntry(
        id=lid,
        date=c.observed(),
        type=c.one(LearningType),
        author_org=c.partner(),
        title=c.maybe_text(),
        linked_to=c.reference(c.linkable),
    )


def _history_entry(c: _Ctx, period: Period) -> HistoryEntry:
    return HistoryEntry(
        period=period,
        catalog_version=c.draw(_VERSION),
        area_scores=c.per(Area, _SCORE),
        overall=c.maybe(_SCORE),
    )


def _unique(records: list[T], key: Callable[[T], object]) -> tuple[T, ...]:
    """Keep the first record of each key (dropping, not rejecting, duplicates)."""
    seen: set[object] = set()
    kept = []
    for record in records:
        if key(record) not in seen:
            seen.add(key(record))
            kept.append(record)
    return tuple(kept)


def _profile(c: _Ctx, partnership_id: Identifier) -> PartnershipProfile:
    money = None
    if c.flag() is not None:
        money = Money(amount=c.draw(_NUMBER), currency=c.draw(_CURRENCY))
    return PartnershipProfile(
        id=partnership_id,
        name=c.draw(c.text),
        type=c.one(PartnershipType),
        start_date=c.maybe(_dates_before(c.as_of, 4000)),
        stage=c.maybe(_enum(Stage)),
        high_pace=c.flag(),
        exit_provisions_defined=c.flag(),
        contract_end=c.maybe(_around(c.as_of)),
        value_at_stake=money,
    )


@st.composite
def _partnership(
    draw: Draw, min_partners: int, max_partners: int, as_of: date | None
) -> Partnership:
    day = as_of if as_of is not None else draw(st.dates(*_AS_OF_RANGE))
    # Usually the quarter of as_of; a neighbouring quarter is valid too.
    period = _shift(period_of(day), draw(st.sampled_from([0, 0, -1, 1])))
    ids = {
        name: tuple(draw(_ID_LISTS))
        for name in ("kpis", "objectives", "signals", "meetings", "decisions", "escalations")
    }
    ids["milestones"] = tuple(draw(_ID_LISTS))
    c = _Ctx(
        draw=draw,
        as_of=day,
        period=period,
        partners=tuple(draw(_unique_ids(min_partners, max_partners))),
        objectives=ids["objectives"],
        kpis=ids["kpis"],
        signals=ids["signals"],
        meetings=ids["meetings"],
        linkable=tuple(sorted({*ids["decisions"], *ids["escalations"], *ids["milestones"]})),
    )
    partnership_id = draw(_IDENTIFIERS)
    # A health check's id is optional, but unique when given.
    health_ids = list(draw(_HEALTH_IDS))
    health_ids = [h if h not in health_ids[:i] else None for i, h in enumerate(health_ids)]
    history_periods = draw(_unique_periods(_shift(period, -1), 8, 4))
    facts = Partnership(
        assessment=Assessment(
            id=draw(_IDENTIFIERS),
            partnership_id=partnership_id,
            as_of=day,
            period=period,
            catalog_version=draw(_VERSION),
            assessor=c.maybe_text(),
        ),
        partnership=_profile(c, partnership_id),
        partners=tuple(_partner(c, i) for i in c.partners),
        objectives=tuple(_objective(c, i) for i in c.objectives),
        governance=_governance(c) if c.flag() is not None else None,
        meetings=tuple(_meeting(c, i) for i in c.meetings),
        decisions=tuple(_decision(c, i) for i in ids["decisions"]),
        action_items=tuple(_action_item(c, i) for i in draw(_ID_LISTS)),
        escalations=tuple(_escalation(c, i) for i in ids["escalations"]),
        resource_commitments=_unique(
            [_resource_commitment(c) for _ in range(draw(st.integers(0, 4)))],
            lambda r: (r.partner, r.resource, r.period),
        ),
        milestones=tuple(_milestone(c, i) for i in ids["milestones"]),
        culture=_culture(c),
        market_signals=tuple(_market_signal(c, i) for i in c.signals),
        assumptions=tuple(_assumption(c, i) for i in draw(_ID_LISTS)),
        kpis=tuple(_kpi(c, i) for i in c.kpis),
        pulse_surveys=_unique(
            [_pulse_survey(c) for _ in range(draw(st.integers(0, 5)))],
            lambda s: (s.period, s.respondent_org),
        ),
        health_checks=tuple(_health_check(c, h) for h in health_ids),
        feedback_channels=tuple(_feedback_channel(c, i) for i in draw(_ID_LISTS)),
        learning_log=tuple(_learning_entry(c, i) for i in draw(_ID_LISTS)),
        history=tuple(_history_entry(c, p) for p in history_periods),
    )
    # A data gap may only name facts the file does not state.
    gaps = draw(st.one_of(st.just([]), _subset(tuple(_absent_paths(facts)), 4)))
    return attrs.evolve(facts, assessment=attrs.evolve(facts.assessment, data_gaps=tuple(gaps)))


def _absent_paths(facts: Partnership) -> list[str]:
    """Fact paths that state nothing anywhere in *facts*: the ones a data gap may name."""
    return sorted(
        path
        for path in fact_paths(Partnership)
        if not path.startswith("assessment.") and not _states_something(facts, path.split("."))
    )


def _states_something(node: Any, parts: list[str]) -> bool:
    """Whether any value at the dotted path below *node* states a fact.

    An empty table or collection states nothing; every scalar, false and zero
    included, states something.
    """
    if isinstance(node, tuple):
        return any(_states_something(item, parts) for item in node)
    if node is None:
        return False
    if parts:
        return _states_something(getattr(node, parts[0]), parts[1:])
    if attrs.has(type(node)):
        return any(_states_something(getattr(node, f.name), []) for f in attrs.fields(type(node)))
    if isinstance(node, Mapping):
        return bool(node)
    return True


def partnerships(
    *,
    min_partners: int = 2,
    max_partners: int = 4,
    as_of: date | None = None,
) -> st.SearchStrategy[Partnership]:
    """Valid partnerships: every one passes realign's loader validation.

    Every collection may be empty and every optional table or value may be
    absent; ``assessment.data_gaps`` names only facts that are absent. Records
    reference only ids that exist, observed dates are never after ``as_of``,
    KPI actuals and pulse periods are never after the assessed period, and
    history lies strictly before it. Free text includes Unicode, quotes,
    backslashes, newlines and control characters; ids stay simple words (see
    :func:`identifiers`); numbers span the full finite range of their scale,
    so an enricher also meets 1e300 and 5e-324.

    Args:
        min_partners: the fewest partners (at least two for a valid partnership).
        max_partners: the most partners.
        as_of: fix the assessment date; without it, dates from 2001 to 2039.

    Returns:
        A strategy of :class:`realign.model.Partnership`.

    Raises:
        ValueError: if *min_partners* is below two or above *max_partners*, or
            *as_of* is outside the years 1100 to 9900.
    """
    if min_partners < 2:
        msg = "a valid partnership has at least two partners"
        raise ValueError(msg)
    if max_partners < min_partners:
        msg = "max_partners must be at least min_partners"
        raise ValueError(msg)
    if as_of is not None and not _AS_OF_LIMITS[0] <= as_of <= _AS_OF_LIMITS[1]:
        # Dates reach about 11 years back and 3 ahead, and periods need 4-digit years.
        msg = f"as_of must lie between {_AS_OF_LIMITS[0]} and {_AS_OF_LIMITS[1]}"
        raise ValueError(msg)
    return _partnership(min_partners, max_partners, as_of)


def fact_sets(
    plugin_manager: pluggy.PluginManager | None = None,
    *,
    min_partners: int = 2,
    max_partners: int = 4,
    as_of: date | None = None,
) -> st.SearchStrategy[FactSet]:
    """Valid partnerships (see :func:`partnerships`), enriched: what rules are evaluated on.

    *plugin_manager* supplies the enrichers, so a plugin's own derived facts are
    there too; without it, realign's built-ins alone.
    """
    pm = (
        plugin_manager
        if plugin_manager is not None
        else get_plugin_manager(load_entrypoints=False, environ={})
    )
    return partnerships(min_partners=min_partners, max_partners=max_partners, as_of=as_of).map(
        lambda partnership: enrich(partnership, pm)
    )
