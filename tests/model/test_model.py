"""The fact model: frozen, validated at construction, scales defined once."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from realign.model import (
    Assessment,
    CultureDimension,
    Meeting,
    MeetingType,
    Objective,
    ObjectiveLevel,
    Partner,
    PulseItem,
    PulseSurvey,
    scales,
)


def test_models_are_frozen() -> None:
    partner = Partner(id="a", name="A")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        partner.name = "B"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"internal_alignment_score": 0}, "from 1 to 5"),
        ({"internal_alignment_score": 5.5}, "from 1 to 5"),
        ({"named_contacts": -1}, "at least 0"),
        ({"id": ""}, "non-empty identifier"),
        ({"id": " padded "}, "non-empty identifier"),
    ],
)
def test_bounded_scales_reject_values_outside_them(
    kwargs: dict[str, object], fragment: str
) -> None:
    fields: dict[str, object] = {"id": "a", "name": "A", **kwargs}
    with pytest.raises(ValueError, match=fragment):
        Partner(**fields)  # type: ignore[arg-type]


def test_bounds_accept_their_edges() -> None:
    assert Partner(id="a", name="A", internal_alignment_score=1).internal_alignment_score == 1
    assert Partner(id="a", name="A", internal_alignment_score=5).internal_alignment_score == 5


def test_priority_weights_are_validated_per_value() -> None:
    with pytest.raises(ValueError, match="weight from 1 to 5"):
        Objective(id="O1", title="t", level=ObjectiveLevel.STRATEGIC, priority={"a": 6})  # type: ignore[dict-item]


def test_agenda_lead_allows_minus_one_for_no_agenda() -> None:
    meeting = Meeting(
        id="M1",
        date=dt.date(2024, 1, 1),
        type=MeetingType.STEERING_COMMITTEE,
        agenda_sent_days_before=-1,
    )  # type: ignore[arg-type]
    assert meeting.agenda_sent_days_before == -1
    with pytest.raises(ValueError, match="at least -1"):
        Meeting(
            id="M1",
            date=dt.date(2024, 1, 1),
            type=MeetingType.STEERING_COMMITTEE,
            agenda_sent_days_before=-2,
        )  # type: ignore[arg-type]


def test_period_labels_are_calendar_quarters() -> None:
    assert scales.problem_with(scales.Period, "2024-Q1") is None
    for bad in ("2024-Q5", "2024Q1", "24-Q1", "2024-q1"):
        assert scales.problem_with(scales.Period, bad) == "a period label YYYY-Qn"
    with pytest.raises(ValueError, match="YYYY-Qn"):
        Assessment(id="a", partnership_id="p", as_of=dt.date(2024, 3, 31), period="2024-Q9")  # type: ignore[arg-type]


def test_booleans_are_not_numbers_on_any_scale() -> None:
    assert scales.problem_with(scales.Likert, True) is not None
    assert scales.problem_with(scales.Count, False) is not None


def test_integer_scales_reject_fractions() -> None:
    assert scales.problem_with(scales.Weight, 3.5) == "an integer weight from 1 to 5"
    assert scales.problem_with(scales.Count, 2.0) is not None


def test_nan_is_outside_every_numeric_scale() -> None:
    assert scales.problem_with(scales.Likert, float("nan")) is not None
    assert scales.problem_with(scales.Amount, float("nan")) is not None


def test_enums_compare_equal_to_their_file_spelling() -> None:
    assert MeetingType("strategy_sync") == "strategy_sync"
    assert len(CultureDimension) == 12
    assert {str(i) for i in PulseItem} == {
        "trust",
        "communication",
        "decision_clarity",
        "priority_alignment",
        "value_fairness",
        "commitment",
    }


def test_pulse_items_are_likert_means() -> None:
    with pytest.raises(ValueError, match="from 1 to 5"):
        PulseSurvey(
            period="2024-Q1",  # type: ignore[arg-type]
            date=dt.date(2024, 3, 1),
            respondent_org="a",  # type: ignore[arg-type]
            items={PulseItem.TRUST: 0.5},  # type: ignore[dict-item]
        )


def test_period_of_maps_dates_to_quarters() -> None:
    assert scales.period_of(dt.date(2024, 3, 31)) == "2024-Q1"
    assert scales.period_of(dt.date(2024, 4, 1)) == "2024-Q2"
    assert scales.period_of(dt.date(2024, 12, 31)) == "2024-Q4"
