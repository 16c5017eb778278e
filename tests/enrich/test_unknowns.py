"""Unknown is not false: gaps and unstated values make derived facts unknown, with reasons;
omitted "not yet" values and empty collections do not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import realign
from realign import FactError, FactSet, FactSource, UnknownFactError
from realign.cli import main


def _case_study(examples_dir: Path) -> str:
    return (examples_dir / "case_study_before.toml").read_text(encoding="utf-8")


def _with_gaps(text: str, *gaps: str) -> str:
    listed = ", ".join(f'"{g}"' for g in gaps)
    return text.replace(
        'catalog_version = "0.1"', f'catalog_version = "0.1"\ndata_gaps = [{listed}]', 1
    )


def _without_tables(text: str, header: str) -> str:
    """Drop every [[header]] table, up to the next table header."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.strip() == f"[[{header}]]"
        if not skipping:
            out.append(line)
    return "".join(out)


def _facts(text: str) -> FactSet:
    return realign.load_facts(FactSource.from_text(text, name="v.toml", format="toml"))


def test_a_gap_on_a_whole_collection_makes_its_aggregates_unknown(examples_dir: Path) -> None:
    text = _case_study(examples_dir)
    for collection in ("meetings", "action_items"):
        text = _without_tables(text, collection)
    facts = _facts(_with_gaps(text, "meetings", "action_items"))
    for name in (
        "governance.steering_committee.meetings_held",
        "governance.steering_committee.days_since_last_meeting",
        "governance.sponsors.missed_meetings",
        "meetings.within_h",
        "meetings.without_agenda_or_minutes_h",
        "meetings.exec_meetings_adjusting_priorities_y",
        "meetings.days_since_last_strategy_sync",
        "action_items.due_within_h",
        "market_signals[0].first_discussed",
    ):
        fact = facts.derived[name]
        assert not fact.known, name
        assert "declared a data gap" in (fact.unknown or ""), name
    # Facts that do not read meetings stay known.
    assert facts.value("decisions.median_latency_days_h") == 76.0


def test_an_empty_collection_is_none_not_unknown(examples_dir: Path) -> None:
    text = _without_tables(_case_study(examples_dir), "escalations")
    facts = _facts(text)
    assert facts.value("escalations.opened_last_q") == 0
    assert facts.value("escalations.by_category_h") == {}


def test_not_yet_values_are_not_unknown(examples_dir: Path) -> None:
    facts = realign.load_facts(examples_dir / "case_study_before.toml")
    # D3 is undecided, E2 unresolved, MS3 open: none of that is missing data.
    for path in ("decisions[2].decided", "escalations[1].resolved", "milestones[2].completed"):
        assert facts.is_known(path), path
    assert facts.value("decisions[2].open") is True
    assert facts.value("milestones[2].late") is True
    # Free text that no rule reads is not an unknown fact either.
    assert facts.is_known("escalations[1].note")


def test_a_gap_on_a_field_makes_the_per_record_facts_unknown(examples_dir: Path) -> None:
    text = _case_study(examples_dir)
    text = text.replace("completed = 2023-10-31\n", "").replace("completed = 2024-01-20\n", "")
    facts = _facts(_with_gaps(text, "milestones.completed"))
    assert facts.reason_unknown("milestones[0].completed") == (
        "declared a data gap in assessment.data_gaps"
    )
    assert not facts.derived["milestones[2].late"].known
    assert not facts.derived["milestones.late_due_within_h"].known


def test_a_stated_field_cannot_also_be_a_gap(examples_dir: Path) -> None:
    with pytest.raises(FactError) as caught:
        _facts(_with_gaps(_case_study(examples_dir), "milestones.completed"))
    (problem,) = caught.value.problems
    assert problem.code == "consistency"


def test_value_raises_with_the_reason_for_an_unknown_fact(examples_dir: Path) -> None:
    facts = realign.load_facts(examples_dir / "case_study_before.toml")
    with pytest.raises(UnknownFactError, match="no strategy sync") as caught:
        facts.value("meetings.latest_sync_missing_agenda_items")
    assert caught.value.name == "meetings.latest_sync_missing_agenda_items"
    # A known "none" is a value: the partnership never held a strategy sync.
    assert facts.value("meetings.last_strategy_sync") is None


def test_undetermined_records_are_listed_beside_their_count(examples_dir: Path) -> None:
    text = _case_study(examples_dir).replace(
        "agenda_sent_days_before = 2\nminutes_published = false\n", ""
    )
    facts = _facts(text)
    assert facts.value("meetings.without_agenda_or_minutes_h") == 1  # M3 only
    assert facts.value("meetings.agenda_or_minutes_undetermined_h") == ["M4"]
    assert not facts.derived["meetings[3].lacks_agenda_or_minutes"].known


def test_a_single_rater_leaves_perception_gaps_unknown(examples_dir: Path) -> None:
    text = (examples_dir / "healthy.toml").read_text(encoding="utf-8")
    text = text.replace(
        ", nimbus = { strategic = 4.0, operational = 3.7, governance = 3.9, relationship = 4.0 }",
        "",
    )
    facts = _facts(text)
    gap = facts.derived["health_checks[0].perception_gap"]
    assert not gap.known
    assert "nimbus" in (gap.unknown or "")


def test_json_output_does_not_depend_on_partner_order(
    examples_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _case_study(examples_dir)
    first, second = text.index("[[partners]]"), text.rindex("[[partners]]")
    end = text.index("[[objectives]]")
    swapped = text[:first] + text[second:end] + text[first:second] + text[end:]
    outputs = []
    for name, body in (("a.toml", text), ("b.toml", swapped)):
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        assert main(["facts", str(path), "--format", "json"]) == 0
        document = json.loads(capsys.readouterr().out)
        outputs.append(json.dumps(document["derived"]["governance.sponsors.missed_meetings"]))
    assert outputs[0] == outputs[1]
