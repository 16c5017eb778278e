"""rank_correlation() and priority_correlation(): Spearman with average ranks for ties."""

from __future__ import annotations

import math
import random
import re
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from realign_codev.ranks import priority_correlation, rank_correlation

# Priority weights are 1-5, so ties are the common case, not the exception.
weights = st.integers(min_value=1, max_value=5)
reals = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def _has_spread(values: list[float]) -> bool:
    return len(set(values)) > 1


def _pairs(elements: st.SearchStrategy[float]) -> st.SearchStrategy[list[tuple[float, float]]]:
    return st.lists(st.tuples(elements, elements), min_size=2, max_size=12).filter(
        lambda pairs: _has_spread([x for x, _ in pairs]) and _has_spread([y for _, y in pairs])
    )


def _reference(xs: list[float], ys: list[float]) -> float:
    """Pearson correlation of average ranks, computed the plain way in floats."""

    def ranks(values: list[float]) -> list[float]:
        return [
            sum(1 for w in values if w < v) + (sum(1 for w in values if w == v) + 1) / 2
            for v in values
        ]

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    return cov / math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))


# --- fixed values ---------------------------------------------------------------------------


def test_case_study_weights_are_strongly_opposed() -> None:
    # Corvid 3, 5, 2 against Ironbridge 5, 2, 5: ranks (2, 3, 1) and (2.5, 1, 2.5).
    assert rank_correlation([3, 5, 2], [5, 2, 5]) == pytest.approx(-math.sqrt(3) / 2)


def test_ties_get_average_ranks() -> None:
    # (1.5, 1.5, 3) against (1.5, 3, 1.5): covariance -0.75 over variances 1.5 and 1.5.
    assert rank_correlation([3, 3, 5], [2, 5, 2]) == pytest.approx(-0.5)
    # Ranks (2, 3, 1) against (3, 1.5, 1.5) are uncorrelated.
    assert rank_correlation([3, 5, 2], [5, 3, 3]) == 0.0


def test_only_the_order_matters_not_the_spacing() -> None:
    assert rank_correlation([1, 2, 3, 4], [1, 10, 100, 1000]) == 1.0
    assert rank_correlation([1, 2, 3, 4], [1000, 100, 10, 1]) == -1.0


