"""The realign hooks of realign-codev: its rule set and its condition functions."""

from __future__ import annotations

from pathlib import Path

from realign import Function, hookimpl
from realign.rules.types import NUMBER, STRING, ListType, RecordType

from .ranks import priority_correlation, rank_correlation

__all__ = ["RULESET_DIR", "functions", "realign_condition_functions", "realign_rulesets"]

#: The shipped rule sets, their `realign test` cases and the cases' base facts.
RULESET_DIR = Path(__file__).parent / "rulesets"

_NUMBERS = ListType("list", NUMBER)
# The vocabulary's own type for `objectives`, so `realign check` shows the signature
# in the terms the fact format uses.
_OBJECTIVES = ListType("list", RecordType("Objective", "objectives[]"), "objectives")


def functions() -> list[Function]:
    """The condition functions this plugin adds, with their exact signatures."""
    return [
        Function(
            name="rank_correlation",
            params=(_NUMBERS, _NUMBERS),
            returns=NUMBER,
            impl=rank_correlation,
            doc="Spearman rank correlation of two equally long lists of numbers (ties get "
            "average ranks), -1 to 1; unknown with fewer than 2 pairs or no spread",
        ),
        Function(
            name="priority_correlation",
            params=(_OBJECTIVES, STRING, STRING),
            returns=NUMBER,
            impl=priority_correlation,
            doc="Spearman rank correlation of two partners' priority weights over the "
            "objectives both weigh, -1 (opposite order) to 1 (same order); unknown with "
            "fewer than 2 such objectives or when one partner weighs them all alike",
        ),
    ]


@hookimpl
def realign_rulesets() -> list[Path]:
    # Only rule-set files: the *.test.toml cases beside them are for `realign test`.
    return sorted(p for p in RULESET_DIR.glob("*.toml") if not p.name.endswith(".test.toml"))


@hookimpl
def realign_condition_functions() -> list[Function]:
    return functions()
