"""The durable_rules backend and the Python evaluator give the same answers.

Rules are generated as condition strings from a typed grammar of the language
(comparisons with constants of every type, joins between bindings, and/or/not,
``exists``, ``in`` lists, ``within``, date arithmetic, aggregates with filters
and windows, quantifiers, derived facts, emitted facts and chained rules) and
run, a batch at a time, on partnerships from :func:`realign.testing.strategies.partnerships`.
Constants are drawn from the values the partnership actually holds, so that
comparisons land on both sides of their thresholds and rules really fire.

Besides the ordinary, the generator draws the edge cases that made the backends
disagree or crash before (truth tests of numbers, values of mixed kinds in
untyped slots, lists and id-less records compared by value, strings with control
characters in order comparisons, huge durations and numbers, functions that fail,
facts under derived top-level names). Each of those bugs also has a deterministic
regression test at the end of this file.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import attrs
import pluggy
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from realign import get_plugin_manager
from realign.engine.engine import Engine
from realign.enrich import enrich
from realign.enrich.factset import FactSet
from realign.loading import load_partnership
from realign.model import (
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
    Partnership,
    PartnershipType,
    PulseItem,
    Resolution,
    SignalType,
    Stage,
    WorkingAgreementTopic,
)
from realign.rules.ruleset import parse_ruleset_text
from realign.testing.strategies import partnerships

_CI = settings().derandomize
_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _enum(cls: type[Enum]) -> tuple[str, ...]:
    return tuple(str(m.value) for m in cls)  # type: ignore[attr-defined]


# --- the vocabulary the generator knows --------------------------------------------------

NUM, STR, DATE, BOOL, ENUM, LIST, MAP, REC = (
    "num",
    "str",
    "date",
    "bool",
    "enum",
    "list",
    "map",
    "rec",
)


@attrs.frozen
class Field:
    """One field of a record: its kind, and what the generator may assume about it."""

    kind: str
    values: tuple[str, ...] = ()  # enum values (or list/map elements of an enum)
    elem: str = STR  # list or map element kind
    keys: str | tuple[str, ...] = ()  # map keys: a key pool name or the enum values


def F(kind: str, **kw: Any) -> Field:
    return Field(kind, **kw)


_ID = F(STR)
_TEXT = F(STR)  # free text: quotes, control characters, any Unicode

#: The collections a rule may bind, with their fields (stated and derived).
COLLECTIONS: dict[str, dict[str, Field]] = {
    "partners": {
        "id": _ID,
        "name": F(STR),
        "industry": _TEXT,
        "headcount": F(NUM),
        "has_alliance_function": F(BOOL),
        "alliance_manager": _TEXT,
        "named_contacts": F(NUM),
        "internal_alignment_score": F(NUM),
        "has_alliance_manager": F(BOOL),
    },
    "objectives": {
        "id": _ID,
        "title": F(STR),
        "level": F(ENUM, values=_enum(ObjectiveLevel)),
        "agreed_by": F(LIST, keys="partners"),
        "has_execution_plan": F(BOOL),
        "has_resource_plan": F(BOOL),
        "kpi_ids": F(LIST, keys="kpis"),
        "priority": F(MAP, elem=NUM, keys="partners"),
        "last_revised": F(DATE),
        "target_date": F(DATE),
        "priority_gap": F(NUM),
        "priority_max": F(NUM),
        "joint_kpis": F(LIST, keys="kpis"),
    },
    "meetings": {
        "id": _ID,
        "date": F(DATE),
        "type": F(ENUM, values=_enum(MeetingType)),
        "exec_attendance": F(MAP, elem=ENUM, values=_enum(Attendance), keys="partners"),
        "agenda_sent_days_before": F(NUM),
        "minutes_published": F(BOOL),
        "agenda_items": F(LIST, elem=ENUM, values=_enum(AgendaItem)),
        "signals_discussed": F(LIST, keys="market_signals"),
        "priorities_adjusted": F(BOOL),
        "decisions_made": F(NUM),
        "agenda_in_time": F(BOOL),
        "days_ago": F(NUM),
        "lacks_agenda_or_minutes": F(BOOL),
    },
    "decisions": {
        "id": _ID,
        "topic": _TEXT,
        "raised": F(DATE),
        "decided": F(DATE),
        "latency_days": F(NUM),
        "open": F(BOOL),
    },
    "action_items": {
        "id": _ID,
        "meeting_id": F(STR),
        "owner": _TEXT,
        "due": F(DATE),
        "closed": F(DATE),
        "closed_on_time": F(BOOL),
    },
    "escalations": {
        "id": _ID,
        "opened": F(DATE),
        "raised_by": _ID,
        "category": F(ENUM, values=_enum(EscalationCategory)),
        "level_reached": F(NUM),
        "resolved": F(DATE),
        "resolution": F(ENUM, values=_enum(Resolution)),
        "note": _TEXT,
        "days_open": F(NUM),
        "open": F(BOOL),
    },
    "resource_commitments": {
        "partner": _ID,
        "resource": F(STR),
        "period": _ID,
        "committed": F(NUM),
        "delivered": F(NUM),
        "delivery_ratio": F(NUM),
    },
    "milestones": {
        "id": _ID,
        "title": _TEXT,
        "owner": F(STR),
        "due": F(DATE),
        "completed": F(DATE),
        "days_late": F(NUM),
        "late": F(BOOL),
    },
    "culture.profiles": {
        "partner": _ID,
        "assessed": F(DATE),
        "method": _TEXT,
        "respondents": F(NUM),
        "scores": F(MAP, elem=NUM, keys=_enum(CultureDimension)),
    },
    "culture.integration_activities": {
        "type": F(ENUM, values=_enum(IntegrationType)),
        "date": F(DATE),
        "status": F(ENUM, values=_enum(ActivityStatus)),
        "participants": F(MAP, elem=NUM, keys="partners"),
        "description": _TEXT,
    },
    "market_signals": {
        "id": _ID,
        "observed": F(DATE),
        "type": F(ENUM, values=_enum(SignalType)),
        "magnitude": F(NUM),
        "description": _TEXT,
        "affects_objectives": F(LIST, keys="objectives"),
        "response_decided": F(DATE),
        "age_days": F(NUM),
        "days_since_first_discussed": F(NUM),
        "first_discussed": F(DATE),
    },
    "assumptions": {
        "id": _ID,
        "statement": F(STR),
        "load_bearing": F(BOOL),
        "status": F(ENUM, values=_enum(AssumptionStatus)),
        "status_changed": F(DATE),
        "last_reviewed": F(DATE),
        "objectives": F(LIST, keys="objectives"),
        "days_since_review": F(NUM),
        "plan_unchanged_since_status_change": F(BOOL),
    },
    "kpis": {
        "id": _ID,
        "name": F(STR),
        "category": F(ENUM, values=_enum(KpiCategory)),
        "kind": F(ENUM, values=_enum(KpiKind)),
        "direction": F(ENUM, values=_enum(Direction)),
        "owner": F(STR),
        "jointly_agreed": F(BOOL),
        "series": F(LIST, elem=REC),
        "change_vs_two_periods_pct": F(NUM),
        "latest_period": F(STR),
        "non_green_run": F(NUM),
    },
    "pulse_surveys": {
        "period": _ID,
        "date": F(DATE),
        "respondent_org": _ID,
        "invited": F(NUM),
        "responses": F(NUM),
        "items": F(MAP, elem=NUM, keys=_enum(PulseItem)),
        "recommend_nps": F(NUM),
        "composite": F(NUM),
        "response_rate": F(NUM),
    },
    "health_checks": {
        "id": F(STR),
        "date": F(DATE),
        "type": F(ENUM, values=_enum(HealthCheckType)),
        "facilitator": F(ENUM, values=_enum(Facilitator)),
        "action_plan": F(BOOL),
        "actions_total": F(NUM),
        "actions_done": F(NUM),
        "actions_done_share": F(NUM),
        "age_days": F(NUM),
        "perception_gap": F(MAP, elem=NUM, keys=_enum(HealthDimension)),
    },
    "feedback_channels": {
        "id": _ID,
        "type": F(STR),
        "open_to": F(LIST, keys="partners"),
        "anonymous": F(BOOL),
        "items_last_period": F(NUM),
        "median_response_days": F(NUM),
    },
    "learning_log": {
        "id": _ID,
        "date": F(DATE),
        "type": F(ENUM, values=_enum(LearningType)),
        "author_org": _ID,
        "linked_to": F(STR),
    },
    "history": {
        "period": _ID,
        "area_scores": F(MAP, elem=NUM, keys=_enum(Area)),
        "overall": F(NUM),
    },
    "governance.steering_committee.members": {
        "partner": _ID,
        "name": _TEXT,
        "level": F(ENUM, values=_enum(MemberLevel)),
    },
    # Reached only through a KPI: ``t in k.series``.
    "kpis[].series": {
        "period": _ID,
        "target": F(NUM),
        "actual": F(NUM),
        "rag": F(STR),
    },
    # The entries of derived tables, as entries() gives them.
    "entries(culture.gaps)": {"key": _ID, "value": F(NUM)},
    "entries(culture.profile_age_days)": {"key": _ID, "value": F(NUM)},
    "entries(escalations.by_category_h)": {"key": _ID, "value": F(NUM)},
}

#: Natural joins: how two collections relate, as templates over their variables.
JOINS: dict[tuple[str, str], tuple[str, ...]] = {
    ("partners", "culture.profiles"): ("{a}.id == {b}.partner",),
    ("kpis", "objectives"): ("{a}.id in {b}.kpi_ids",),
    ("objectives", "partners"): ("{a}.priority[{b}.id] >= 4", "{b}.id in {a}.agreed_by"),
    ("escalations", "partners"): ("{a}.raised_by == {b}.id",),
    ("pulse_surveys", "partners"): ("{a}.respondent_org == {b}.id",),
    ("resource_commitments", "partners"): ("{a}.partner == {b}.id",),
    ("market_signals", "objectives"): ("{b}.id in {a}.affects_objectives",),
    ("meetings", "market_signals"): ("{b}.id in {a}.signals_discussed",),
    ("action_items", "meetings"): ("{a}.meeting_id == {b}.id",),
    ("milestones", "partners"): ("{a}.owner == {b}.id",),
    ("learning_log", "partners"): ("{a}.author_org == {b}.id",),
    ("assumptions", "objectives"): ("{b}.id in {a}.objectives",),
    ("governance.steering_committee.members", "partners"): ("{a}.partner == {b}.id",),
    ("escalations", "escalations"): ("{a}.category == {b}.category and {a}.id != {b}.id",),
    ("partners", "partners"): ("{a}.id != {b}.id", "{a} != {b}"),
    ("decisions", "escalations"): ("{a}.raised >= {b}.opened",),
    ("decisions", "meetings"): ("{a}.raised <= {b}.date",),
    ("entries(culture.profile_age_days)", "partners"): ("{a}.key == {b}.id",),
    ("entries(escalations.by_category_h)", "escalations"): ("{a}.key == {b}.category",),
}

#: Values at the top of the file and in derived namespaces, with their kind.
ROOTS: dict[str, Field] = {
    "governance.steering_committee.exists": F(BOOL),
    "governance.steering_committee.charter": F(BOOL),
    "governance.steering_committee.cadence_days": F(NUM),
    "governance.steering_committee.days_since_last_meeting": F(NUM),
    "governance.steering_committee.meetings_held": F(NUM),
    "governance.steering_committee.last_meeting": F(DATE),
    "governance.decision_protocol.documented": F(BOOL),
    "governance.decision_protocol.deadlock_mechanism": F(BOOL),
    "governance.decision_protocol.decision_sla_days": F(NUM),
    "governance.escalation_path.defined": F(BOOL),
    "governance.escalation_path.max_days_per_level": F(NUM),
    "governance.shared_scorecard.jointly_agreed": F(BOOL),
    "partnership.high_pace": F(BOOL),
    "partnership.exit_provisions_defined": F(BOOL),
    "partnership.stage": F(ENUM, values=_enum(Stage)),
    "partnership.type": F(ENUM, values=_enum(PartnershipType)),
    "partnership.start_date": F(DATE),
    "partnership.contract_end": F(DATE),
    "partnership.value_at_stake.amount": F(NUM),
    "culture.working_agreement.exists": F(BOOL),
    "culture.working_agreement.agreed": F(DATE),
    "escalations.opened_last_q": F(NUM),
    "escalations.opened_prior_q": F(NUM),
    "escalations.resolved_within_h": F(NUM),
    "decisions.median_latency_days_h": F(NUM),
    "decisions.raised_within_h": F(NUM),
    "meetings.within_h": F(NUM),
    "meetings.without_agenda_or_minutes_h": F(NUM),
    "meetings.exec_meetings_within_y": F(NUM),
    "meetings.days_since_last_strategy_sync": F(NUM),
    "meetings.last_strategy_sync": F(DATE),
    "kpis.joint_red_latest": F(NUM),
    "kpis.latest_period": F(STR),
    "objectives.strategic_with_joint_kpi_share": F(NUM),
    "action_items.closed_on_time_h": F(NUM),
    "learning_log.within_h": F(NUM),
    "resource_commitments.latest_period": F(STR),
    "assessment.period": F(STR),
}
#: Tables at the top: path, element kind, keys.
ROOT_MAPS: dict[str, Field] = {
    "culture.gaps": F(MAP, elem=NUM, keys=_enum(CultureDimension)),
    "culture.profile_age_days": F(MAP, elem=NUM, keys="partners"),
    "culture.profile_respondents": F(MAP, elem=NUM, keys="partners"),
    "escalations.by_category_h": F(MAP, elem=NUM, keys=_enum(EscalationCategory)),
    "governance.sponsors.missed_meetings": F(MAP, elem=NUM, keys="partners"),
}
#: Root lists of strings, for ``in`` and ``count``.
ROOT_LISTS: dict[str, Field] = {
    "culture.partners_without_profile": F(LIST, keys="partners"),
    "governance.steering_committee.partners_without_member": F(LIST, keys="partners"),
    "pulse.partners_without_recent": F(LIST, keys="partners"),
    "governance.escalation_path.levels": F(LIST),
    "culture.working_agreement.covers": F(LIST, elem=ENUM, values=_enum(WorkingAgreementTopic)),
}
#: Date fields that windows are drawn over: collection -> field.
DATED = {
    "escalations": "opened",
    "decisions": "raised",
    "meetings": "date",
    "market_signals": "observed",
    "learning_log": "date",
    "pulse_surveys": "date",
    "health_checks": "date",
    "milestones": "due",
    "action_items": "due",
}
PARAMS = {
    "n_num": ("number", "2.5"),
    "n_int": ("integer", "3"),
    "n_dur": ("duration", '"30d"'),
    "n_date": ("date", "2024-01-01"),
    "n_str": ("string", '"corvid"'),
    "n_bool": ("boolean", "true"),
}
_WINDOWS = ("Q", "H", "Y", "91d", "2w", "182d", "365d", "0d", "1d", "n_dur")
_NUMBERS = (0, 1, 2, 3, 4, 5, 10, 14, 30, 91, 182, 365, 0.5, 2.5, 100)


# --- pools: the values a partnership holds ----------------------------------------------


@attrs.frozen
class _Entry:
    key: str
    value: Any


def _records(facts: FactSet, collection: str) -> tuple[Any, ...]:
    p = facts.partnership
    if collection == "kpis[].series":
        return tuple(point for kpi in p.kpis for point in kpi.series)
    if collection.startswith("entries("):
        table = facts.derived.get(collection[len("entries(") : -1])
        if table is None or not table.known or not isinstance(table.value, Mapping):
            return ()
        return tuple(_Entry(str(k), v) for k, v in sorted(table.value.items()))
    node: Any = p
    for part in collection.split("."):
        node = getattr(node, part, None) if node is not None else None
    return tuple(node or ())


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    return value


def build_pools(facts: FactSet) -> dict[str, tuple[Any, ...]]:
    """For each ``collection.field`` (and key pool), the values the facts hold, sorted."""
    out: dict[str, set[Any]] = {}
    for collection, fields in COLLECTIONS.items():
        for index, record in enumerate(_records(facts, collection)):
            for name in fields:
                if hasattr(record, name):
                    value = getattr(record, name)
                else:
                    derived = facts.derived.get(f"{collection}[{index}].{name}")
                    value = derived.value if derived is not None and derived.known else None
                value = _plain(value)
                if isinstance(value, tuple | list):
                    out.setdefault(f"{collection}.{name}[]", set()).update(map(_plain, value))
                elif isinstance(value, Mapping):
                    out.setdefault(f"{collection}.{name}[]", set()).update(
                        _plain(v) for v in value.values() if not isinstance(v, Mapping)
                    )
                elif value is not None:
                    out.setdefault(f"{collection}.{name}", set()).add(value)
    for path in ROOTS:
        node: Any = facts.partnership
        for part in path.split("."):
            node = getattr(node, part, None)
        derived = facts.derived.get(path)
        if node is None and derived is not None and derived.known:
            node = derived.value
        if node is not None:
            out.setdefault(path, set()).add(_plain(node))
    for key in ("partners", "objectives", "kpis", "market_signals", "meetings"):
        out[key] = {r.id for r in _records(facts, key)}
    return {k: tuple(sorted(v, key=repr)) for k, v in out.items() if v}


# --- expressions -----------------------------------------------------------------------


@attrs.frozen
class E:
    """A generated term: its text, static kind, and what the compiler will make of it."""

    text: str
    kind: str
    const: bool = False  # a literal or param: compiled into the pattern
    pool: tuple[Any, ...] = ()  # values it takes, for constants that hit
    values: tuple[str, ...] = ()  # enum values
    keys: str | tuple[str, ...] = ()  # list elements or map keys
    elem: str = STR
    precise: bool = True  # numbers: an exact value (no float division or mean)


def _num_text(value: float) -> str:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    text = repr(abs(value))
    return f"-{text}" if value < 0 else text


def _str_text(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return f'"{escaped}"'


@attrs.define
class Scope:
    bindings: dict[str, str]  # rule variable -> collection
    local: dict[str, str] = attrs.field(factory=dict)  # comprehension variables
    counter: list[int] = attrs.field(factory=lambda: [0])

    def all(self) -> dict[str, str]:
        return {**self.bindings, **self.local}

    def inner(self, var_collection: str) -> tuple[str, Scope]:
        self.counter[0] += 1
        name = f"x{self.counter[0]}"
        return name, Scope(self.bindings, {**self.local, name: var_collection}, self.counter)


class Gen:
    """Draws rules; every rule it writes type-checks (the test fails if one does not)."""

    def __init__(
        self, draw: st.DrawFn, pools: Mapping[str, tuple[Any, ...]], *, positional: bool = True
    ) -> None:
        self.draw = draw
        self.pools = pools
        # Whether rules may name records by position (partners[0]); such rules depend
        # on the order of the records, by design.
        self.positional = positional

    # -- drawing helpers ----------------------------------------------------------------

    def pick(self, items: Iterable[Any]) -> Any:
        seq = list(items)
        return self.draw(st.sampled_from(seq))

    def chance(self, percent: int) -> bool:
        return bool(self.draw(st.integers(0, 99)) < percent)

    def between(self, low: int, high: int) -> int:
        return int(self.draw(st.integers(low, high)))

    # -- constants ----------------------------------------------------------------------

    def number(self, pool: tuple[Any, ...] = ()) -> E:
        numbers = [v for v in pool if isinstance(v, int | float) and not isinstance(v, bool)]
        if numbers and self.chance(70):
            base = self.pick(numbers)
            value = self.pick([base, base, base + 1, base - 1, base / 2])
        else:
            value = self.pick(_NUMBERS)
        if self.chance(8):
            return E("n_num" if self.chance(50) else "n_int", NUM, const=True)
        text = _num_text(value)
        # A negative literal is a negation, not a constant: the compiler puts it on the
        # rule's context fact and joins it (a different path worth exercising).
        return E(text, NUM, const=not text.startswith("-"))

    def date_const(self, pool: tuple[Any, ...] = ()) -> E:
        dates = [v for v in pool if isinstance(v, date)]
        if self.chance(8):
            return E("n_date", DATE, const=True)
        if dates and self.chance(75):
            value = self.pick(dates) + timedelta(days=self.pick([0, 0, 1, -1, 30]))
        else:
            value = date(2024, 1, 1) + timedelta(days=self.between(-4000, 4000))
        return E(value.isoformat(), DATE, const=True)

    def string_const(self, like: E) -> E:
        values = list(like.values) or [v for v in like.pool if isinstance(v, str)]
        if like.kind == LIST or like.kind == MAP:
            values = list(like.values) or list(self.key_pool(like.keys))
        if not values or self.chance(10):
            if like.kind == ENUM or like.values:
                values = list(like.values)
            else:
                values = ["corvid", "", "x", "Z", "joint", *self.pools.get("partners", ())]
        value = self.pick(values)
        return E(_str_text(value), STR, const=True)

    def key_pool(self, keys: str | tuple[str, ...]) -> tuple[str, ...]:
        if isinstance(keys, tuple):
            return keys
        return self.pools.get(keys, ()) or ("corvid",)

    def duration(self) -> E:
        if self.chance(3):  # past the last date there is
            return E(f"{10 ** self.between(6, 12)}d", NUM, const=True)
        text = self.pick(_WINDOWS) if self.chance(70) else f"{self.between(0, 800)}d"
        return E(text, NUM, const=True)

    # -- field access -------------------------------------------------------------------

    def fields(self, collection: str, kinds: Iterable[str]) -> list[tuple[str, Field]]:
        wanted = set(kinds)
        return [(n, f) for n, f in COLLECTIONS[collection].items() if f.kind in wanted]

    def field_term(self, scope: Scope, kinds: Iterable[str]) -> E | None:
        """``v.field`` of a variable in scope whose kind is one of *kinds*."""
        options = [
            (var, coll, name, f)
            for var, coll in scope.all().items()
            for name, f in self.fields(coll, kinds)
        ]
        if not options:
            return None
        var, coll, name, f = self.pick(options)
        return E(
            f"{var}.{name}",
            f.kind,
            pool=self.pools.get(f"{coll}.{name}", ()),
            values=f.values,
            keys=f.keys,
            elem=f.elem,
        )

    def root_term(self, kinds: Iterable[str]) -> E | None:
        wanted = set(kinds)
        options = [(p, f) for p, f in ROOTS.items() if f.kind in wanted]
        if not options:
            return None
        path, f = self.pick(options)
        return E(
            path,
            f.kind,
            pool=self.pools.get(path, ()),
            values=f.values,
        )

    def map_term(self, scope: Scope, elem: str = NUM) -> E:
        """A number (or enum) read from a table: ``o.priority[p.id]``, ``c.scores.pace``."""
        options: list[tuple[str, str, Field, str | None]] = [
            (f"{var}.{name}", coll, f, var)
            for var, coll in scope.all().items()
            for name, f in self.fields(coll, [MAP])
            if f.elem == elem
        ]
        options += [(path, "", f, None) for path, f in ROOT_MAPS.items() if f.elem == elem]
        if not options:
            return self.number() if elem == NUM else self.string_const(E("", STR))
        base, coll, f, _ = self.pick(options)
        keys = self.key_pool(f.keys)
        partner_vars = [v for v, c in scope.all().items() if c == "partners"]
        if f.keys == "partners" and partner_vars and self.chance(60):
            key = f"[{self.pick(partner_vars)}.id]"
        elif isinstance(f.keys, tuple) and self.chance(50):
            key = "." + self.pick(keys)
        else:
            key = f"[{_str_text(self.pick(keys))}]"
        pool = self.pools.get(f"{coll}.{base.split('.')[-1]}[]", ()) if coll else ()
        return E(
            base + key,
            NUM if f.elem == NUM else ENUM,
            pool=pool,
            values=f.values,
        )

    # -- numbers ------------------------------------------------------------------------

    def num(self, scope: Scope, depth: int) -> E:
        """A number; below depth 1 only fields, table entries and constants."""
        kinds = ["field", "field", "table", "root"]
        if depth > 0:
            kinds += ["aggregate", "aggregate", "days", "arith", "function", "function"]
            kinds += ["count", "position"]
        kind = self.pick(kinds)
        if kind == "table":
            return self.map_term(scope) if self.chance(80) else self.number()
        if kind == "aggregate":
            return self.aggregate(scope, depth - 1, NUM)
        if kind == "days":
            return self.date_difference(scope, depth - 1)
        if kind == "arith":
            return self.arith(scope, depth - 1)
        if kind == "function":
            return self.function(scope, depth - 1)
        if kind == "count":
            return self.count_form(scope)
        if kind == "position":
            return self.by_position(scope)
        term = self.field_term(scope, [NUM]) if kind == "field" else None
        term = term or self.root_term([NUM])
        assert term is not None
        return term

    def by_position(self, scope: Scope) -> E:
        """A list item by its position: ``k.series[-1].actual``, ``partners[0].headcount``."""
        position = self.between(-2, 2)
        kpi_vars = [v for v, c in scope.all().items() if c == "kpis"]
        if kpi_vars and (self.chance(60) or not self.positional):
            field = self.pick(["actual", "target"])
            return E(f"{self.pick(kpi_vars)}.series[{position}].{field}", NUM)
        if not self.positional:
            return self.number()
        collection = self.pick(["partners", "objectives", "escalations", "decisions"])
        name, _ = self.pick(self.fields(collection, [NUM]))
        return E(f"{collection}[{position}].{name}", NUM)

    def arith(self, scope: Scope, depth: int) -> E:
        left = self.num(scope, depth)
        op = self.pick(["+", "-", "*", "/", "%"])
        right = self.num(scope, depth) if self.chance(40) else self.number()
        # A ratio of two measurements is inexact; keep thresholds off its last bit.
        precise = op not in "/%" and left.precise and right.precise
        return E(
            f"({left.text} {op} {right.text})",
            NUM,
            precise=precise,
        )

    def date_difference(self, scope: Scope, depth: int) -> E:
        left = self.date_term(scope, depth) if self.chance(50) else E("as_of", DATE)
        right = self.date_term(scope, depth)
        return E(
            f"({left.text} - {right.text})",
            NUM,
        )

    def function(self, scope: Scope, depth: int) -> E:
        name = self.pick(["abs", "round", "ratio", "percent_change", "len", "coalesce", "neg"])
        a = self.num(scope, depth)
        if name == "abs":
            return attrs.evolve(a, text=f"abs({a.text})", const=False)
        if name == "neg":
            return attrs.evolve(a, text=f"-({a.text})", const=False)
        if name == "round":
            places = self.pick(["", ", 0", ", 1", ", 2", ", -1"])
            return attrs.evolve(a, text=f"round({a.text}{places})", const=False, pool=())
        if name in ("ratio", "percent_change"):
            b = self.num(scope, depth)
            return E(
                f"{name}({a.text}, {b.text})",
                NUM,
                precise=False,
            )
        if name == "coalesce":
            b = self.num(scope, depth) if self.chance(50) else self.number()
            return E(
                f"coalesce({a.text}, {b.text})",
                NUM,
                precise=a.precise and b.precise,
            )
        listed = self.list_term(scope)
        return E(f"len({listed.text})", NUM)

    def count_form(self, scope: Scope) -> E:
        listed = self.list_term(scope)
        func = self.pick(["count", "len"])
        return E(f"{func}({listed.text})", NUM)

    def list_term(self, scope: Scope) -> E:
        term = self.field_term(scope, [LIST]) if self.chance(70) else None
        if term is None or term.elem == REC:
            path, f = self.pick(list(ROOT_LISTS.items()))
            return E(path, LIST, values=f.values, keys=f.keys, elem=f.elem)
        return term

    def comprehension_source(self, scope: Scope) -> tuple[str, str]:
        """What a comprehension ranges over (its text and collection): a collection, or
        a KPI's series."""
        kpi_vars = [v for v, c in scope.all().items() if c == "kpis"]
        if kpi_vars and self.chance(30):
            series = f"{self.pick(kpi_vars)}.series"
            if self.chance(30):
                series = f"last({series}, {self.between(0, 3)})"
            return series, "kpis[].series"
        collection = self.pick([c for c in COLLECTIONS if c != "kpis[].series"])
        return collection, collection

    def aggregate(self, scope: Scope, depth: int, kind: str) -> E:
        """``count/sum/min/max/mean/median`` over a collection, of *kind* (NUM or DATE)."""
        source, collection = self.comprehension_source(scope)
        if kind == DATE:
            source = collection = self.pick(list(DATED))
        var, inner = scope.inner(collection)
        where = f" where {self.filter(inner, var, collection, depth)}" if self.chance(75) else ""
        if kind == DATE:
            func = self.pick(["min", "max"])
            dated = f"{var}.{DATED[collection]}"
            return E(f"{func}({dated} for {var} in {source}{where})", DATE)
        func = self.pick(["count", "count", "sum", "min", "max", "mean", "median"])
        if func == "count":
            return E(f"count({var} in {source}{where})", NUM)
        value = self.field_term(Scope(scope.bindings, {var: collection}), [NUM])
        if value is None:
            return E(f"count({var} in {source}{where})", NUM)
        return E(
            f"{func}({value.text} for {var} in {source}{where})",
            NUM,
            precise=func in ("count", "min", "max", "median"),
        )

    def filter(self, scope: Scope, var: str, collection: str, depth: int) -> str:
        """A where clause: a window, a correlation with an outer binding, or any condition."""
        options = ["cond"]
        if collection in DATED:
            options += ["window", "window"]
        correlate = [
            (outer, template)
            for outer, outer_coll in scope.bindings.items()
            for (a, b), templates in JOINS.items()
            for template in templates
            if (a, b) == (collection, outer_coll)
        ]
        if correlate:
            options += ["correlate", "correlate"]
        kind = self.pick(options)
        if kind == "window":
            text = f"{var}.{DATED[collection]} within {self.duration().text}"
            if self.chance(40):
                return f"{text} and {self.cond(scope, max(depth, 0))}"
            return text
        if kind == "correlate":
            outer, template = self.pick(correlate)
            return template.format(a=var, b=outer)
        return self.cond(scope, max(depth, 0))

    # -- dates and strings --------------------------------------------------------------

    def date_term(self, scope: Scope, depth: int) -> E:
        choice = self.between(0, 5 if depth > 0 else 2)
        if choice <= 1:
            term = self.field_term(scope, [DATE])
            if term is not None:
                return term
        if choice == 2:
            term = self.root_term([DATE])
            if term is not None:
                return term
        if choice == 3:
            return E("as_of", DATE)
        if choice == 4:
            base = self.date_term(scope, depth - 1)
            op = self.pick(["+", "-"])
            return E(
                f"({base.text} {op} {self.duration().text})",
                DATE,
            )
        if choice == 5:
            return self.aggregate(scope, depth - 1, DATE)
        return self.field_term(scope, [DATE]) or E("as_of", DATE)

    def str_term(self, scope: Scope) -> E:
        if self.chance(10) and any(
            f.elem == ENUM for c in scope.all().values() for f in COLLECTIONS[c].values()
        ):
            return self.map_term(scope, ENUM)
        if self.chance(8):
            listed = self.list_term(scope)
            if listed.elem in (STR, ENUM):
                func = self.pick(["first", "last"])
                return E(
                    f"{func}({listed.text})",
                    listed.elem,
                    values=listed.values,
                    pool=self.key_pool(listed.keys) if listed.keys else (),
                )
        term = self.field_term(scope, [STR, ENUM]) if self.chance(75) else None
        if term is None:
            term = self.root_term([STR, ENUM])
        assert term is not None
        if term.kind == STR and self.chance(10):
            return attrs.evolve(term, text=f"lower({term.text})", pool=())
        return term

    # -- conditions ---------------------------------------------------------------------

    def compare(self, left: E, op: str, right: E, scope: Scope) -> str:
        if self.chance(15) and right.const is False and op not in ("in", "not in"):
            text = f"{right.text} {_MIRROR[op]} {left.text}"
        else:
            text = f"{left.text} {op} {right.text}"
        return text

    def cmp_num(self, scope: Scope, depth: int) -> str:
        left = self.num(scope, depth)
        op = self.pick(["<", "<=", ">", ">=", "==", "!="])
        right = self.num(scope, max(depth - 1, 0)) if self.chance(25) else self.number(left.pool)
        if not (left.precise and right.precise) and op in ("==", "!="):
            op = self.pick(["<", ">"])
        return self.compare(left, op, right, scope)

    def cmp_date(self, scope: Scope, depth: int) -> str:
        left = self.date_term(scope, depth)
        op = self.pick(["<", "<=", ">", ">=", "==", "!="])
        if self.chance(30):
            right = self.date_term(scope, max(depth - 1, 0))
        else:
            right = self.date_const(left.pool)
        return self.compare(left, op, right, scope)

    def cmp_str(self, scope: Scope, depth: int) -> str:
        left = self.str_term(scope)
        ordering = self.chance(40)
        op = self.pick(["<", "<=", ">", ">="] if ordering else ["==", "!="])
        if self.chance(25) and left.kind == STR:
            right = self.str_term(scope)
            if right.kind != STR:
                right = self.string_const(left)
        else:
            right = self.string_const(left)
        return self.compare(left, op, right, scope)

    def cmp_in(self, scope: Scope) -> str:
        op = self.pick(["in", "not in"])
        kind = self.between(0, 3)
        if kind == 0:
            # a scalar in a list constant
            left = self.str_term(scope)
            items = [self.string_const(left).text for _ in range(self.between(0, 3))]
            return f"{left.text} {op} [{', '.join(items)}]"
        if kind == 1:
            left = self.num(scope, 0)
            items = [self.number(left.pool) for _ in range(self.between(1, 3))]
            return f"{left.text} {op} [{', '.join(i.text for i in items)}]"
        listed = self.list_term(scope)
        if kind == 2 and listed.keys == "partners":
            partner_vars = [v for v, c in scope.all().items() if c == "partners"]
            if partner_vars:
                return f"{self.pick(partner_vars)}.id {op} {listed.text}"
        if self.chance(25):
            # a key in a table
            tables = [
                (f"{var}.{name}", f)
                for var, coll in scope.all().items()
                for name, f in self.fields(coll, [MAP])
            ] + list(ROOT_MAPS.items())
            path, f = self.pick(tables)
            return f"{_str_text(self.pick(self.key_pool(f.keys)))} {op} {path}"
        # a constant in a list-valued field
        return f"{self.string_const(listed).text} {op} {listed.text}"

    def bool_term(self, scope: Scope) -> str:
        term = self.field_term(scope, [BOOL]) if self.chance(70) else None
        if term is None:
            term = self.root_term([BOOL])
        assert term is not None
        form = self.between(0, 3)
        if form == 0:
            return term.text
        if form == 1:
            return f"not {term.text}"
        return f"{term.text} {self.pick(['==', '!='])} {self.pick(['true', 'false', 'n_bool'])}"

    def exists(self, scope: Scope, depth: int) -> str:
        if self.chance(50):
            kinds = [NUM, DATE, STR, BOOL, ENUM]
            term = self.field_term(scope, kinds) or self.root_term(kinds)
            assert term is not None
            if self.chance(20):
                return f"known({term.text})"
            return f"exists {term.text}"
        source, collection = self.comprehension_source(scope)
        var, inner = scope.inner(collection)
        return f"exists {var} in {source} where {self.filter(inner, var, collection, depth)}"

    def within(self, scope: Scope) -> str:
        term = self.date_term(scope, 1)
        return f"{term.text} within {self.duration().text}"

    def quantifier(self, scope: Scope, depth: int) -> str:
        source, collection = self.comprehension_source(scope)
        var, inner = scope.inner(collection)
        func = self.pick(["any", "all", "none"])
        where = f" where {self.filter(inner, var, collection, depth)}" if self.chance(60) else ""
        if self.chance(10):
            # the plain-list form: any([a, b, c])
            items = [self.bool_term(scope) for _ in range(self.between(1, 3))]
            return f"{func}([{', '.join(items)}])"
        if func == "any" or self.chance(30):
            return f"{func}({var} in {source}{where})"
        value = self.cond(inner, depth)
        if self.chance(50):
            value = f"({value})"
        return f"{func}({value} for {var} in {source}{where})"

    def join(self, scope: Scope) -> str | None:
        pairs = [
            (a, b, template)
            for a, ca in scope.bindings.items()
            for b, cb in scope.bindings.items()
            if a != b
            for template in JOINS.get((ca, cb), ())
        ]
        if not pairs:
            return None
        a, b, template = self.pick(pairs)
        return template.format(a=a, b=b)

    def field_pair(self, scope: Scope, same: bool) -> str | None:
        """Two fields of one kind compared: of one binding (``d.decided > d.raised``), or
        of two (a join such as ``e.opened < d.raised``)."""
        kind = self.pick([NUM, NUM, DATE, DATE, STR, ENUM])
        variables = list(scope.bindings)
        if not variables or (not same and len(variables) < 2):
            return None
        a = self.pick(variables)
        b = a if same else self.pick([v for v in variables if v != a])
        left_fields = self.fields(scope.bindings[a], [kind])
        right_fields = self.fields(scope.bindings[b], [kind])
        if not left_fields or not right_fields:
            return None
        (ln, lf), (rn, rf) = self.pick(left_fields), self.pick(right_fields)
        if kind == ENUM and lf.values != rf.values:
            return None
        left = E(f"{a}.{ln}", kind)
        right = E(f"{b}.{rn}", kind)
        op = self.pick(["==", "!=", "<", "<=", ">", ">="])
        return self.compare(left, op, right, scope)

    def edge_case(self, scope: Scope) -> str:
        """A construct where durable_rules once compared differently from Python."""
        options = []
        # a truth test of what may be a number
        flag = self.field_term(scope, [BOOL]) or self.root_term([BOOL])
        assert flag is not None
        options.append(f"coalesce({flag.text}, {self.pick(['1', '0', '2'])})")
        # untyped slots holding a number, a date or a boolean, against any kind
        loose = self.pick(
            [
                "health_checks.latest.date",
                "health_checks.latest.actions_total",
                "health_checks.latest.action_plan",
                "culture.working_agreement_age_days",
                "culture.active_integration_elements",
            ]
        )
        other = self.pick([self.number().text, self.date_const().text, '"x"', "true"])
        op = self.pick(["==", "!=", "<", ">"] if other != "true" else ["==", "!="])
        options.append(f"{loose} {op} {other}")
        # lists, tables and records compared by value
        containers = [
            (var, name, f.kind)
            for var, coll in scope.bindings.items()
            for name, f in COLLECTIONS[coll].items()
            if f.kind in (LIST, MAP) and f.elem != REC
        ]
        if containers:
            var, name, kind = self.pick(containers)
            others = [f"{var}.{name}"]
            if kind == LIST:
                others += ["[]", f"[{_str_text(self.pick(self.key_pool('partners')))}]"]
            options.append(f"{var}.{name} {self.pick(['==', '!='])} {self.pick(others)}")
        same = [
            (a, b)
            for a, ca in scope.bindings.items()
            for b, cb in scope.bindings.items()
            if a < b and ca == cb
        ]
        if same:
            a, b = self.pick(same)
            options.append(f"{a} {self.pick(['==', '!='])} {b}")
        # a function that fails (a number has no length)
        number = self.field_term(scope, [NUM]) or self.root_term([NUM])
        assert number is not None
        options.append(f"len({number.text}) > 0")
        # facts under a derived top-level name
        options.append(f"count(pulse.partners_without_recent) >= {self.between(0, 2)}")
        return str(self.pick(options))

    def cond(self, scope: Scope, depth: int) -> str:
        """A condition; below depth 1 only leaves (no nesting, no comprehension)."""
        kinds = ["num", "num", "num", "date", "str", "str", "in", "bool", "exists", "within"]
        kinds += ["pair", "pair", "cross"]
        kinds.append("join")
        if depth > 0:
            kinds += ["quantifier", "quantifier", "not", "logic", "logic", "logic"]
        kinds.append("edge")
        kind = self.pick(kinds)
        if kind == "edge":
            return self.edge_case(scope)
        if kind == "num":
            return self.cmp_num(scope, depth)
        if kind == "date":
            return self.cmp_date(scope, depth)
        if kind == "str":
            return self.cmp_str(scope, depth)
        if kind == "in":
            return self.cmp_in(scope)
        if kind == "bool":
            return self.bool_term(scope)
        if kind == "exists":
            return self.exists(scope, depth)
        if kind == "within":
            return self.within(scope)
        if kind == "join":
            joined = self.join(scope)
            return joined if joined is not None else self.cmp_num(scope, depth)
        if kind in ("pair", "cross"):
            pair = self.field_pair(scope, same=kind == "pair")
            return pair if pair is not None else self.cmp_num(scope, depth)
        if kind == "quantifier":
            return self.quantifier(scope, depth - 1)
        if kind == "not":
            return f"not ({self.cond(scope, depth - 1)})"
        parts = [self.cond(scope, depth - 1) for _ in range(self.between(2, 3))]
        op = self.pick(["and", "or"])
        return "(" + f" {op} ".join(parts) + ")"


