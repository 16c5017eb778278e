"""Unknown inside derived values: a list item or table value the file does not state is an
unknown element, never ``None`` and never left out, so a rule that needs it is not
evaluable instead of silently passing.

Each test edits one of the examples in memory (the examples themselves state everything
these facts read) and looks at the derived facts, not at rules; the rule-level cases are
in ``rulesets/*.test.toml``.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from realign import FactSet, get_plugin_manager
from realign.assessment import Assessment
from realign.cli import main
from realign.engine.engine import Engine
from realign.enrich import enrich
from realign.loading import RawFacts, structure_partnership
from realign.loading.dump import jsonable
from realign.rules.ruleset import parse_ruleset_text
from realign.rules.values import is_unknown

Document = dict[str, Any]

_PULSE_ITEMS = (
    "commitment",
    "communication",
    "decision_clarity",
    "priority_alignment",
    "trust",
    "value_fairness",
)


@pytest.fixture(scope="module")
def documents(examples_dir: Path) -> dict[str, Document]:
    out = {}
    for name in ("healthy", "case_study_before"):
        with (examples_dir / f"{name}.toml").open("rb") as handle:
            out[name] = tomllib.load(handle)
    return out


def _facts(documents: dict[str, Document], name: str, edit: Callable[[Document], None]) -> FactSet:
    data = copy.deepcopy(documents[name])
    edit(data)
    loaded = structure_partnership(RawFacts(data=data, format="toml"), source=f"{name} (edited)")
    return enrich(loaded.partnership, get_plugin_manager(load_entrypoints=False))


def _value(facts: FactSet, name: str) -> Any:
    fact = facts.derived[name]
    assert fact.known, f"{name} is unknown: {fact.unknown}"
    return fact.value


def _wave(data: Document, org: str, period: str) -> Document:
    (wave,) = [
        w for w in data["pulse_surveys"] if w["respondent_org"] == org and w["period"] == period
    ]
    return wave


def _reason(value: Any) -> str:
    assert is_unknown(value), f"{value!r} is not unknown"
    text: str = value.describe()
    return text


# --- pulse ------------------------------------------------------------------------------


def _drop_item(org: str, period: str, *items: str) -> Callable[[Document], None]:
    def edit(data: Document) -> None:
        for item in items:
            del _wave(data, org, period)["items"][item]

    return edit


def test_a_wave_with_an_unstated_item_is_an_unknown_composite(
    documents: dict[str, Document],
) -> None:
    facts = _facts(documents, "healthy", _drop_item("helix", "2025-Q1", "trust"))
    helix = _value(facts, "pulse.composites")["helix"]
    assert len(helix) == 4  # the wave is still there, in date order
    assert helix[0] == pytest.approx(4.0)
    assert helix[3] == pytest.approx(4.2)
    reason = _reason(helix[2])
    assert "helix pulse of 2025-Q1" in reason
    assert "trust" in reason
    # The other partner's series is untouched.
    assert _value(facts, "pulse.composites")["nimbus"] == pytest.approx([3.9, 4.0, 3.9, 4.0])


def test_the_change_is_unknown_when_either_of_the_last_two_waves_is(
    documents: dict[str, Document],
) -> None:
    previous = _facts(documents, "healthy", _drop_item("helix", "2025-Q1", "trust"))
    change = _value(previous, "pulse.composite_change")
    assert "helix pulse of 2025-Q1" in _reason(change["helix"])
    assert change["nimbus"] == pytest.approx(0.1)  # 4.0 - 3.9

    latest = _facts(documents, "healthy", _drop_item("nimbus", "2025-Q2", "commitment"))
    change = _value(latest, "pulse.composite_change")
    assert "nimbus pulse of 2025-Q2" in _reason(change["nimbus"])
    assert change["helix"] == pytest.approx(0.1)  # 4.2 - 4.1


def test_an_incomplete_wave_older_than_the_last_two_leaves_the_change_known(
    documents: dict[str, Document],
) -> None:
    facts = _facts(documents, "healthy", _drop_item("helix", "2024-Q3", "trust"))
    assert _value(facts, "pulse.composite_change")["helix"] == pytest.approx(0.1)


def test_the_latest_wave_states_every_item_or_an_unknown_one(
    documents: dict[str, Document],
) -> None:
    facts = _facts(
        documents, "healthy", _drop_item("nimbus", "2025-Q2", "value_fairness", "commitment")
    )
    latest = _value(facts, "pulse.latest")
    items = latest["nimbus"]["items"]
    assert sorted(items) == list(_PULSE_ITEMS)
    assert items["trust"] == pytest.approx(4.1)
    for item in ("value_fairness", "commitment"):
        reason = _reason(items[item])
        assert f"the {item} item of the nimbus pulse of 2025-Q2 is unknown" in reason
        assert "not stated" in reason
    assert is_unknown(latest["nimbus"]["composite"])
    # A complete wave has no unknown in it.
    assert not any(is_unknown(v) for v in latest["helix"]["items"].values())
    assert latest["helix"]["composite"] == pytest.approx(4.2)


def test_unstated_counts_of_the_latest_wave_are_unknown(documents: dict[str, Document]) -> None:
    def edit(data: Document) -> None:
        wave = _wave(data, "helix", "2025-Q2")
        del wave["responses"]
        del wave["recommend_nps"]

    latest = _value(_facts(documents, "healthy", edit), "pulse.latest")["helix"]
    assert "responses of the helix pulse of 2025-Q2" in _reason(latest["responses"])
    assert is_unknown(latest["recommend_nps"])
    assert is_unknown(latest["response_rate"])
    assert latest["invited"] == 14


def test_nobody_invited_is_a_known_none_rate(documents: dict[str, Document]) -> None:
    def edit(data: Document) -> None:
        wave = _wave(data, "helix", "2025-Q2")
        wave["invited"] = 0
        wave["responses"] = 0

    latest = _value(_facts(documents, "healthy", edit), "pulse.latest")["helix"]
    assert latest["response_rate"] is None


# --- KPIs -------------------------------------------------------------------------------


def _series(kpi: str, points: list[dict[str, Any]]) -> Callable[[Document], None]:
    def edit(data: Document) -> None:
        (record,) = [k for k in data["kpis"] if k["id"] == kpi]
        record["series"] = points

    return edit


def _healthy_k2(*targets: float | None) -> list[dict[str, Any]]:
    """K2 of the healthy example (actuals 92, 88, 86, 89) with the given targets."""
    periods = ("2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2")
    actuals = (92, 88, 86, 89)
    out: list[dict[str, Any]] = []
    for period, actual, target in zip(periods, actuals, targets, strict=True):
        point: dict[str, Any] = {"period": period, "actual": actual}
        if target is not None:
            point["target"] = target
        out.append(point)
    return out


def test_a_period_without_a_target_has_an_unknown_rag(documents: dict[str, Document]) -> None:
    facts = _facts(documents, "healthy", _series("K2", _healthy_k2(90, 90, None, 90)))
    rags = _value(facts, "kpis[1].rags")
    assert rags[:2] == ["green", "amber"]
    assert rags[3] == "amber"
    assert "the RAG of K2 in 2025-Q1 is unknown" in _reason(rags[2])
    assert not facts.derived["kpis[1].series[2].rag"].known


def test_the_run_is_unknown_when_it_reaches_an_unrated_period(
    documents: dict[str, Document],
) -> None:
    facts = _facts(documents, "healthy", _series("K2", _healthy_k2(90, 90, None, 90)))
    run = facts.derived["kpis[1].non_green_run"]
    assert not run.known
    assert "2025-Q1" in (run.unknown or "")


def test_the_run_is_known_when_a_green_period_ends_it_first(
    documents: dict[str, Document],
) -> None:
    # 2024-Q3 unrated, 2024-Q4 green (88 against 85), then amber, amber.
    facts = _facts(documents, "healthy", _series("K2", _healthy_k2(None, 85, 90, 90)))
    assert _value(facts, "kpis[1].non_green_run") == 2


def test_a_joint_share_that_depends_on_an_unrated_point_is_unknown(
    documents: dict[str, Document],
) -> None:
    facts = _facts(documents, "healthy", _series("K2", _healthy_k2(90, 90, None, 90)))
    shares = _value(facts, "kpis.joint_green_share")
    assert shares["2024-Q3"] == 1.0
    assert shares["2024-Q4"] == 0.75
    # Not 3/3 from the rated ones: K2 may be green or not.
    assert "the RAG of K2 in 2025-Q1 is unknown" in _reason(shares["2025-Q1"])
    assert shares["2025-Q2"] == 0.75


def test_joint_latest_counts_agree_with_an_unrated_latest_point(
    documents: dict[str, Document],
) -> None:
    facts = _facts(documents, "healthy", _series("K2", _healthy_k2(90, 90, 90, None)))
    assert _value(facts, "kpis.latest_period") == "2025-Q2"
    assert _value(facts, "kpis.joint_with_data_latest") == 4  # K2 has data, unrated
    red = facts.derived["kpis.joint_red_latest"]
    assert not red.known
    assert "the RAG of K2 in 2025-Q2 is unknown" in (red.unknown or "")


def test_the_latest_period_counts_a_point_that_is_only_unrated(
    documents: dict[str, Document],
) -> None:
    def edit(data: Document) -> None:
        for kpi in data["kpis"]:
            kpi["series"] = [p for p in kpi["series"] if p["period"] != "2025-Q2"]
        _series("K2", [*_healthy_k2(90, 90, 90, None)])(data)

    facts = _facts(documents, "healthy", edit)
    assert _value(facts, "kpis.latest_period") == "2025-Q2"
    assert _value(facts, "kpis.joint_with_data_latest") == 1
    assert not facts.derived["kpis.joint_red_latest"].known


def test_green_shares_are_unknown_while_a_kpi_with_data_may_be_joint(
    documents: dict[str, Document],
) -> None:
    def edit(data: Document) -> None:
        del data["kpis"][3]["jointly_agreed"]

    facts = _facts(documents, "healthy", edit)
    shares = facts.derived["kpis.joint_green_share"]
    assert not shares.known
    assert "K4" in (shares.unknown or "")
    # The counts keep leaving it out, and list it beside them.
    assert _value(facts, "kpis.joint_undetermined") == ["K4"]
    assert _value(facts, "kpis.joint_with_data_latest") == 3


# --- culture and health checks ----------------------------------------------------------


def test_unstated_respondents_of_a_culture_profile_are_unknown(
    documents: dict[str, Document],
) -> None:
    def edit(data: Document) -> None:
        (profile,) = [p for p in data["culture"]["profiles"] if p["partner"] == "nimbus"]
        del profile["respondents"]

    respondents = _value(_facts(documents, "healthy", edit), "culture.profile_respondents")
    assert respondents["helix"] == 9
    assert "nimbus culture profile" in _reason(respondents["nimbus"])


def _health_check(edit_check: Callable[[Document], None]) -> Callable[[Document], None]:
    def edit(data: Document) -> None:
        edit_check(data["health_checks"][0])

    return edit


def test_a_dimension_not_rated_by_every_partner_has_an_unknown_gap(
    documents: dict[str, Document],
) -> None:
    facts = _facts(
        documents,
        "healthy",
        _health_check(lambda check: check["scores"]["nimbus"].pop("relationship")),
    )
    gaps = _value(facts, "health_checks[0].perception_gap")
    assert list(gaps) == ["strategic", "operational", "governance", "relationship"]
    assert gaps["strategic"] == pytest.approx(0.2)
    reason = _reason(gaps["relationship"])
    assert "the relationship perception gap of the health check of 2025-02-15" in reason
    assert "nimbus" in reason
    assert _value(facts, "health_checks.latest")["perception_gap"] == gaps


def test_the_latest_health_check_is_unknown_where_it_does_not_say(
    documents: dict[str, Document],
) -> None:
    def edit_check(check: Document) -> None:
        for key in ("type", "facilitator", "action_plan", "actions_done"):
            del check[key]
        del check["scores"]["nimbus"]

    latest = _value(_facts(documents, "healthy", _health_check(edit_check)), "health_checks.latest")
    for key in ("type", "facilitator", "action_plan", "actions_done_share", "perception_gap"):
        assert is_unknown(latest[key]), key
    assert "the type of the health check of 2025-02-15 is unknown" in _reason(latest["type"])
    assert latest["partners_rated"] == ["helix"]
    assert latest["age_days"] == 135


def test_no_planned_actions_is_an_unknown_share_in_the_latest_check(
    documents: dict[str, Document],
) -> None:
    def edit_check(check: Document) -> None:
        del check["actions_total"]
        del check["actions_done"]

    latest = _value(_facts(documents, "healthy", _health_check(edit_check)), "health_checks.latest")
    assert "no planned actions" in _reason(latest["actions_done_share"])


def test_the_latest_of_two_checks_on_one_day_does_not_depend_on_file_order(
    documents: dict[str, Document],
) -> None:
    def twin(first: int) -> Callable[[Document], None]:
        def edit(data: Document) -> None:
            check = data["health_checks"][0]
            other = copy.deepcopy(check)
            del other["type"]
            del other["scores"]["nimbus"]["relationship"]
            data["health_checks"] = [check, other] if first == 0 else [other, check]

        return edit

    picked = [
        _value(_facts(documents, "healthy", twin(first)), "health_checks.latest")
        for first in (0, 1)
    ]
    assert picked[0] == picked[1]


# --- sponsors ---------------------------------------------------------------------------


def _unrecord(meeting: str, partner: str) -> Callable[[Document], None]:
    def edit(data: Document) -> None:
        (record,) = [m for m in data["meetings"] if m["id"] == meeting]
        del record["exec_attendance"][partner]

    return edit


def test_unrecorded_attendance_makes_that_partners_missed_count_unknown(
    documents: dict[str, Document],
) -> None:
    facts = _facts(documents, "healthy", _unrecord("M5", "nimbus"))
    missed = _value(facts, "governance.sponsors.missed_meetings")
    assert missed["helix"] == 0
    assert "nimbus's sponsor attendance is not recorded for M5" in _reason(missed["nimbus"])
    # What is recorded, and what is not, per partner: enough for a rule to decide.
    assert _value(facts, "governance.sponsors.missed_meetings_recorded") == {
        "helix": 0,
        "nimbus": 1,  # delegated at M7
    }
    assert _value(facts, "governance.sponsors.unrecorded_meetings") == {
        "helix": [],
        "nimbus": ["M5"],
    }


def test_attendance_outside_the_recent_executive_meetings_does_not_matter(
    documents: dict[str, Document],
) -> None:
    facts = _facts(documents, "healthy", _unrecord("M1", "nimbus"))  # older than the last 4
    assert _value(facts, "governance.sponsors.missed_meetings") == {"helix": 0, "nimbus": 1}
    assert _value(facts, "governance.sponsors.unrecorded_meetings")["nimbus"] == []


# --- realign facts ----------------------------------------------------------------------


def test_realign_facts_shows_unknown_parts_of_a_value(
    documents: dict[str, Document], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(documents["healthy"])
    del _wave(data, "helix", "2025-Q1")["items"]["trust"]
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(jsonable(data)), encoding="utf-8")

    assert main(["facts", str(path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    helix = document["derived"]["pulse.composites"]["value"]["helix"]
    assert helix[:2] == [4.0, 4.1]
    assert "helix pulse of 2025-Q1" in helix[2]["unknown"]

    assert main(["facts", str(path), "--no-color"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "4, 4.1, unknown, 4.2" in text


# --- the evaluator reads them as unknown -----------------------------------------------

_PROBE_RULES = """
[ruleset]
id = "probe"
version = "0.1"
title = "Unknown parts of derived values"
realign = ">=0.1"

