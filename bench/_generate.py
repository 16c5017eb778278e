"""Deterministic synthetic partnerships for the benchmarks: the two examples, perturbed.

``partnership_data(seed)`` starts from one of the golden examples (read with
tomllib) and returns a varied but valid fact file as plain data: the whole
file moved by whole quarters, event dates redrawn within their windows,
scores, priorities, KPI actuals, pulse items and escalation categories
varied, records dropped and added, optional values left unstated, and
sometimes a declared data gap (with its facts removed, as the format
requires). Every choice comes from one ``random.Random(seed)``, so a seed
always gives the same file.

``write_pool`` writes such files to a directory as JSON and/or TOML and, by
default, loads each one back so that a generator bug shows up as a
``FactError`` at generation time rather than as a skewed benchmark.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import json
import random
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pluggy

import realign
from realign.loading.dump import dump_partnership, jsonable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TEMPLATES = ("healthy", "case_study_before")
FORMATS = ("toml", "json")

_PERIOD = re.compile(r"([0-9]{4})-Q([1-4])")
_ESCALATION_CATEGORIES = (
    "product_priority",
    "resource",
    "commercial_terms",
    "quality",
    "ip",
    "data_access",
    "people",
    "other",
)
_SIGNAL_TYPES = (
    "new_competitor",
    "customer_preference_shift",
    "technology_shift",
    "regulatory_change",
    "pricing",
    "partner_strategy_change",
    "macro",
)
_ATTENDANCE = ("sponsor", "sponsor", "sponsor", "delegate", "absent")
_AGENDA_ITEMS = (
    "progress_vs_objectives",
    "market_changes",
    "opportunities_challenges",
    "priorities_resources",
)
_INTEGRATION_TYPES = ("team_building", "joint_training", "employee_exchange", "shared_tools")
_AGREEMENT_TOPICS = ("decision_speed", "risk_thresholds", "feedback", "scheduling", "communication")


@cache
def _template(name: str) -> dict[str, Any]:
    with (EXAMPLES / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


def partnership_data(seed: int) -> dict[str, Any]:
    """A valid fact file as plain data (dates as ``datetime.date``), derived from *seed*."""
    rng = random.Random(seed)
    template = TEMPLATES[seed % len(TEMPLATES)]
    data = copy.deepcopy(_template(template))
    _Perturbation(rng, data, seed).apply()
    return data


def to_json(data: dict[str, Any]) -> str:
    """Fact format v1 as JSON: dates become ``YYYY-MM-DD`` strings."""
    return json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n"


def write_pool(
    directory: Path,
    count: int,
    *,
    formats: Sequence[str] = FORMATS,
    seed: int = 0,
    validate: bool = True,
    plugin_manager: pluggy.PluginManager | None = None,
) -> dict[str, list[Path]]:
    """Write *count* generated partnerships into *directory*, once per format.

    File ``i`` of every format holds the same partnership (seed ``seed + i``):
    JSON is written from the generated data, TOML by ``dump_partnership`` from
    the partnership that JSON loads to. With *validate*, every file is loaded
    back, and the TOML and JSON forms must load to equal partnerships.

    Raises:
        FactError: a generated file does not load (a generator bug).
        AssertionError: the two formats of one file disagree.
    """
    pm = plugin_manager or realign.get_plugin_manager(load_entrypoints=False)
    directory.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Path]] = {fmt: [] for fmt in formats}
    for index in range(count):
        data = partnership_data(seed + index)
        text = to_json(data)
        stem = f"p{index:05d}"
        source = realign.FactSource.from_text(text, name=f"{stem}.json", format="json")
        partnership = realign.load_partnership(source, plugin_manager=pm).partnership
        texts = {"json": text, "toml": None}
        for fmt in formats:
            body = texts.get(fmt) or dump_partnership(partnership, fmt)
            path = directory / f"{stem}.{fmt}"
            path.write_text(body, encoding="utf-8")
            out[fmt].append(path)
            if validate:
                again = realign.load_partnership(path, plugin_manager=pm).partnership
                if again != partnership:
                    msg = f"{path}: the {fmt} form loads to a different partnership"
                    raise AssertionError(msg)
    return out


# --- dates ------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    """*day* moved by whole months, the day clamped to the month's length.

    Clamping keeps the order of any two dates (never reverses it), so every
    "on or before" constraint of the file survives the move.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _add_quarters(period: str, quarters: int) -> str:
    match = _PERIOD.fullmatch(period)
    if match is None:
        return period
    index = int(match[1]) * 4 + int(match[2]) - 1 + quarters
    year, quarter = divmod(index, 4)
    return f"{year}-Q{quarter + 1}"