_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}

# --- rules -----------------------------------------------------------------------------


@attrs.frozen
class RuleText:
    id: str
    bindings: tuple[tuple[str, str], ...]
    when: tuple[str, ...]
    requires: tuple[tuple[str, str], ...] = ()
    severity_if: tuple[tuple[str, str], ...] = ()
    message: str | None = None
    emit: tuple[tuple[str, str], ...] = ()
    reads_findings: bool = False
    severity: str = "medium"
    area: str = "governance"
    enabled: bool = True


_VAR_PREFIX = {
    "partners": "p",
    "objectives": "o",
    "meetings": "m",
    "decisions": "d",
    "action_items": "ai",
    "escalations": "e",
    "resource_commitments": "r",
    "milestones": "ms",
    "culture.profiles": "c",
    "culture.integration_activities": "ia",
    "market_signals": "s",
    "assumptions": "a",
    "kpis": "k",
    "pulse_surveys": "u",
    "health_checks": "hc",
    "feedback_channels": "fc",
    "learning_log": "l",
    "history": "hi",
    "governance.steering_committee.members": "sm",
    "entries(culture.gaps)": "g",
    "entries(culture.profile_age_days)": "pa",
    "entries(escalations.by_category_h)": "bc",
}
_SEVERITIES = ("info", "low", "medium", "high", "critical")
_AREAS = ("governance", "culture", "market", "alignment", "early_warning", "continuous")


