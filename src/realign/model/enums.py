"""Closed vocabularies of fact format v1 (DOMAIN §1.2–1.3).

Every enumeration is a :class:`enum.StrEnum`, so a member compares equal to the
string written in the fact file and serialises back to it unchanged.
"""

from enum import StrEnum

__all__ = [
    "ActivityStatus",
    "AgendaItem",
    "Area",
    "AssumptionStatus",
    "Attendance",
    "CultureDimension",
    "Direction",
    "EscalationCategory",
    "Facilitator",
    "HealthCheckType",
    "HealthDimension",
    "IntegrationType",
    "KpiCategory",
    "KpiKind",
    "LearningType",
    "MeetingType",
    "MemberLevel",
    "ObjectiveLevel",
    "PartnershipType",
    "PulseItem",
    "Resolution",
    "SignalType",
    "Stage",
    "WorkingAgreementTopic",
]


class PartnershipType(StrEnum):
    CO_DEVELOPMENT = "co_development"
    CO_MARKETING_AND_OPERATIONS = "co_marketing_and_operations"
    CO_SELL = "co_sell"
    SUPPLY = "supply"
    LICENSING = "licensing"
    EQUITY_JV = "equity_jv"
    CONSORTIUM = "consortium"


class Stage(StrEnum):
    FORMATION = "formation"
    LAUNCH = "launch"
    EXECUTION = "execution"
    RENEWAL = "renewal"
    EXIT = "exit"


class ObjectiveLevel(StrEnum):
    STRATEGIC = "strategic"
    OPERATIONAL = "operational"


class MemberLevel(StrEnum):
    EXEC = "exec"
    MANAGER = "manager"
    STAFF = "staff"


class MeetingType(StrEnum):
    STEERING_COMMITTEE = "steering_committee"
    STRATEGY_SYNC = "strategy_sync"
    EXEC_ALIGNMENT = "exec_alignment"
    OPERATING_REVIEW = "operating_review"
    HEALTH_CHECK_REVIEW = "health_check_review"


class Attendance(StrEnum):
    SPONSOR = "sponsor"
    DELEGATE = "delegate"
    ABSENT = "absent"


class AgendaItem(StrEnum):
    """The four elements of a quarterly strategy synchronisation session."""

    PROGRESS_VS_OBJECTIVES = "progress_vs_objectives"
    MARKET_CHANGES = "market_changes"
    OPPORTUNITIES_CHALLENGES = "opportunities_challenges"
    PRIORITIES_RESOURCES = "priorities_resources"


class EscalationCategory(StrEnum):
    PRODUCT_PRIORITY = "product_priority"
    RESOURCE = "resource"
    COMMERCIAL_TERMS = "commercial_terms"
    QUALITY = "quality"
    IP = "ip"
    DATA_ACCESS = "data_access"
    PEOPLE = "people"
    OTHER = "other"


class Resolution(StrEnum):
    JOINT = "joint"
    UNILATERAL = "unilateral"
    WITHDRAWN = "withdrawn"


class IntegrationType(StrEnum):
    """The four elements of a cultural-integration programme."""

    TEAM_BUILDING = "team_building"
    JOINT_TRAINING = "joint_training"
    EMPLOYEE_EXCHANGE = "employee_exchange"
    SHARED_TOOLS = "shared_tools"


class ActivityStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    ONGOING = "ongoing"


class WorkingAgreementTopic(StrEnum):
    DECISION_SPEED = "decision_speed"
    RISK_THRESHOLDS = "risk_thresholds"
    FEEDBACK = "feedback"
    SCHEDULING = "scheduling"
    COMMUNICATION = "communication"


class SignalType(StrEnum):
    NEW_COMPETITOR = "new_competitor"
    CUSTOMER_PREFERENCE_SHIFT = "customer_preference_shift"
    TECHNOLOGY_SHIFT = "technology_shift"
    REGULATORY_CHANGE = "regulatory_change"
    PRICING = "pricing"
    PARTNER_STRATEGY_CHANGE = "partner_strategy_change"
    MACRO = "macro"


class AssumptionStatus(StrEnum):
    HOLDING = "holding"
    AT_RISK = "at_risk"
    BROKEN = "broken"


class KpiCategory(StrEnum):
    FINANCIAL = "financial"
    STRATEGIC = "strategic"
    OPERATIONAL = "operational"
    RELATIONSHIP = "relationship"


class KpiKind(StrEnum):
    LEADING = "leading"
    LAGGING = "lagging"


class Direction(StrEnum):
    HIGHER_BETTER = "higher_better"
    LOWER_BETTER = "lower_better"


class HealthCheckType(StrEnum):
    JOINT = "joint"
    UNILATERAL = "unilateral"


class Facilitator(StrEnum):
    INTERNAL = "internal"
    INDEPENDENT = "independent"


class LearningType(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    LESSON = "lesson"


class CultureDimension(StrEnum):
    """The twelve culture scales; 1 and 5 are named poles, not bad and good."""

    COMMUNICATING = "communicating"
    EVALUATING = "evaluating"
    PERSUADING = "persuading"
    LEADING = "leading"
    DECIDING = "deciding"
    TRUSTING = "trusting"
    DISAGREEING = "disagreeing"
    SCHEDULING = "scheduling"
    RISK_APPETITE = "risk_appetite"
    PACE = "pace"
    PROCESS_FORMALITY = "process_formality"
    RESULTS_ORIENTATION = "results_orientation"


class PulseItem(StrEnum):
    """The six Likert items of the stakeholder pulse; the composite is their mean."""

    TRUST = "trust"
    COMMUNICATION = "communication"
    DECISION_CLARITY = "decision_clarity"
    PRIORITY_ALIGNMENT = "priority_alignment"
    VALUE_FAIRNESS = "value_fairness"
    COMMITMENT = "commitment"


class HealthDimension(StrEnum):
    STRATEGIC = "strategic"
    OPERATIONAL = "operational"
    GOVERNANCE = "governance"
    RELATIONSHIP = "relationship"


class Area(StrEnum):
    """The six diagnostic areas; each rule belongs to exactly one."""

    GOVERNANCE = "governance"
    CULTURE = "culture"
    MARKET = "market"
    ALIGNMENT = "alignment"
    EARLY_WARNING = "early_warning"
    CONTINUOUS = "continuous"
