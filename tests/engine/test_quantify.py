"""``any``, ``all`` and ``none`` stop at the first item that decides them.

The evaluator's quantifier returns as soon as one verdict settles the result.
It is held here to the plain statement of Kleene logic over every item: each
item's verdict computed first, then folded. The two must agree on the value
and, for an unknown result, on every reason; and the early return must really
skip the items after the decider.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realign.engine.evaluate import Context, _quantify
from realign.engine.reading import MAYBE, kleene_and, kleene_or
from realign.rules.values import Unknown

Verdict = Any  # True, False or an Unknown


def _reference(
    func: str, items: list[Any], where: list[Verdict] | None, test: list[Verdict] | None
) -> Verdict:
    """Every item's verdict first, then one Kleene fold: the definition, without short cuts."""
    verdicts: list[Verdict] = []
    for index, item in enumerate(items):
        keep = True if where is None else where[index]
        if isinstance(item, dict) and MAYBE in item:
            keep = kleene_and((keep, item[MAYBE]))
        if func == "all" and test is None:
            verdicts.append(keep)
            continue
        if keep is False:
            continue
        verdict = True if test is None else test[index]
        if func == "all":
            verdicts.append(kleene_or((False if keep is True else keep, verdict)))
        else:
            verdicts.append(kleene_and((keep, verdict)))
    if func == "any":
        return kleene_or(verdicts)
    if func == "none":
        result = kleene_or(verdicts)
        return result if isinstance(result, Unknown) else not result
    return kleene_and(verdicts) if verdicts else True


verdicts = st.one_of(
    st.booleans(),
    st.sampled_from("abc").map(lambda r: Unknown(frozenset({f"reason {r}"}))),
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, list[Any], list[Verdict] | None, list[Verdict] | None]:
    func = draw(st.sampled_from(["any", "all", "none"]))
    size = draw(st.integers(0, 6))
    # Items are their own index; some are tables that may or may not belong.
    items: list[Any] = [
        {"n": i, MAYBE: Unknown(frozenset({f"maybe {i}"}))} if draw(st.booleans()) else i
        for i in range(size)
    ]
    where = draw(st.none() | st.lists(verdicts, min_size=size, max_size=size))
    test = draw(st.none() | st.lists(verdicts, min_size=size, max_size=size))
    return func, items, where, test


def _index(item: Any) -> int:
    return item["n"] if isinstance(item, dict) else item


def _run(
    func: str, items: list[Any], where: list[Verdict] | None, test: list[Verdict] | None
) -> tuple[Verdict, list[int]]:
    """The evaluator's answer, and the items whose test it asked for."""
    asked: list[int] = []

    def where_fn(ctx: Context, scope: dict[str, Any]) -> Verdict:
        assert where is not None
        return where[_index(scope["x"])]

    def test_fn(ctx: Context, scope: dict[str, Any]) -> Verdict:
        assert test is not None
        asked.append(_index(scope["x"]))
        return test[_index(scope["x"])]

    ctx: Any = None  # the conditions here read nothing from the context
    result = _quantify(
        func,
        items,
        {},
        "x",
        None if where is None else where_fn,
        None if test is None else test_fn,
        ctx,
    )
    return result, asked


@given(cases())
def test_agrees_with_the_kleene_definition(
    case: tuple[str, list[Any], list[Verdict] | None, list[Verdict] | None],
) -> None:
    func, items, where, test = case
    result, _ = _run(func, items, where, test)
    expected = _reference(func, items, where, test)
    if isinstance(expected, Unknown):
        assert isinstance(result, Unknown)
        assert result.reasons == expected.reasons
    else:
        assert result is expected


@pytest.mark.parametrize(
    ("func", "test", "asked", "result"),
    [
        ("any", [False, True, False, True], [0, 1], True),
        ("none", [False, True, False, True], [0, 1], False),
        ("all", [True, False, True, False], [0, 1], False),
        # Nothing decides before the end: every item is asked.
        ("any", [False, False, False, False], [0, 1, 2, 3], False),
        ("all", [True, True, True, True], [0, 1, 2, 3], True),
    ],
)
def test_stops_at_the_first_decider(
    func: str, test: list[Verdict], asked: list[int], result: bool
) -> None:
    found, seen = _run(func, [0, 1, 2, 3], None, test)
    assert found is result
    assert seen == asked


def test_an_unknown_before_the_decider_does_not_survive_it() -> None:
    unknown = Unknown(frozenset({"the second item is unknown"}))
    assert _run("any", [0, 1, 2], None, [False, unknown, True])[0] is True
    assert _run("all", [0, 1, 2], None, [True, unknown, False])[0] is False
    only_unknown, _ = _run("all", [0, 1, 2], None, [True, unknown, True])
    assert isinstance(only_unknown, Unknown)
    assert only_unknown.reasons == unknown.reasons