@attrs.frozen
class Emitted:
    name: str
    kind: str  # num, str or bool
    rule: str
    reader: bool


def draw_rule(gen: Gen, index: int, earlier: list[RuleText], emitted: list[Emitted]) -> RuleText:
    rule_id = f"G{index:02d}"
    weights = [0, 0, 1, 1, 1, 1, 2, 2, 2, 3]
    count = gen.pick(weights)
    bindings: dict[str, str] = {}
    anchor = gen.pick(list(_VAR_PREFIX))
    for position in range(count):
        if position == 0:
            collection = anchor
        else:
            related = [b for (a, b) in JOINS if a in bindings.values()]
            related += [a for (a, b) in JOINS if b in bindings.values()]
            collection = gen.pick(related) if related and gen.chance(80) else gen.pick(_VAR_PREFIX)
        prefix = _VAR_PREFIX[collection]
        name = prefix if prefix not in bindings else f"{prefix}{position}"
        bindings[name] = collection
    scope = Scope(dict(bindings))
    when: list[str] = []
    if len(bindings) >= 2 and gen.chance(85):
        for _ in range(len(bindings) - 1):
            joined = gen.join(scope)
            if joined is not None:
                when.append(joined)
    reads_findings = gen.chance(10) and bool(earlier)
    usable = [r for r in earlier if reads_findings or not r.reads_findings]
    for _ in range(gen.between(1, 3)):
        roll = gen.between(0, 19)
        if roll == 0 and usable:
            target = gen.pick(usable)
            when.append(gen.pick([f'fired("{target.id}")', f'not fired("{target.id}")']))
        elif roll == 1 and reads_findings:
            when.append(findings_condition(gen))
        elif roll == 2 and any(e.reader is False or reads_findings for e in emitted):
            when.append(
                emitted_condition(gen, [e for e in emitted if reads_findings or not e.reader])
            )
        else:
            when.append(gen.cond(scope, gen.between(0, 3)))
    if reads_findings and not any("findings" in w for w in when):
        when.append(findings_condition(gen))
    # The order of the conditions decides the order of the tests in each pattern.
    when = list(gen.draw(st.permutations(when)))
    requires: list[tuple[str, str]] = []
    if gen.chance(15):
        requires.append((gen.cond(Scope({}), 1), gen.pick(["", "needs enough data"])))
    severity_if: list[tuple[str, str]] = []
    for _ in range(gen.pick([0, 0, 0, 1, 2])):
        cond = (
            f"matches >= {gen.between(1, 3)}"
            if gen.chance(40)
            else gen.cond(Scope(dict(bindings)), 1)
        )
        severity_if.append((cond, gen.pick(_SEVERITIES)))
    message = None
    if gen.chance(40):
        pieces = ["Found"]
        for _ in range(gen.between(0, 2)):
            term = gen.pick(
                [
                    lambda: gen.num(Scope(dict(bindings)), 1),
                    lambda: gen.str_term(Scope(dict(bindings))),
                    lambda: gen.date_term(Scope(dict(bindings)), 1),
                ]
            )()
            if "{" not in term.text and "}" not in term.text:
                pieces.append("{" + term.text + "}")
        message = " ".join(pieces) + " {{done}}"
    emit: list[tuple[str, str]] = []
    if gen.chance(25):
        kind = gen.pick([NUM, STR, BOOL])
        scope_e = Scope(dict(bindings))
        if kind == NUM:
            value = gen.num(scope_e, 1).text
        elif kind == STR:
            value = gen.str_term(scope_e).text
        else:
            value = gen.cond(scope_e, 1)
        # a name under a stated table, or under a top-level name of its own
        name = gen.pick([f"partnership.gen_{rule_id.lower()}", f"gen.{rule_id.lower()}"])
        emit.append((name, value))
        emitted.append(Emitted(name, kind, rule_id, reads_findings))
    return RuleText(
        id=rule_id,
        bindings=tuple(bindings.items()),
        when=tuple(when),
        requires=tuple(requires),
        severity_if=tuple(severity_if),
        message=message,
        emit=tuple(emit),
        reads_findings=reads_findings,
        severity=gen.pick(_SEVERITIES),
        area=gen.pick(_AREAS),
        enabled=not gen.chance(3),
    )