@pytest.mark.parametrize(
    ("xs", "ys", "words"),
    [
        ([], [], "at least 2 pairs, found 0"),
        ([3], [4], "at least 2 pairs, found 1"),
        ([1, 2], [1, 2, 3], "differ in length (2 and 3)"),
        ([4, 4, 4], [1, 2, 3], "ranks every item the same"),
        ([1, 2, 3], [2, 2, 2], "ranks every item the same"),
        ([1, True, 3], [1, 2, 3], "first list item 2 is True, not a number"),
        ([1, 2, 3], [1, "2", 3], "second list item 2 is '2', not a number"),
        ([1, 2, 3], [1, None, 3], "second list item 2 is None"),
        ([1, math.nan, 3], [1, 2, 3], "not a finite number"),
    ],
)
def test_no_value_raises_with_the_reason(xs: list[object], ys: list[object], words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        rank_correlation(xs, ys)


# --- properties -----------------------------------------------------------------------------


@given(_pairs(weights), st.randoms(use_true_random=False))
def test_invariant_to_the_order_of_the_pairs(
    pairs: list[tuple[int, int]], rng: random.Random
) -> None:
    shuffled = list(pairs)
    rng.shuffle(shuffled)
    before = rank_correlation([x for x, _ in pairs], [y for _, y in pairs])
    after = rank_correlation([x for x, _ in shuffled], [y for _, y in shuffled])
    assert after == pytest.approx(before, abs=1e-12)


@given(_pairs(st.one_of(weights, reals)))
def test_within_minus_one_and_one(pairs: list[tuple[float, float]]) -> None:
    rho = rank_correlation([x for x, _ in pairs], [y for _, y in pairs])
    assert -1.0 <= rho <= 1.0


@given(_pairs(weights))
def test_agrees_with_the_textbook_formula(pairs: list[tuple[int, int]]) -> None:
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    assert rank_correlation(xs, ys) == pytest.approx(_reference(xs, ys), abs=1e-9)


@given(_pairs(weights))
def test_symmetric(pairs: list[tuple[int, int]]) -> None:
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    assert rank_correlation(xs, ys) == pytest.approx(rank_correlation(ys, xs), abs=1e-12)


@given(st.lists(st.one_of(weights, reals), min_size=2, max_size=12).filter(_has_spread))
def test_perfect_agreement_is_one(xs: list[float]) -> None:
    assert rank_correlation(xs, list(xs)) == 1.0
    # An increasing transformation keeps the order, hence the ranks (doubling is exact in
    # floats, unlike an affine map that can merge values a few ulps apart).
    assert rank_correlation(xs, [2 * x for x in xs]) == 1.0


@given(st.lists(st.one_of(weights, reals), min_size=2, max_size=12).filter(_has_spread))
def test_reversed_order_is_minus_one(xs: list[float]) -> None:
    assert rank_correlation(xs, [-x for x in xs]) == -1.0
    assert rank_correlation(xs, [-2 * x for x in xs]) == -1.0


@given(st.lists(weights, min_size=2, max_size=12).filter(_has_spread))
def test_reversed_weights_are_minus_one(xs: list[int]) -> None:
    # 5 becomes 1, 4 becomes 2 ...: the other partner's weights in the opposite order.
    assert rank_correlation(xs, [6 - x for x in xs]) == -1.0


@given(st.lists(weights, min_size=0, max_size=12))
def test_no_spread_on_one_side_has_no_value(ys: list[int]) -> None:
    with pytest.raises(ValueError, match=r"at least 2 pairs|ranks every item the same"):
        rank_correlation([3] * len(ys), ys)


# --- priority_correlation -------------------------------------------------------------------

CASE_STUDY = [
    {"id": "O1", "priority": {"corvid": 3, "ironbridge": 5}},
    {"id": "O2", "priority": {"corvid": 5, "ironbridge": 2}},
    {"id": "O3", "priority": {"corvid": 2, "ironbridge": 5}},
]


def test_priority_correlation_of_the_case_study() -> None:
    rho = priority_correlation(CASE_STUDY, "corvid", "ironbridge")
    assert rho == pytest.approx(-math.sqrt(3) / 2)
    assert priority_correlation(CASE_STUDY, "ironbridge", "corvid") == pytest.approx(rho)
    assert priority_correlation(CASE_STUDY, "corvid", "corvid") == 1.0


def test_priority_correlation_reads_records_and_wrapped_records() -> None:
    # realign passes records of a collection wrapped with their fact path (in `.value`).
    records = [SimpleNamespace(**o) for o in CASE_STUDY]
    wrapped = [SimpleNamespace(value=r, path=f"objectives[{i}]") for i, r in enumerate(records)]
    expected = priority_correlation(CASE_STUDY, "corvid", "ironbridge")
    assert priority_correlation(records, "corvid", "ironbridge") == expected
    assert priority_correlation(wrapped, "corvid", "ironbridge") == expected


def test_priority_correlation_skips_objectives_one_partner_does_not_weigh() -> None:
    objectives = [*CASE_STUDY, {"id": "O4", "priority": {"corvid": 1}}, {"id": "O5"}]
    assert priority_correlation(objectives, "corvid", "ironbridge") == pytest.approx(
        priority_correlation(CASE_STUDY, "corvid", "ironbridge")
    )


def test_priority_correlation_needs_two_jointly_weighted_objectives() -> None:
    with pytest.raises(ValueError, match="1 objective"):
        priority_correlation(CASE_STUDY[:1], "corvid", "ironbridge")
    with pytest.raises(ValueError, match="0 objective"):
        priority_correlation(CASE_STUDY, "corvid", "nobody")


def test_priority_correlation_names_the_partners_when_one_has_no_order() -> None:
    flat = [{"priority": {"a": 5, "b": w}} for w in (1, 2, 3)]
    with pytest.raises(ValueError, match="priorities of a and b: one side ranks every item"):
        priority_correlation(flat, "a", "b")
