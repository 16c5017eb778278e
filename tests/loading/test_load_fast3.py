"""Third pass on loading cost: the consistency tests and the broken-collection shortcut.

The date-order and at-most checks are plain functions now, and the reference sets
skip looking for broken collections when there are none; these tests pin what
each reports, at and on either side of every boundary.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import pytest

import realign
from realign.loading._checks import _Anything, _Context, check_partnership
from realign.model import Partnership

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def healthy() -> Partnership:
    return realign.load_partnership(EXAMPLES / "healthy.toml").partnership


def _issues(facts: Partnership) -> list[tuple[tuple[str | int, ...], str, str, str | None]]:
    return [
        (i.path, i.code, i.message, i.found)
        for i in check_partnership(facts, failed_ids={}, where=str)
    ]


def _with(facts: Partnership, collection: str, index: int, **changes: Any) -> Partnership:
    records = list(getattr(facts, collection))
    records[index] = attrs.evolve(records[index], **changes)
    return attrs.evolve(facts, **{collection: tuple(records)})


def test_the_example_has_no_issues(healthy: Partnership) -> None:
    assert _issues(healthy) == []


@pytest.mark.parametrize(
    ("collection", "later", "earlier", "message"),
    [
        ("decisions", "decided", "raised", "is earlier than the date it was raised"),
        ("escalations", "resolved", "opened", "is earlier than the date it opened"),
        (
            "market_signals",
            "response_decided",
            "observed",
            "is earlier than the date it was observed",
        ),
    ],
)
def test_a_date_before_the_one_it_follows_is_reported_and_an_equal_one_is_not(
    healthy: Partnership, collection: str, later: str, earlier: str, message: str
) -> None:
    start = getattr(getattr(healthy, collection)[0], earlier)
    same = _with(healthy, collection, 0, **{later: start})
    assert _issues(same) == []
    unset = _with(healthy, collection, 0, **{later: None})
    # An unknown date is never out of order (an escalation may still lack one for its resolution).
    assert [i for i in _issues(unset) if i[0] == (collection, 0, later)] == []
    before = _with(healthy, collection, 0, **{later: start - DAY})
    assert _issues(before) == [
        ((collection, 0, later), "consistency", message, (start - DAY).isoformat())
    ]


@pytest.mark.parametrize(
    ("collection", "value", "limit", "message"),
    [
        ("pulse_surveys", "responses", "invited", "exceeds invited"),
        ("health_checks", "actions_done", "actions_total", "exceeds actions_total"),
    ],
)
def test_a_count_above_its_limit_is_reported_and_one_at_it_is_not(
    healthy: Partnership, collection: str, value: str, limit: str, message: str
) -> None:
    top = getattr(getattr(healthy, collection)[0], limit)
    assert _issues(_with(healthy, collection, 0, **{value: top})) == []
    assert _issues(_with(healthy, collection, 0, **{limit: None})) == []
    over = _with(healthy, collection, 0, **{value: top + 1})
    assert _issues(over) == [((collection, 0, value), "consistency", message, f"{top + 1:g}")]


def test_every_broken_consistency_is_reported_in_order(healthy: Partnership) -> None:
    facts = _with(healthy, "decisions", 1, decided=healthy.decisions[1].raised - DAY)
    facts = _with(facts, "pulse_surveys", 2, responses=facts.pulse_surveys[2].invited + 3)
    facts = _with(facts, "health_checks", 0, actions_done=9)
    assert [i[0] for i in _issues(facts)] == [
        ("decisions", 1, "decided"),
        ("pulse_surveys", 2, "responses"),
        ("health_checks", 0, "actions_done"),
    ]


@pytest.mark.parametrize("broken", [frozenset(), frozenset({"kpis"}), frozenset({"partners"})])
def test_references_into_a_broken_collection_accept_anything(
    healthy: Partnership, broken: frozenset[str]
) -> None:
    ctx = _Context(facts=healthy, failed_ids={}, broken=broken, where=str)
    partners = {p.id for p in healthy.partners}
    if "partners" in broken:
        assert isinstance(ctx.accepted("partners"), _Anything)
        assert isinstance(ctx.accepted("objectives", "partners"), _Anything)
        assert ctx.ids("partners") is None
        assert ctx.ids("objectives", "partners") is None
    else:
        assert ctx.accepted("partners") == partners | {None}
        assert ctx.accepted("partners", joint=True) == partners | {None, "joint"}
        assert ctx.ids("partners") == frozenset(partners)
        assert "nobody" not in ctx.accepted("partners")
    # A collection that is not broken is never widened by another one that is.
    assert ctx.ids("objectives") == frozenset(o.id for o in healthy.objectives)


def test_a_dangling_reference_next_to_a_broken_collection_is_still_reported(
    healthy: Partnership,
) -> None:
    facts = _with(healthy, "kpis", 0, owner="nobody")
    for broken in (frozenset(), frozenset({"meetings"})):
        issues = check_partnership(facts, failed_ids={}, broken=broken, where=str)
        assert [(i.path, i.code) for i in issues] == [(("kpis", 0, "owner"), "reference")]
    issues = check_partnership(facts, failed_ids={}, broken=frozenset({"partners"}), where=str)
    assert [i for i in issues if i.code == "reference"] == []