def findings_condition(gen: Gen) -> str:
    var = "f"
    filters = [
        f"{var}.severity == {_str_text(gen.pick(_SEVERITIES))}",
        f'{var}.severity in ["high", "critical"]',
        f"{var}.area == {_str_text(gen.pick(_AREAS))}",
        f"{var}.matches >= {gen.between(1, 3)}",
        f'{var}.rule != "G00"',
    ]
    where = gen.pick(filters)
    form = gen.between(0, 2)
    if form == 0:
        return f"count({var} in findings where {where}) >= {gen.between(0, 3)}"
    if form == 1:
        return f"any({var} in findings where {where})"
    return f"sum({var}.matches for {var} in findings where {where}) > {gen.between(0, 4)}"


def emitted_condition(gen: Gen, emitted: list[Emitted]) -> str:
    item = gen.pick(emitted)
    if item.kind == BOOL:
        return gen.pick([item.name, f"not {item.name}", f"exists {item.name}"])
    if item.kind == NUM:
        return f"{item.name} {gen.pick(['<', '>=', '!='])} {gen.pick(_NUMBERS)}"
    return f"{item.name} {gen.pick(['==', '!='])} {_str_text(gen.pick(['corvid', 'x', '']))}"


@st.composite
def rule_batches(
    draw: st.DrawFn,
    pools: Mapping[str, tuple[Any, ...]],
    *,
    min_size: int = 20,
    max_size: int = 36,
    positional: bool = True,
) -> list[RuleText]:
    gen = Gen(draw, pools, positional=positional)
    rules: list[RuleText] = []
    emitted: list[Emitted] = []
    siblings: list[RuleText] = []
    for index in range(draw(st.integers(min_size, max_size))):
        rule = draw_rule(gen, index, rules, emitted)
        rules.append(rule)
        if len(rule.when) >= 2 and gen.chance(60):
            # The same rule with fewer conditions fires more often, so a wrong test in
            # a pattern shows up in the matches instead of hiding behind a false one.
            keep = draw(st.lists(st.sampled_from(range(len(rule.when))), min_size=1, unique=True))
            # A rule that reads findings keeps reading them (or its chain would cycle).
            keep += [i for i, w in enumerate(rule.when) if "findings" in w]
            siblings.append(
                attrs.evolve(
                    rule,
                    id=f"{rule.id}s",
                    when=tuple(w for i, w in enumerate(rule.when) if i in keep),
                    emit=(),
                )
            )
    return rules + siblings


