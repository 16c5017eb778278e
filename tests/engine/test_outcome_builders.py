"""Outcomes and bound items built positionally are what attrs' ``__init__`` makes."""

from __future__ import annotations

import attrs
import pytest

from realign.engine.outcome import Bound, RuleOutcome, new_bound, new_outcome
from realign.rules.values import Unknown


@pytest.mark.parametrize(
    "values",
    [
        ("GOV-01", "passed", (), ()),
        ("GOV-02", "fired", ((0,), (2,)), ()),
        ("GOV-03", "not_evaluable", (), ("x is unknown",)),
    ],
)
def test_an_outcome_built_fast_is_what_init_makes(values: tuple[object, ...]) -> None:
    built = new_outcome(*values)
    assert type(built) is RuleOutcome
    assert built == RuleOutcome(*values)  # type: ignore[arg-type]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.status = "fired"  # type: ignore[misc]


def test_bound_items_built_fast_are_what_init_makes() -> None:
    unknown = Unknown(frozenset({"partners is unknown"}))
    for values in ((("p",), ((1, 2),), None), (("p", "q"), ((), ()), unknown)):
        built = new_bound(*values)
        assert type(built) is Bound
        assert built == Bound(*values)  # type: ignore[arg-type]