[[rules]]
id = "P-INDEX"
title = "an unknown element, read by index"
area = "early_warning"
severity = "low"
when = "pulse.composites.helix[2] > 0"

[[rules]]
id = "P-MAX"
title = "the largest of a list with an unknown element"
area = "early_warning"
severity = "low"
when = "max(pulse.composites.helix) > 100"

[[rules]]
id = "P-ALL"
title = "every element of a list with an unknown element"
area = "early_warning"
severity = "low"
when = "all(x > 0 for x in pulse.composites.helix)"

[[rules]]
id = "P-IN"
title = "membership in a list with an unknown element"
area = "early_warning"
severity = "low"
when = "4.15 in pulse.composites.helix"
"""


@pytest.fixture(scope="module")
def probe_outcomes(documents: dict[str, Document]) -> dict[str, str]:
    """Each probe rule's outcome on the healthy example with one incomplete helix wave."""
    facts = _facts(documents, "healthy", _drop_item("helix", "2025-Q1", "trust"))
    rules = parse_ruleset_text(_PROBE_RULES, source="probe.toml")
    out: dict[str, str] = {}
    for rule in ("P-INDEX", "P-MAX", "P-ALL", "P-IN"):
        engine = Engine(
            [rules],
            plugin_manager=get_plugin_manager(load_entrypoints=False),
            backend="python",
            select=[rule],
        )
        try:
            out[rule] = _status(engine.assess(facts), rule)
        except TypeError as error:
            out[rule] = f"crashed: {error}"
    return out


def _status(assessment: Assessment, rule: str) -> str:
    if rule in assessment.fired:
        return "fired"
    if rule in assessment.passed:
        return "passed"
    return "not_evaluable"


@pytest.mark.parametrize("rule", ["P-INDEX", "P-MAX", "P-ALL"])
def test_the_evaluator_reads_an_unknown_element_as_unknown(
    probe_outcomes: dict[str, str], rule: str
) -> None:
    assert probe_outcomes[rule] == "not_evaluable"


def test_membership_in_a_list_with_an_unknown_element_is_unknown(
    probe_outcomes: dict[str, str],
) -> None:
    assert probe_outcomes["P-IN"] == "not_evaluable"