# --- TOML ------------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML basic string holding *text*, in ASCII (every other character escaped)."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04X}")
        else:
            out.append(f"\\U{code:08X}")
    out.append('"')
    return "".join(out)


def ruleset_text(rules: Iterable[RuleText]) -> str:
    lines = [
        "[ruleset]",
        'id = "generated"',
        'version = "0.1.0"',
        'title = "Generated rules"',
        "",
    ]
    for name, (kind, default) in PARAMS.items():
        lines += [f"[params.{name}]", f'type = "{kind}"', f"default = {default}", 'doc = "x"', ""]
    for rule in rules:
        lines += [
            "[[rules]]",
            f'id = "{rule.id}"',
            f'title = "Rule {rule.id}"',
            f'area = "{rule.area}"',
            f'severity = "{rule.severity}"',
        ]
        if rule.bindings:
            body = ", ".join(f"{name} = {toml_string(c)}" for name, c in rule.bindings)
            lines.append(f"for = {{ {body} }}")
        lines.append("when = [" + ", ".join(toml_string(w) for w in rule.when) + "]")
        if rule.requires:
            items = []
            for cond, reason in rule.requires:
                item = f"when = {toml_string(cond)}"
                if reason:
                    item += f", reason = {toml_string(reason)}"
                items.append("{ " + item + " }")
            lines.append("requires = [" + ", ".join(items) + "]")
        if rule.severity_if:
            items = [
                f"{{ when = {toml_string(c)}, severity = {toml_string(s)} }}"
                for c, s in rule.severity_if
            ]
            lines.append("severity_if = [" + ", ".join(items) + "]")
        if rule.message is not None:
            lines.append(f"message = {toml_string(rule.message)}")
        if rule.emit:
            body = ", ".join(f'"{name}" = {toml_string(v)}' for name, v in rule.emit)
            lines.append(f"emit = {{ {body} }}")
        if not rule.enabled:
            lines.append("enabled = false")
        lines.append("")
    return "\n".join(lines)