def _shift(node: Any, quarters: int) -> Any:
    """Every date of *node* moved by *quarters* × 3 months, every period label with it."""
    if isinstance(node, dt.date):
        return _add_months(node, 3 * quarters)
    if isinstance(node, dict):
        return {
            k: _add_quarters(v, quarters)
            if k == "period" and isinstance(v, str)
            else _shift(v, quarters)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_shift(v, quarters) for v in node]
    return node


# --- perturbation ------------------------------------------------------------------------


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _fresh_id(records: Iterable[dict[str, Any]], prefix: str) -> str:
    taken = {r.get("id") for r in records}
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


class _Perturbation:
    """One file's worth of random, validity-preserving changes to the example data."""

    def __init__(self, rng: random.Random, data: dict[str, Any], seed: int) -> None:
        self.rng = rng
        self.data = data
        self.seed = seed

    # Dates that record events must not follow as_of; these draw them from its past.
    def past(self, low: int, high: int) -> dt.date:
        return self.as_of - dt.timedelta(days=self.rng.randint(low, high))

    def after(self, day: dt.date, low: int, high: int) -> dt.date | None:
        """*day* plus a random number of days, or None if that would follow as_of."""
        later = day + dt.timedelta(days=self.rng.randint(low, high))
        return later if later <= self.as_of else None

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def apply(self) -> None:
        rng = self.rng
        self.data.update(_shift(self.data, rng.randint(-6, 6)))
        self.as_of: dt.date = self.data["assessment"]["as_of"]
        self.partners: list[str] = [p["id"] for p in self.data["partners"]]
        self.data["assessment"]["id"] = f"{self.data['assessment']['id']}-G{self.seed}"
        if self.chance(0.25):
            # Some files stay close to their example, so healthy partnerships are in the mix.
            self.gentle()
            return
        for step in (
            self.partnership,
            self.objectives,
            self.governance,
            self.meetings,
            self.decisions,
            self.action_items,
            self.escalations,
            self.milestones,
            self.culture,
            self.market_signals,
            self.assumptions,
            self.kpis,
            self.pulse,
            self.health_checks,
            self.resources,
            self.data_gaps,
        ):
            step()
        self.fix_references()

    def gentle(self) -> None:
        """Small changes only: KPI actuals, pulse items and NPS nudged, categories redrawn."""
        rng = self.rng
        for kpi in self.data["kpis"]:
            for point in kpi["series"]:
                if "actual" in point:
                    point["actual"] = round(point["actual"] * rng.uniform(0.97, 1.05), 2)
        for survey in self.data.get("pulse_surveys", []):
            survey["items"] = {
                item: round(_clamp(score + rng.uniform(-0.2, 0.2), 1, 5), 1)
                for item, score in survey["items"].items()
            }
            nps = survey["recommend_nps"] + rng.randint(-5, 5)
            survey["recommend_nps"] = int(_clamp(nps, -100, 100))
        for escalation in self.data["escalations"]:
            escalation["category"] = rng.choice(_ESCALATION_CATEGORIES)

    def records(self, name: str, prefix: str, make: Callable[[str], dict[str, Any]]) -> None:
        """Drop some records of collection *name* and add a few new ones, made by *make*."""
        kept = [r for r in self.data.get(name, []) if not self.chance(0.15)]
        for _ in range(self.rng.choice((0, 0, 1, 2, 3))):
            kept.append(make(_fresh_id(kept, prefix)))
        if kept:
            self.data[name] = kept
        else:
            self.data.pop(name, None)

    def drop_key(self, record: dict[str, Any], key: str, p: float) -> None:
        """Leave *key* unstated with probability *p*: an unknown, not a false."""
        if key in record and self.chance(p):
            del record[key]

    def partnership(self) -> None:
        rng = self.rng
        profile = self.data["partnership"]
        profile["high_pace"] = rng.choice((True, False))
        self.drop_key(profile, "exit_provisions_defined", 0.2)
        for partner in self.data["partners"]:
            partner["internal_alignment_score"] = rng.randint(1, 5)
            partner["named_contacts"] = rng.randint(0, 8)
            partner["has_alliance_function"] = rng.choice((True, False))
            if self.chance(0.2):
                partner["alliance_manager"] = ""
            self.drop_key(partner, "internal_alignment_score", 0.1)

    def objectives(self) -> None:
        rng = self.rng
        for objective in self.data["objectives"]:
            objective["priority"] = {p: rng.randint(1, 5) for p in self.partners}
            agreed = [p for p in self.partners if not self.chance(0.15)]
            objective["agreed_by"] = agreed or self.partners[:1]
            objective["has_execution_plan"] = self.chance(0.7)
            objective["has_resource_plan"] = self.chance(0.6)
            objective["last_revised"] = self.past(0, 500)
            self.drop_key(objective, "has_resource_plan", 0.1)

    def governance(self) -> None:
        rng = self.rng
        gov = self.data["governance"]
        committee = gov["steering_committee"]
        committee["charter"] = self.chance(0.6)
        committee["cadence_days"] = rng.choice((30, 45, 60, 91, 120))
        protocol = gov["decision_protocol"]
        for key in ("documented", "decision_rights_matrix", "deadlock_mechanism"):
            protocol[key] = self.chance(0.6)
        if self.chance(0.5):
            protocol["decision_sla_days"] = rng.choice((7, 14, 21, 30))
        gov["escalation_path"]["defined"] = self.chance(0.6)
        gov["shared_scorecard"]["exists"] = self.chance(0.6)
        gov["shared_scorecard"]["jointly_agreed"] = self.chance(0.5)
        self.drop_key(committee, "charter", 0.15)
        self.drop_key(gov["shared_scorecard"], "jointly_agreed", 0.15)

    def meetings(self) -> None:
        rng = self.rng
        for meeting in self.data["meetings"]:
            moved = meeting["date"] + dt.timedelta(days=rng.randint(-20, 20))
            meeting["date"] = min(moved, self.as_of)
            meeting["exec_attendance"] = {p: rng.choice(_ATTENDANCE) for p in self.partners}
            meeting["agenda_sent_days_before"] = rng.randint(-1, 6)
            meeting["minutes_published"] = self.chance(0.75)
            self.drop_key(meeting, "minutes_published", 0.1)
            self.drop_key(meeting, "priorities_adjusted", 0.2)

        def make(new_id: str) -> dict[str, Any]:
            kind = rng.choice(("steering_committee", "strategy_sync", "operating_review"))
            meeting: dict[str, Any] = {
                "id": new_id,
                "type": kind,
                "date": self.past(0, 360),
                "exec_attendance": {p: rng.choice(_ATTENDANCE) for p in self.partners},
                "agenda_sent_days_before": rng.randint(-1, 6),
                "minutes_published": self.chance(0.7),
            }
            if kind == "strategy_sync":
                meeting["agenda_items"] = rng.sample(_AGENDA_ITEMS, rng.randint(1, 4))
                meeting["priorities_adjusted"] = self.chance(0.5)
            else:
                meeting["decisions_made"] = rng.randint(0, 4)
            return meeting

        self.records("meetings", "M", make)

    def decisions(self) -> None:
        def redraw(decision: dict[str, Any]) -> dict[str, Any]:
            decision["raised"] = self.past(0, 400)
            decided = self.after(decision["raised"], 0, 90) if self.chance(0.8) else None
            if decided is None:
                decision.pop("decided", None)
            else:
                decision["decided"] = decided
            return decision

        for decision in self.data["decisions"]:
            redraw(decision)
        self.records("decisions", "D", lambda i: redraw({"id": i, "topic": f"topic {i}"}))

    def action_items(self) -> None:
        rng = self.rng
        meetings = [m["id"] for m in self.data.get("meetings", [])]

        def redraw(item: dict[str, Any]) -> dict[str, Any]:
            item["due"] = self.as_of - dt.timedelta(days=rng.randint(-60, 200))
            closed = self.after(item["due"], -20, 40) if self.chance(0.8) else None
            if closed is None:
                item.pop("closed", None)
            else:
                item["closed"] = closed
            return item

        for item in self.data["action_items"]:
            redraw(item)

        def make(new_id: str) -> dict[str, Any]:
            item = {"id": new_id, "owner": rng.choice(self.partners)}
            if meetings:
                item["meeting_id"] = rng.choice(meetings)
            return redraw(item)

        self.records("action_items", "AI", make)

    def escalations(self) -> None:
        rng = self.rng

        def redraw(escalation: dict[str, Any]) -> dict[str, Any]:
            escalation["category"] = rng.choice(_ESCALATION_CATEGORIES)
            escalation["raised_by"] = rng.choice(self.partners)
            escalation["level_reached"] = rng.randint(1, 3)
            escalation["opened"] = self.past(0, 300)
            resolved = self.after(escalation["opened"], 0, 90) if self.chance(0.6) else None
            if resolved is None:
                escalation.pop("resolved", None)
                escalation.pop("resolution", None)
            else:
                escalation["resolved"] = resolved
                escalation["resolution"] = rng.choice(("joint", "joint", "unilateral", "withdrawn"))
            return escalation

        for escalation in self.data["escalations"]:
            redraw(escalation)
        self.records("escalations", "E", lambda i: redraw({"id": i}))

    def milestones(self) -> None:
        rng = self.rng

        def redraw(milestone: dict[str, Any]) -> dict[str, Any]:
            milestone["due"] = self.as_of - dt.timedelta(days=rng.randint(-90, 300))
            completed = self.after(milestone["due"], -15, 45) if self.chance(0.7) else None
            if completed is None:
                milestone.pop("completed", None)
            else:
                milestone["completed"] = completed
            return milestone

        for milestone in self.data["milestones"]:
            redraw(milestone)
        owners = [*self.partners, "joint"]
        self.records(
            "milestones",
            "MS",
            lambda i: redraw({"id": i, "title": f"milestone {i}", "owner": rng.choice(owners)}),
        )

    def culture(self) -> None:
        rng = self.rng
        culture = self.data["culture"]
        for profile in culture.get("profiles", []):
            profile["assessed"] = self.past(0, 500)
            profile["respondents"] = rng.randint(2, 15)
            profile["scores"] = {
                dim: _clamp(score + rng.choice((-1, -0.5, 0, 0, 0.5, 1)), 1, 5)
                for dim, score in profile["scores"].items()
            }
        activities = []
        for activity in culture.get("integration_activities", []):
            activity["status"] = rng.choice(("planned", "done", "done", "ongoing"))
            if activity["status"] == "planned":
                activity["date"] = self.as_of + dt.timedelta(days=rng.randint(1, 120))
            else:
                activity["date"] = self.past(0, 600)
            if not self.chance(0.15):
                activities.append(activity)
        if self.chance(0.3):
            activities.append(
                {
                    "type": rng.choice(_INTEGRATION_TYPES),
                    "date": self.past(0, 400),
                    "status": "done",
                    "participants": {p: rng.randint(1, 20) for p in self.partners},
                }
            )
        if activities:
            culture["integration_activities"] = activities
        else:
            culture.pop("integration_activities", None)
        if self.chance(0.3):
            culture["working_agreement"] = {
                "exists": True,
                "agreed": self.past(0, 700),
                "covers": rng.sample(_AGREEMENT_TOPICS, rng.randint(1, 5)),
            }

    def market_signals(self) -> None:
        rng = self.rng
        objectives = [o["id"] for o in self.data["objectives"]]

        def redraw(signal: dict[str, Any]) -> dict[str, Any]:
            signal["type"] = rng.choice(_SIGNAL_TYPES)
            signal["magnitude"] = rng.randint(1, 5)
            signal["observed"] = self.past(0, 300)
            decided = self.after(signal["observed"], 0, 90) if self.chance(0.5) else None
            if decided is None:
                signal.pop("response_decided", None)
                signal.pop("response", None)
            else:
                signal["response_decided"] = decided
            return signal

        for signal in self.data["market_signals"]:
            redraw(signal)
        self.records(
            "market_signals",
            "S",
            lambda i: redraw({"id": i, "affects_objectives": rng.sample(objectives, 1)}),
        )
        # A meeting may discuss any signal; pick afresh so discussion varies too.
        signals = [s["id"] for s in self.data.get("market_signals", [])]
        for meeting in self.data.get("meetings", []):
            if signals and self.chance(0.3):
                meeting["signals_discussed"] = rng.sample(signals, 1)

    def assumptions(self) -> None:
        rng = self.rng
        for assumption in self.data.get("assumptions", []):
            assumption["status"] = rng.choice(("holding", "holding", "at_risk", "broken"))
            assumption["status_changed"] = self.past(0, 600)
            assumption["last_reviewed"] = self.past(0, 400)
            self.drop_key(assumption, "last_reviewed", 0.1)

    def kpis(self) -> None:
        rng = self.rng
        for kpi in self.data["kpis"]:
            for point in kpi["series"]:
                if "actual" in point:
                    point["actual"] = round(point["actual"] * rng.uniform(0.6, 1.3), 1)
            kpi["jointly_agreed"] = self.chance(0.6)
            self.drop_key(kpi, "jointly_agreed", 0.1)
        self.records(
            "kpis",
            "K",
            lambda i: {
                "id": i,
                "name": f"indicator {i}",
                "direction": rng.choice(("higher_better", "lower_better")),
                "owner": "joint",
                "jointly_agreed": self.chance(0.5),
                "series": [
                    {
                        "period": self.data["assessment"]["period"],
                        "target": 100,
                        "actual": rng.randint(50, 130),
                    }
                ],
            },
        )

    def pulse(self) -> None:
        rng = self.rng
        for survey in self.data.get("pulse_surveys", []):
            survey["items"] = {
                item: round(_clamp(score + rng.uniform(-1, 1), 1, 5), 1)
                for item, score in survey["items"].items()
                if not self.chance(0.03)
            }
            survey["responses"] = rng.randint(0, survey["invited"])
            survey["recommend_nps"] = int(
                _clamp(survey["recommend_nps"] + rng.randint(-30, 30), -100, 100)
            )

    def health_checks(self) -> None:
        rng = self.rng
        for check in self.data.get("health_checks", []):
            check["date"] = self.past(0, 400)
            check["scores"] = {
                partner: {
                    dim: round(_clamp(score + rng.uniform(-1, 1), 1, 5), 1)
                    for dim, score in dims.items()
                }
                for partner, dims in check["scores"].items()
            }
            check["actions_total"] = total = rng.randint(0, 8)
            check["actions_done"] = rng.randint(0, total)

    def resources(self) -> None:
        rng = self.rng
        for commitment in self.data["resource_commitments"]:
            commitment["delivered"] = round(commitment["committed"] * rng.uniform(0.4, 1.1), 1)

    # A declared gap must come with no facts for it, so each gap removes what it names.
    def data_gaps(self) -> None:
        data = self.data

        def each(collection: str, key: str) -> Callable[[], None]:
            def remove() -> None:
                for record in data.get(collection, []):
                    record.pop(key, None)

            return remove

        gaps: dict[str, Callable[[], None]] = {
            "culture.profiles": lambda: data["culture"].pop("profiles", None),
            "escalations": lambda: data.pop("escalations", None),
            "pulse_surveys": lambda: data.pop("pulse_surveys", None),
            "health_checks": lambda: data.pop("health_checks", None),
            "market_signals": lambda: data.pop("market_signals", None),
            "governance.decision_protocol": lambda: data["governance"].pop("decision_protocol"),
            "partners.internal_alignment_score": each("partners", "internal_alignment_score"),
            "meetings.exec_attendance": each("meetings", "exec_attendance"),
            "kpis.jointly_agreed": each("kpis", "jointly_agreed"),
        }
        if not self.chance(0.25):
            return
        chosen = self.rng.sample(sorted(gaps), self.rng.randint(1, 2))
        for gap in chosen:
            gaps[gap]()
        data["assessment"]["data_gaps"] = sorted(chosen)

    def fix_references(self) -> None:
        """Remove references to records that were dropped."""
        data = self.data

        def ids(name: str) -> set[str]:
            return {r["id"] for r in data.get(name, [])}

        kpis, objectives, signals = ids("kpis"), ids("objectives"), ids("market_signals")
        meetings = ids("meetings")
        linkable = ids("decisions") | ids("milestones") | ids("escalations")
        for objective in data["objectives"]:
            objective["kpi_ids"] = [k for k in objective.get("kpi_ids", []) if k in kpis]
        for signal in data.get("market_signals", []):
            signal["affects_objectives"] = [
                o for o in signal.get("affects_objectives", []) if o in objectives
            ]
        for assumption in data.get("assumptions", []):
            assumption["objectives"] = [
                o for o in assumption.get("objectives", []) if o in objectives
            ]
        for meeting in data.get("meetings", []):
            meeting["signals_discussed"] = [
                s for s in meeting.get("signals_discussed", []) if s in signals
            ]
        for item in data.get("action_items", []):
            if item.get("meeting_id") not in meetings:
                item.pop("meeting_id", None)
        for entry in data.get("learning_log", []):
            if entry.get("linked_to") not in linkable:
                entry.pop("linked_to", None)
