"""The partnership fact model, fact format v1 (DOMAIN §1.2).

One :class:`Partnership` is the whole content of one fact file. Field names are
the keys written in the file. Three kinds of absence are kept apart:

* an omitted **collection** (``meetings``, ``culture.profiles`` …) is empty: the
  consultant looked and found none, so rules about absent practices may fire
  (``culture`` holds collections, so an omitted ``culture`` is an empty one);
* an omitted **table** (``governance``, ``culture.working_agreement`` …) and an
  omitted **scalar** are ``None``: not stated, so rules that need them cannot be
  evaluated;
* a path listed in ``assessment.data_gaps`` could not be gathered at all.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs

from .enums import (
    ActivityStatus,
    AgendaItem,
    Area,
    AssumptionStatus,
    Attendance,
    CultureDimension,
    Direction,
    EscalationCategory,
    Facilitator,
    HealthCheckType,
    HealthDimension,
    IntegrationType,
    KpiCategory,
    KpiKind,
    LearningType,
    MeetingType,
    MemberLevel,
    ObjectiveLevel,
    PartnershipType,
    PulseItem,
    Resolution,
    SignalType,
    Stage,
    WorkingAgreementTopic,
)
from .scales import (
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
    bounded,
    bounded_items,
    bounded_values,
    problem_with,
)

__all__ = [
    "ABSENCE",
    "ActionItem",
    "Assessment",
    "Assumption",
    "Culture",
    "CultureProfile",
    "Decision",
    "DecisionProtocol",
    "Escalation",
    "EscalationPath",
    "FeedbackChannel",
    "Governance",
    "HealthCheck",
    "HistoryEntry",
    "IntegrationActivity",
    "Kpi",
    "KpiPoint",
    "LearningEntry",
    "MarketSignal",
    "Meeting",
    "Milestone",
    "Money",
    "Objective",
    "Partner",
    "Partnership",
    "PartnershipProfile",
    "PulseSurvey",
    "ResourceCommitment",
    "SharedScorecard",
    "SteeringCommittee",
    "SteeringMember",
    "WorkingAgreement",
]


def _required(kind: object) -> Any:
    return attrs.field(validator=bounded(kind))


def _optional(kind: object | None = None) -> Any:
    return attrs.field(default=None, validator=bounded(kind) if kind is not None else None)


#: ``attrs`` metadata key saying what an omitted optional value means.
ABSENCE = "realign.absence"


def _pending() -> Any:
    """A date or outcome that is omitted while the thing is still open: not unknown."""
    return attrs.field(default=None, metadata={ABSENCE: "pending"})


def _annotation() -> Any:
    """Free text for people; no rule reads it, so its absence is not an unknown fact."""
    return attrs.field(default=None, metadata={ABSENCE: "annotation"})


def _ids() -> Any:
    return attrs.field(default=(), validator=bounded_items(Identifier))


def _health_scores(_: object, attribute: "attrs.Attribute[Any]", value: Any) -> None:
    for per_partner in value.values():
        for score in per_partner.values():
            if expected := problem_with(Likert, score):
                msg = f"{attribute.name}: expected {expected}, found {score!r}"
                raise ValueError(msg)


@attrs.frozen(kw_only=True)
class Money:
    amount: float
    currency: Currency = _required(Currency)


@attrs.frozen(kw_only=True)
class Assessment:
    """One evaluation run, as of a date; every time window is relative to ``as_of``."""

    id: Identifier = _required(Identifier)
    partnership_id: Identifier = _required(Identifier)
    as_of: date
    period: Period = _required(Period)
    catalog_version: str | None = None
    assessor: str | None = _annotation()
    data_gaps: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class PartnershipProfile:
    """The ``[partnership]`` table: what the contract says."""

    id: Identifier = _required(Identifier)
    name: str
    type: PartnershipType
    start_date: date | None = None
    stage: Stage | None = None
    high_pace: bool | None = None
    exit_provisions_defined: bool | None = None
    contract_end: date | None = None
    value_at_stake: Money | None = None


@attrs.frozen(kw_only=True)
class Partner:
    id: Identifier = _required(Identifier)
    name: str
    industry: str | None = _annotation()
    headcount: Count | None = _optional(Count)
    has_alliance_function: bool | None = None
    # An empty string records that the partner has no alliance manager.
    alliance_manager: str | None = None
    executive_sponsor: str | None = None
    named_contacts: Count | None = _optional(Count)
    internal_alignment_score: Likert | None = _optional(Likert)


@attrs.frozen(kw_only=True)
class Objective:
    id: Identifier = _required(Identifier)
    title: str
    level: ObjectiveLevel
    agreed_by: tuple[Identifier, ...] = _ids()
    has_execution_plan: bool | None = None
    has_resource_plan: bool | None = None
    kpi_ids: tuple[Identifier, ...] = _ids()
    priority: Mapping[Identifier, Weight] = attrs.field(
        factory=dict, validator=bounded_values(Weight)
    )
    last_revised: date | None = None
    target_date: date | None = None


@attrs.frozen(kw_only=True)
class SteeringMember:
    partner: Identifier = _required(Identifier)
    name: str | None = None
    role: str | None = None
    level: MemberLevel | None = None


@attrs.frozen(kw_only=True)
class SteeringCommittee:
    exists: bool | None = None
    charter: bool | None = None
    cadence_days: Days | None = _optional(Days)
    members: tuple[SteeringMember, ...] = ()


@attrs.frozen(kw_only=True)
class DecisionProtocol:
    documented: bool | None = None
    decision_rights_matrix: bool | None = None
    deadlock_mechanism: bool | None = None
    decision_sla_days: Days | None = _optional(Days)


@attrs.frozen(kw_only=True)
class EscalationPath:
    defined: bool | None = None
    levels: tuple[str, ...] = ()
    max_days_per_level: Days | None = _optional(Days)


@attrs.frozen(kw_only=True)
class SharedScorecard:
    exists: bool | None = None
    jointly_agreed: bool | None = None


@attrs.frozen(kw_only=True)
class Governance:
    steering_committee: SteeringCommittee | None = None
    decision_protocol: DecisionProtocol | None = None
    escalation_path: EscalationPath | None = None
    shared_scorecard: SharedScorecard | None = None


@attrs.frozen(kw_only=True)
class Meeting:
    id: Identifier = _required(Identifier)
    date: date
    type: MeetingType
    exec_attendance: Mapping[Identifier, Attendance] = attrs.field(factory=dict)
    # -1 records a meeting held without a written agenda.
    agenda_sent_days_before: Lead | None = _optional(Lead)
    minutes_published: bool | None = None
    agenda_items: tuple[AgendaItem, ...] = ()
    signals_discussed: tuple[Identifier, ...] = _ids()
    priorities_adjusted: bool | None = None
    decisions_made: Count | None = _optional(Count)


@attrs.frozen(kw_only=True)
class Decision:
    id: Identifier = _required(Identifier)
    topic: str | None = _annotation()
    raised: date
    decided: date | None = _pending()


@attrs.frozen(kw_only=True)
class ActionItem:
    id: Identifier = _required(Identifier)
    meeting_id: Identifier | None = _optional(Identifier)
    owner: str | None = None
    due: date
    closed: date | None = _pending()


@attrs.frozen(kw_only=True)
class Escalation:
    id: Identifier = _required(Identifier)
    opened: date
    raised_by: Identifier = _required(Identifier)
    category: EscalationCategory
    level_reached: Count | None = _optional(Count)
    resolved: date | None = _pending()
    resolution: Resolution | None = _pending()
    note: str | None = _annotation()


@attrs.frozen(kw_only=True)
class ResourceCommitment:
    partner: Identifier = _required(Identifier)
    resource: str
    unit: str | None = None
    period: Period = _required(Period)
    committed: Amount = _required(Amount)
    delivered: Amount | None = _optional(Amount)


@attrs.frozen(kw_only=True)
class Milestone:
    id: Identifier = _required(Identifier)
    title: str | None = _annotation()
    # A partner id, or "joint".
    owner: Identifier | None = _optional(Identifier)
    due: date
    completed: date | None = _pending()


@attrs.frozen(kw_only=True)
class CultureProfile:
    partner: Identifier = _required(Identifier)
    assessed: date
    method: str | None = _annotation()
    respondents: Count | None = _optional(Count)
    scores: Mapping[CultureDimension, Likert] = attrs.field(
        factory=dict, validator=bounded_values(Likert)
    )


@attrs.frozen(kw_only=True)
class IntegrationActivity:
    type: IntegrationType
    date: date
    status: ActivityStatus
    participants: Mapping[Identifier, Count] = attrs.field(
        factory=dict, validator=bounded_values(Count)
    )
    description: str | None = _annotation()


@attrs.frozen(kw_only=True)
class WorkingAgreement:
    exists: bool | None = None
    agreed: date | None = None
    covers: tuple[WorkingAgreementTopic, ...] = ()


@attrs.frozen(kw_only=True)
class Culture:
    profiles: tuple[CultureProfile, ...] = ()
    integration_activities: tuple[IntegrationActivity, ...] = ()
    working_agreement: WorkingAgreement | None = None


@attrs.frozen(kw_only=True)
class MarketSignal:
    id: Identifier = _required(Identifier)
    observed: date
    type: SignalType
    magnitude: Magnitude = _required(Magnitude)
    description: str | None = _annotation()
    source: str | None = _annotation()
    affects_objectives: tuple[Identifier, ...] = _ids()
    response_decided: date | None = _pending()
    response: str | None = _annotation()


@attrs.frozen(kw_only=True)
class Assumption:
    id: Identifier = _required(Identifier)
    statement: str
    load_bearing: bool | None = None
    signpost: str | None = _annotation()
    status: AssumptionStatus
    status_changed: date | None = None
    last_reviewed: date | None = None
    objectives: tuple[Identifier, ...] = _ids()


@attrs.frozen(kw_only=True)
class KpiPoint:
    period: Period = _required(Period)
    target: float | None = None
    actual: float | None = None


@attrs.frozen(kw_only=True)
class Kpi:
    id: Identifier = _required(Identifier)
    name: str
    unit: str | None = None
    category: KpiCategory | None = None
    kind: KpiKind | None = None
    direction: Direction
    # A partner id, or "joint".
    owner: Identifier | None = _optional(Identifier)
    jointly_agreed: bool | None = None
    series: tuple[KpiPoint, ...] = ()


@attrs.frozen(kw_only=True)
class PulseSurvey:
    period: Period = _required(Period)
    date: date
    respondent_org: Identifier = _required(Identifier)
    invited: Count | None = _optional(Count)
    responses: Count | None = _optional(Count)
    items: Mapping[PulseItem, Likert] = attrs.field(factory=dict, validator=bounded_values(Likert))
    recommend_nps: Nps | None = _optional(Nps)


@attrs.frozen(kw_only=True)
class HealthCheck:
    id: Identifier | None = attrs.field(
        default=None, validator=bounded(Identifier), metadata={ABSENCE: "annotation"}
    )
    date: date
    type: HealthCheckType | None = None
    facilitator: Facilitator | None = None
    scores: Mapping[Identifier, Mapping[HealthDimension, Likert]] = attrs.field(
        factory=dict, validator=_health_scores
    )
    action_plan: bool | None = None
    actions_total: Count | None = _optional(Count)
    actions_done: Count | None = _optional(Count)


@attrs.frozen(kw_only=True)
class FeedbackChannel:
    id: Identifier = _required(Identifier)
    # An open vocabulary: anonymous_form, retrospective, skip_level, ombuds, …
    type: str
    open_to: tuple[Identifier, ...] = _ids()
    anonymous: bool | None = None
    items_last_period: Count | None = _optional(Count)
    median_response_days: Amount | None = _optional(Amount)


@attrs.frozen(kw_only=True)
class LearningEntry:
    id: Identifier = _required(Identifier)
    date: date
    type: LearningType
    author_org: Identifier = _required(Identifier)
    title: str | None = _annotation()
    # A milestone, escalation or decision id.
    linked_to: Identifier | None = _optional(Identifier)


@attrs.frozen(kw_only=True)
class HistoryEntry:
    """Area and overall scores of one earlier assessment (DOMAIN §4.4)."""

    period: Period = _required(Period)
    catalog_version: str | None = None
    area_scores: Mapping[Area, Score] = attrs.field(factory=dict, validator=bounded_values(Score))
    overall: Score | None = _optional(Score)


@attrs.frozen(kw_only=True)
class Partnership:
    """Everything one fact file says about one partnership at one assessment."""

    assessment: Assessment
    partnership: PartnershipProfile
    partners: tuple[Partner, ...] = ()
    objectives: tuple[Objective, ...] = ()
    governance: Governance | None = None
    meetings: tuple[Meeting, ...] = ()
    decisions: tuple[Decision, ...] = ()
    action_items: tuple[ActionItem, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    resource_commitments: tuple[ResourceCommitment, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    # A namespace of arrays, so a file without it states no profiles and no activities.
    culture: Culture = attrs.field(factory=Culture)
    market_signals: tuple[MarketSignal, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    pulse_surveys: tuple[PulseSurvey, ...] = ()
    health_checks: tuple[HealthCheck, ...] = ()
    feedback_channels: tuple[FeedbackChannel, ...] = ()
    learning_log: tuple[LearningEntry, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