# --- comparing the backends ------------------------------------------------------------


def engines(text: str, plugin_manager: pluggy.PluginManager) -> tuple[Engine, Engine]:
    rules = parse_ruleset_text(text, source="<generated>")
    assert not rules.problems, [str(p) for p in rules.problems]
    durable = Engine([rules], plugin_manager=plugin_manager, backend="durable_rules")
    python = Engine([rules], plugin_manager=plugin_manager, backend="python")
    return durable, python


def outcomes(assessment: Any) -> dict[str, Any]:
    """Each rule's outcome: its finding (as JSON), 'passed', or its not-evaluable reason."""
    out: dict[str, Any] = {f.rule: f.to_dict() for f in assessment.findings}
    out.update(dict.fromkeys(assessment.passed, "passed"))
    out.update({n.rule: f"not evaluable: {n.reason}" for n in assessment.not_evaluable})
    return out


def rule_block(text: str, rule_id: str) -> str:
    """The [[rules]] table of *rule_id* in a generated rule-set text."""
    for block in text.split("[[rules]]"):
        if f'id = "{rule_id}"' in block:
            return "[[rules]]" + block
    return f"(rule {rule_id} not found)"


def assert_same(durable: Any, python: Any, text: str) -> None:
    """The two assessments agree rule by rule, then byte for byte.

    A failure names the rules they disagree on, with their text and both outcomes.
    """
    left, right = outcomes(durable), outcomes(python)
    differ = sorted(r for r in {*left, *right} if left.get(r) != right.get(r))
    if differ:
        report = [f"the backends disagree on {', '.join(differ)}"]
        for rule_id in differ:
            report += [
                rule_block(text, rule_id),
                f"durable_rules: {json.dumps(left.get(rule_id), ensure_ascii=False)}",
                f"python:        {json.dumps(right.get(rule_id), ensure_ascii=False)}",
            ]
        pytest.fail("\n".join(report))
    assert durable.diagnostics == python.diagnostics, text
    assert durable.to_json() == python.to_json(), text


