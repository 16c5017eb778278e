"""decreasing() and increasing(): runs of a series, in three-valued logic."""

from __future__ import annotations

from typing import Any

import pytest

from realign.rules.functions import builtin_functions
from realign.rules.values import Unknown, is_unknown

FUNCTIONS = {f.name: f for f in builtin_functions()}
GAP = Unknown(frozenset({"the 2024-Q3 wave is unknown"}))


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("decreasing", [4.2, 4.1, 3.9, 3.5], True),
        ("decreasing", [4.2, 4.1, 4.1, 3.5], False),  # a level step is no decline
        ("decreasing", [4.2], True),
        ("decreasing", [], True),
        ("decreasing", [4.2, None, 3.5], False),
        ("increasing", [1, 2, 3], True),
        ("increasing", [1, 3, 2], False),
        # A known step the wrong way decides it whatever the unknown value is.
        ("decreasing", [4.2, 4.3, GAP, 3.5], False),
        ("increasing", [1, GAP, 0], False),
    ],
)
def test_runs(name: str, values: list[Any], expected: bool) -> None:
    assert FUNCTIONS[name].impl(values) is expected


def test_an_unknown_point_that_could_decide_leaves_it_unknown() -> None:
    result = FUNCTIONS["decreasing"].impl([4.2, GAP, 3.5])
    assert is_unknown(result)
    assert result.reasons == GAP.reasons
