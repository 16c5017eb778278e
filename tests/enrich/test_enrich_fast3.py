"""Enrichment's fourth round of short cuts, each against the plain formulation.

Rounding decides in floats unless the scaled value is close to a half, RAG bands
decide in whole numbers or floats unless the actual is close to the band's edge,
and a need is looked up only when it starts with a top-level key that has
something unknown under it. The numbers here sit where those short cuts could go
wrong: halves, a few ulps either side of them and of the band edges, the sizes
where the short cuts hand over to the Decimal, negative zero.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from realign import load_partnership
from realign.enrich._base import Collector, round_half_away
from realign.enrich.factset import DerivedFact, FactSet, derived_fact
from realign.enrich.monitoring import kpi_rag
from realign.model import Direction, KpiPoint, Partnership


@pytest.fixture(scope="module")
def healthy(examples_dir: Path) -> Partnership:
    return load_partnership(examples_dir / "healthy.toml").partnership


def _plain_round(value: float, places: int) -> float:
    if not math.isfinite(value) or abs(value) >= 2.0**53:
        return value
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _plain_rag(direction: Direction, target: float, actual: float) -> str:
    aim, got = Decimal(repr(target)), Decimal(repr(actual))
    if direction is Direction.HIGHER_BETTER:
        if got >= aim:
            return "green"
        return "amber" if got >= Decimal("0.90") * aim else "red"
    if got <= aim:
        return "green"
    return "amber" if got <= Decimal("1.10") * aim else "red"


def _outcome(action: Any, *args: Any) -> tuple[str, str]:
    """What *action* returns, by repr (0.0 and -0.0 differ), or the error it raises."""
    try:
        return "returned", repr(action(*args))
    except InvalidOperation as exc:
        return "raised", type(exc).__name__


def _ulps_from(value: float, steps: int) -> float:
    direction = math.inf if steps > 0 else -math.inf
    for _ in range(abs(steps)):
        value = math.nextafter(value, direction)
    return value


# --- rounding -----------------------------------------------------------------------------


@st.composite
def _near_half(draw: st.DrawFn) -> tuple[float, int]:
    """A value within a few ulps of a half at its number of places, or of a whole step."""
    places = draw(st.integers(0, 12))
    whole = draw(st.integers(-(10**7), 10**7))
    offset = draw(st.sampled_from([Decimal("0.5"), Decimal(0), Decimal("0.4999999"), Decimal(1)]))
    exact = float((whole + offset).scaleb(-places))
    return _ulps_from(exact, draw(st.integers(-3, 3))), places


@given(_near_half())
@example((0.125, 2))
@example((2.675, 2))
@example((1.005, 2))
@example((-0.005, 2))
@example((-0.004, 2))  # rounds to negative zero
@example((-1e-320, 4))
@example((9999.995, 2))  # scaled just below the size where floats decide
@example((10000.005, 2))  # and just above it
@example((0.1 + 0.19, 2))
def test_rounding_near_halves_matches_the_decimal(case: tuple[float, int]) -> None:
    value, places = case
    assert _outcome(round_half_away, value, places) == _outcome(_plain_round, value, places)


@given(st.integers(-1000, 1000), st.integers(1, 1000), st.sampled_from([2, 4]))
def test_rounding_ratios_as_enrichers_make_them_matches_the_decimal(
    numerator: int, denominator: int, places: int
) -> None:
    value = numerator / denominator
    assert _outcome(round_half_away, value, places) == _outcome(_plain_round, value, places)


@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(0, 12))
@example(-0.0, 2)
@example(0.0, 2)
@example(float("nan"), 2)
@example(float("-inf"), 2)
@example(5e-324, 12)
def test_rounding_any_float_matches_the_decimal(value: float, places: int) -> None:
    assert _outcome(round_half_away, value, places) == _outcome(_plain_round, value, places)


def test_rounding_away_from_zero_and_to_negative_zero() -> None:
    assert round_half_away(0.125) == 0.13
    assert round_half_away(-0.125) == -0.13
    assert round_half_away(2.675) == 2.68  # 2.67499999... in binary, 2.675 as written
    assert math.copysign(1.0, round_half_away(-0.004)) == -1.0
    assert round_half_away(1 / 3, 4) == 0.3333


# --- RAG bands ----------------------------------------------------------------------------


@st.composite
def _near_band_edge(draw: st.DrawFn) -> tuple[Direction, float, float]:
    """A target and an actual a few ulps from 90% (or 110%) of it."""
    direction = draw(st.sampled_from(list(Direction)))
    target = draw(
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
        | st.decimals(-1000, 1000, places=2).map(float)
    )
    share = "0.90" if direction is Direction.HIGHER_BETTER else "1.10"
    edge = float(Decimal(repr(target)) * Decimal(share))
    return direction, target, _ulps_from(edge, draw(st.integers(-4, 4)))


@given(_near_band_edge())
@example((Direction.HIGHER_BETTER, 2.2, 1.98))
@example((Direction.LOWER_BETTER, 2.0, 2.2))
@example((Direction.HIGHER_BETTER, -2.0, -2.2))
@example((Direction.LOWER_BETTER, 1e-300, 1.1e-300))
@example((Direction.HIGHER_BETTER, 5e-324, 0.0))
def test_float_bands_near_the_edge_match_the_decimal(
    case: tuple[Direction, float, float],
) -> None:
    direction, target, actual = case
    point = KpiPoint(period="2024-Q1", target=target, actual=actual)
    assert _outcome(kpi_rag, direction, point) == _outcome(_plain_rag, direction, target, actual)


@given(
    st.sampled_from(list(Direction)),
    st.integers(-(10**32), 10**32) | st.integers(-(10**19), 10**19) | st.integers(-1000, 1000),
    st.integers(-3, 3),
    st.sampled_from([9, 11, 10]),
)
@example(Direction.HIGHER_BETTER, 10, 0, 9)  # 9 of 10: exactly 90%, amber
@example(Direction.HIGHER_BETTER, 10**18 - 10, 0, 9)  # the largest exact whole numbers
@example(Direction.HIGHER_BETTER, 10**18, -1, 9)  # and the first handed to the Decimal
@example(Direction.LOWER_BETTER, -(10**18) + 10, 1, 11)
@example(Direction.HIGHER_BETTER, 10**30 + 7, -1, 9)  # past the digits the Decimal keeps
def test_whole_number_bands_match_the_decimal(
    direction: Direction, target: int, nudge: int, tenths: int
) -> None:
    actual = target * tenths // 10 + nudge
    point = KpiPoint(period="2024-Q1", target=target, actual=actual)
    assert _outcome(kpi_rag, direction, point) == _outcome(_plain_rag, direction, target, actual)


@pytest.mark.parametrize(
    ("target", "actual"),
    [(math.inf, 1.0), (1.0, -math.inf), (math.nan, 1.0), (1.0, math.nan), (5e-324, -5e-324)],
)
@pytest.mark.parametrize("direction", list(Direction))
def test_bands_of_odd_floats_match_the_decimal(
    direction: Direction, target: float, actual: float
) -> None:
    point = KpiPoint(period="2024-Q1", target=target, actual=actual)
    assert _outcome(kpi_rag, direction, point) == _outcome(_plain_rag, direction, target, actual)


# --- needs under a top-level key ----------------------------------------------------------


@pytest.mark.parametrize(
    ("need", "expected"),
    [
        ("meetings[0].minutes_published", "not stated in the fact file"),
        ("meetings[0].minutes_published.x", "not stated in the fact file"),
        ("meetings.minutes_published", None),
        ("meetings[0].minutes", None),  # the same start, another field
        ("meetingsx.y", None),  # starts with the key, but is another key
        ("meetings_extra[0].minutes_published", None),
        ("kpis[0].target", None),
        ("partners.kpis", None),
    ],
)
def test_a_need_is_unknown_exactly_under_an_unknown_path(
    healthy: Partnership, need: str, expected: str | None
) -> None:
    facts = FactSet(
        partnership=healthy,
        unknown={"meetings[0].minutes_published": "not stated in the fact file"},
    )
    want = None if expected is None else f"{need} is unknown ({expected})"
    collector = Collector(facts)
    collector.add("x.list", 1, ["s"], "d", needs=[need])
    collector.add("x.tuple", 1, ["s"], "d", needs=(need,))
    assert collector.gap(need) == want
    assert [fact.unknown for fact in collector.out] == [want, want]
    assert [fact.value for fact in collector.out] == ([None, None] if want else [1, 1])


def test_a_derived_fact_built_by_position_is_what_init_makes() -> None:
    for values in (
        ("a.b", 1.5, ("a",), "what it is", None),
        ("a.c", None, (), "", "a is unknown (not stated)"),
    ):
        built = derived_fact(*values)
        assert type(built) is DerivedFact
        assert built == DerivedFact(
            name=values[0],
            value=values[1],
            sources=values[2],
            description=values[3],
            unknown=values[4],
        )