def tally(assessment: Any) -> None:
    """Record what the batch did, so a run that never fires anything is visible."""
    fired, passed, skipped = (
        len(assessment.findings),
        len(assessment.passed),
        len(assessment.not_evaluable),
    )
    event(f"fired: {'0' if not fired else '1-4' if fired < 5 else '5+'}")
    event(f"passed: {'0' if not passed else '1-4' if passed < 5 else '5+'}")
    event(f"not evaluable: {'0' if not skipped else '1-4' if skipped < 5 else '5+'}")


def shuffled(partnership: Partnership, seed: int) -> Partnership:
    """The same partnership with the records of every collection in another order."""
    rng = random.Random(seed)

    def mix(records: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(rng.sample(records, len(records)))

    top = {
        f.name: mix(getattr(partnership, f.name))
        for f in attrs.fields(Partnership)
        if isinstance(getattr(partnership, f.name), tuple)
    }
    culture = attrs.evolve(
        partnership.culture,
        profiles=mix(partnership.culture.profiles),
        integration_activities=mix(partnership.culture.integration_activities),
    )
    governance = partnership.governance
    if governance is not None and governance.steering_committee is not None:
        committee = governance.steering_committee
        governance = attrs.evolve(
            governance,
            steering_committee=attrs.evolve(committee, members=mix(committee.members)),
        )
    return attrs.evolve(partnership, culture=culture, governance=governance, **top)


_INDEX = re.compile(r"\[\d+\]")


def order_free(assessment: Any) -> dict[str, Any]:
    """The assessment without what legitimately names a record by its position."""
    out = assessment.to_dict()
    out["not_evaluable"] = sorted(n.rule for n in assessment.not_evaluable)
    for finding in out["findings"]:
        finding["evidence"] = sorted(json.dumps(e, sort_keys=True) for e in finding["evidence"])
    return json.loads(_INDEX.sub("[#]", json.dumps(out, sort_keys=True)))


# --- the properties --------------------------------------------------------------------

# Each example builds a durable_rules ruleset (about 2 MB that durable_rules never
# frees) and a Python engine for a batch of 20-36 rules (and their siblings).
_BATCH_SETTINGS = settings(
    max_examples=50 if _CI else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    """The built-in plugins, shared by every example (the tests do not change them)."""
    return get_plugin_manager(load_entrypoints=False)


@_BATCH_SETTINGS
@given(partnership=partnerships(), data=st.data())
def test_backends_agree_on_generated_rules(
    partnership: Partnership, data: st.DataObject, pm: pluggy.PluginManager
) -> None:
    """Both backends fire the same rules with the same evidence, byte for byte.

    Also totality: every generated rule type-checks (``engines`` fails otherwise)
    and assessing a valid partnership with it raises nothing.
    """
    facts = enrich(partnership, pm)
    rules = data.draw(rule_batches(build_pools(facts)), label="rules")
    text = ruleset_text(rules)
    durable, python = engines(text, pm)
    a = durable.assess(facts)
    b = python.assess(facts)
    tally(b)
    assert_same(a, b, text)


@_BATCH_SETTINGS
@given(partnership=partnerships(), data=st.data())
def test_record_order_changes_nothing(
    partnership: Partnership, data: st.DataObject, pm: pluggy.PluginManager
) -> None:
    """Shuffling the records of every collection leaves the conclusions unchanged.

    The same rules fire, with the same evidence (records are named by id or key),
    and the same rules are not evaluable (their reasons may name positions).
    """
    facts = enrich(partnership, pm)
    rules = data.draw(rule_batches(build_pools(facts), positional=False), label="rules")
    text = ruleset_text(rules)
    durable, python = engines(text, pm)
    other = enrich(shuffled(facts.partnership, data.draw(st.integers(0, 2**32), label="seed")), pm)
    for engine in (durable, python):
        before, after = engine.assess(facts), engine.assess(other)
        assert before.fired == after.fired, text
        assert sorted(n.rule for n in before.not_evaluable) == sorted(
            n.rule for n in after.not_evaluable
        ), text
        assert order_free(before) == order_free(after), text


def test_generator_exercises_the_language_and_fires(pm: pluggy.PluginManager) -> None:
    """On the case study, generated batches fire, pass and skip rules, and use every construct.

    Without this, a generator gone wrong (every rule ill-typed, false or unknown)
    would let the properties above pass without testing anything.
    """
    facts = enrich(
        load_partnership(_EXAMPLES / "case_study_before.toml", plugin_manager=pm).partnership, pm
    )
    pools = build_pools(facts)
    outcomes: Counter[str] = Counter()
    texts: list[str] = []

    @settings(
        max_examples=12,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def draw(data: st.DataObject) -> None:
        rules = data.draw(rule_batches(pools))
        text = ruleset_text(rules)
        durable, python = engines(text, pm)
        a, b = durable.assess(facts), python.assess(facts)
        assert_same(a, b, text)
        outcomes["fired"] += len(b.findings)
        outcomes["passed"] += len(b.passed)
        outcomes["not_evaluable"] += len(b.not_evaluable)
        outcomes["joins fired"] += sum(
            1 for f in b.findings if f.evidence and len(f.evidence[0].bindings) >= 2
        )
        texts.append(text)

    draw()
    rules = sum(outcomes[k] for k in ("fired", "passed", "not_evaluable"))
    assert outcomes["fired"] >= rules // 10, outcomes
    assert outcomes["passed"] >= rules // 5, outcomes
    assert outcomes["not_evaluable"] >= rules // 10, outcomes
    assert outcomes["joins fired"] >= 10, outcomes
    corpus = "\n".join(texts)
    constructs = [
        *(f" {op} " for op in ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "within")),
        *(f" {op} " for op in ("+", "-", "*", "/", "%", "and", "or")),
        *(f"{f}(" for f in ("count", "sum", "min", "max", "mean", "median", "any", "all")),
        *(f"{f}(" for f in ("none", "abs", "round", "ratio", "percent_change", "len")),
        *(f"{f}(" for f in ("coalesce", "known", "lower", "fired", "first", "last", "entries")),
        "([",
        "pulse.",
        "gen.",
        "exists ",
        "not (",
        "as_of - ",
        "findings",
        "[p.id]",
        " for x",
        " where ",
        "emit = ",
        "requires = ",
        "severity_if = ",
        "message = ",
        "enabled = false",
        "n_num",
        "n_int",
        "n_dur",
        "n_date",
        "n_str",
        "n_bool",
        "Q",
        "H",
        "Y",
        "2w",
    ]
    missing = [c for c in constructs if c not in corpus]
    assert not missing


# --- regressions: bugs this file found, each as its smallest reproduction -------------


def rule(rule_id: str, *when: str, bindings: dict[str, str] | None = None, **kw: Any) -> RuleText:
    return RuleText(id=rule_id, bindings=tuple((bindings or {}).items()), when=when, **kw)


def case_study(pm: pluggy.PluginManager) -> Partnership:
    path = _EXAMPLES / "case_study_before.toml"
    return load_partnership(path, plugin_manager=pm).partnership


def run_both(rules: list[RuleText], partnership: Partnership, pm: pluggy.PluginManager) -> Any:
    text = ruleset_text(rules)
    durable, python = engines(text, pm)
    facts = enrich(partnership, pm)
    return durable.assess(facts), python.assess(facts), text


def test_join_on_a_missing_field_is_false_not_a_crash(pm: pluggy.PluginManager) -> None:
    """Regression: a join other than == on a field some records lack (durable_rules
    raised "error code: 311"). D3 and D4 are not decided; ironbridge has no industry."""
    p = case_study(pm)
    p = attrs.evolve(p, partners=(p.partners[0], attrs.evolve(p.partners[1], industry=None)))
    a, b, text = run_both(
        [
            rule("J1", "d.decided < as_of - 30d", bindings={"d": "decisions"}),
            rule("J2", "p.industry != q.industry", bindings={"p": "partners", "q": "partners"}),
            rule("J3", "p.industry < q.industry", bindings={"p": "partners", "q": "partners"}),
        ],
        p,
        pm,
    )
    assert_same(a, b, text)
    assert b.fired == ("J1",)
    assert b.passed == ("J2", "J3")


def test_same_fact_comparison_with_a_missing_field_is_false(pm: pluggy.PluginManager) -> None:
    """Regression: after another test in the same pattern, durable_rules matched a
    comparison with a field the fact lacks (0 > missing). No escalation is about people."""
    a, b, text = run_both(
        [
            rule(
                "M1",
                "as_of within Y",
                "escalations.opened_prior_q - 1 > escalations.by_category_h.people",
            )
        ],
        case_study(pm),
        pm,
    )
    assert_same(a, b, text)
    assert b.passed == ("M1",)


def test_a_group_before_a_join_keeps_the_join(pm: pluggy.PluginManager) -> None:
    """Regression: a nested $or (or the $and that guards a same-fact comparison) before the join
    test in one pattern: durable_rules matches every combination of c and p."""
    both = {"c": "culture.profiles", "p": "partners"}
    a, b, text = run_both(
        [
            rule(
                "G1",
                "(p.headcount > 1000 or p.named_contacts > 1)",
                "p.id == c.partner",
                bindings=both,
            ),
            rule("G2", "p.headcount > p.named_contacts", "p.id == c.partner", bindings=both),
        ],
        case_study(pm),
        pm,
    )
    assert [len(f.evidence) for f in b.findings] == [2, 2]  # each partner with its profile
    assert_same(a, b, text)


def test_strings_with_control_characters_order_alike(pm: pluggy.PluginManager) -> None:
    """Regression: durable_rules ordered strings by their escaped JSON text."""
    p = case_study(pm)
    names = ("a\nb", "aAb")  # "\n" (10) sorts before "A" (65); its escape "\\n" (92) after
    p = attrs.evolve(
        p, partners=tuple(attrs.evolve(x, name=n) for x, n in zip(p.partners, names, strict=True))
    )
    a, b, text = run_both(
        [
            rule("S1", "p.name < 'aA'", bindings={"p": "partners"}),
            rule("S2", "p.name < q.name", bindings={"p": "partners", "q": "partners"}),
        ],
        p,
        pm,
    )
    assert_same(a, b, text)


def test_a_number_is_not_true(pm: pluggy.PluginManager) -> None:
    """Regression: durable_rules matched true against the number 1."""
    p = case_study(pm)
    p = attrs.evolve(
        p, partners=(attrs.evolve(p.partners[0], has_alliance_function=None), p.partners[1])
    )
    a, b, text = run_both(
        [rule("T1", "coalesce(p.has_alliance_function, 1)", bindings={"p": "partners"})], p, pm
    )
    assert b.passed == ("T1",)
    assert_same(a, b, text)


def test_lists_tables_and_records_compare_alike(pm: pluggy.PluginManager) -> None:
    """Regression: durable_rules left lists, tables and id-less records out of its facts,
    so == and != on them never matched."""
    a, b, text = run_both(
        [
            rule("V1", "o.agreed_by == o.agreed_by", bindings={"o": "objectives"}),
            rule("V2", "o.agreed_by != ['corvid']", bindings={"o": "objectives"}),
            rule("V3", "o.priority == o.priority", bindings={"o": "objectives"}),
            rule("V4", "c == d", bindings={"c": "culture.profiles", "d": "culture.profiles"}),
        ],
        case_study(pm),
        pm,
    )
    assert_same(a, b, text)


def test_untyped_values_keep_their_kind(pm: pluggy.PluginManager) -> None:
    """Regression: a date in an untyped slot was compared as its day number."""
    healthy = load_partnership(_EXAMPLES / "healthy.toml", plugin_manager=pm).partnership
    a, b, text = run_both([rule("K1", "health_checks.latest.date > 5")], healthy, pm)
    assert_same(a, b, text)


def test_huge_durations_do_not_crash(pm: pluggy.PluginManager) -> None:
    """Regression: a date plus 10**10 days raised OverflowError on both backends."""
    a, b, text = run_both(
        [rule("D1", "m.date + 10000000000d > as_of", bindings={"m": "meetings"})],
        case_study(pm),
        pm,
    )
    assert_same(a, b, text)


def test_an_infinite_sum_compares_alike(pm: pluggy.PluginManager) -> None:
    """Regression: an infinite sum fired in Python, was left out by durable_rules, and
    could not be written as JSON."""
    p = case_study(pm)
    p = attrs.evolve(
        p,
        resource_commitments=tuple(
            attrs.evolve(r, committed=1e308) for r in p.resource_commitments
        ),
    )
    # 3e308 is infinite: Python fires, durable_rules leaves the field out, and the
    # JSON writer refuses the infinite value in the evidence
    a, b, text = run_both([rule("I1", "sum(r.committed for r in resource_commitments) > 5")], p, pm)
    assert_same(a, b, text)


def test_the_mean_of_huge_numbers_does_not_crash(pm: pluggy.PluginManager) -> None:
    """Regression: mean() of numbers near the float limit overflowed in fsum."""
    p = case_study(pm)
    p = attrs.evolve(
        p,
        resource_commitments=tuple(
            attrs.evolve(r, committed=1e308) for r in p.resource_commitments
        ),
    )
    a, b, text = run_both(
        [rule("I2", "mean(r.committed for r in resource_commitments) > 5")], p, pm
    )
    assert_same(a, b, text)


def test_facts_under_a_derived_top_level_name(pm: pluggy.PluginManager) -> None:
    """Regression: pulse.* and an emitted gen.* raised AttributeError (the evaluator
    looked the top-level name up on the Partnership)."""
    a, b, text = run_both(
        [
            rule("N1", "count(pulse.partners_without_recent) >= 0"),
            rule("N2", "escalations.opened_last_q > 0", emit=(("gen.recent", "3"),)),
            rule("N3", "gen.recent >= 3"),
        ],
        case_study(pm),
        pm,
    )
    assert b.fired == ("N1", "N2", "N3")
    assert_same(a, b, text)


def test_a_quantified_value_may_start_with_a_name_and_in(pm: pluggy.PluginManager) -> None:
    """Regression: the value 'H in [182]' was taken for the comprehension variable."""
    a, b, text = run_both([rule("P1", "all(H in [182] for p in partners)")], case_study(pm), pm)
    assert b.fired == ("P1",)
    assert_same(a, b, text)


def test_a_failing_function_reports_alike(pm: pluggy.PluginManager) -> None:
    """Regression: len() of a number fails; Python never computes it (the first condition is false
    for every partner), durable_rules computes it for every partner beforehand."""
    a, b, text = run_both(
        [rule("F1", "p.headcount > 100000", "len(p.headcount) > 0", bindings={"p": "partners"})],
        case_study(pm),
        pm,
    )
    assert_same(a, b, text)


def test_a_sum_does_not_depend_on_record_order(pm: pluggy.PluginManager) -> None:
    """Regression: sum() added floats in record order."""
    p = case_study(pm)
    rc = tuple(
        attrs.evolve(r, committed=v)
        for r, v in zip(p.resource_commitments, (0.1, 0.2, 0.3), strict=True)
    )
    rules = [rule("O1", "sum(r.committed for r in resource_commitments) <= 0.6")]
    forward, _, _ = run_both(rules, attrs.evolve(p, resource_commitments=rc), pm)
    backward, _, _ = run_both(rules, attrs.evolve(p, resource_commitments=rc[::-1]), pm)
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001; 0.3 + 0.2 + 0.1 is 0.6
    assert forward.fired == backward.fired


def test_records_with_the_same_key_do_not_depend_on_order(pm: pluggy.PluginManager) -> None:
    """Regression: two steering-committee members of corvid are both named {"partner": "corvid"}."""
    p = case_study(pm)
    assert p.governance is not None
    committee = p.governance.steering_committee
    assert committee is not None
    extra = attrs.evolve(committee.members[0], name="Maya Chen", role="Alliance manager")
    members = (*committee.members, extra)
    rules = [
        rule(
            "A1",
            "sm.partner == 'corvid'",
            bindings={"sm": "governance.steering_committee.members"},
            message="first: {sm.name}",
        )
    ]

    def with_members(order: tuple[Any, ...]) -> Partnership:
        return attrs.evolve(
            p,
            governance=attrs.evolve(
                p.governance, steering_committee=attrs.evolve(committee, members=order)
            ),
        )

    forward, _, _ = run_both(rules, with_members(members), pm)
    backward, _, _ = run_both(rules, with_members(members[::-1]), pm)
    # "first: Jon Reyes" one way, "first: Maya Chen" the other
    assert forward.to_json() == backward.to_json()
