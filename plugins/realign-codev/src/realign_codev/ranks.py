"""Spearman rank correlation, and the partners' agreement on the order of their objectives.

Both functions raise :class:`ValueError` when the correlation does not exist (fewer
than two pairs, or one side gives every item the same rank). realign turns a function
that raises into an unknown value, so a rule that needs the correlation becomes not
evaluable with the message as its reason, instead of passing on a made-up number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from numbers import Real
from typing import Any

__all__ = ["priority_correlation", "rank_correlation"]


def _doubled_ranks(values: Sequence[float]) -> list[int]:
    """Twice the average rank of each value (1 = smallest), so that tied ranks stay integers.

    Tied values share the mean of the ranks they span: for ranks i..j that mean is
    (i + j) / 2, so twice it, i + j, is a whole number and the arithmetic below is exact.
    """
    order = sorted(range(len(values)), key=values.__getitem__)
    doubled = [0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            doubled[order[position]] = (start + 1) + (end + 1)
        start = end + 1
    return doubled


def _number(value: Any, what: str, index: int) -> float:
    # bool is a Real to Python, but a yes/no answer is not a rank.
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        msg = f"{what} item {index + 1} is {value!r}, not a number"
        raise ValueError(msg)
    number = float(value)
    if not math.isfinite(number):
        msg = f"{what} item {index + 1} is {value!r}, not a finite number"
        raise ValueError(msg)
    return number


def rank_correlation(xs: Sequence[Any], ys: Sequence[Any]) -> float:
    """Spearman's rank correlation of paired values, from -1 (reversed) to 1 (same order).

    Ties get the average of the ranks they span, and the result is the Pearson
    correlation of the ranks. Raises ValueError when the lists differ in length,
    hold fewer than two pairs or something other than numbers, or when either
    list ranks every item the same (the correlation is then undefined).
    """
    if len(xs) != len(ys):
        msg = f"the two lists differ in length ({len(xs)} and {len(ys)})"
        raise ValueError(msg)
    if len(xs) < 2:
        msg = f"a rank correlation needs at least 2 pairs, found {len(xs)}"
        raise ValueError(msg)
    rx = _doubled_ranks([_number(x, "first list", i) for i, x in enumerate(xs)])
    ry = _doubled_ranks([_number(y, "second list", i) for i, y in enumerate(ys)])
    n = len(rx)
    # n * covariance and n * variances, scaled by n again to stay in integers.
    sx, sy = sum(rx), sum(ry)
    cov = n * sum(a * b for a, b in zip(rx, ry, strict=True)) - sx * sy
    var_x = n * sum(a * a for a in rx) - sx * sx
    var_y = n * sum(b * b for b in ry) - sy * sy
    if var_x == 0 or var_y == 0:
        msg = "one side ranks every item the same, so there is no order to correlate"
        raise ValueError(msg)
    if var_x == var_y and abs(cov) == var_x:
        return 1.0 if cov > 0 else -1.0
    rho = cov / math.sqrt(var_x * var_y)
    # The integers are exact; only the square root rounds, so clamp its last bit.
    return max(-1.0, min(1.0, rho))


def _priority_of(objective: Any) -> Mapping[str, Any] | None:
    """An objective's partner -> weight table, from a record, a wrapper of one, or a mapping."""
    if isinstance(objective, Mapping):
        table = objective.get("priority")
    else:
        table = getattr(objective, "priority", None)
        if table is None and hasattr(objective, "value"):
            # realign hands records of a collection to functions wrapped with their
            # fact path; the record itself is the wrapper's value.
            return _priority_of(objective.value)
    return table if isinstance(table, Mapping) else None


def priority_correlation(objectives: Sequence[Any], partner_a: str, partner_b: str) -> float:
    """Spearman correlation of two partners' priority weights over the objectives both weigh.

    1 means both partners put the objectives in the same order, -1 the opposite
    order. Objectives that either partner leaves unweighted are skipped. Raises
    ValueError, making the rule's condition unknown, when fewer than two objectives
    carry both weights or when one partner weighs them all alike.
    """
    xs: list[Any] = []
    ys: list[Any] = []
    for objective in objectives:
        table = _priority_of(objective)
        if table is not None and partner_a in table and partner_b in table:
            xs.append(table[partner_a])
            ys.append(table[partner_b])
    if len(xs) < 2:
        msg = (
            f"{len(xs)} objective(s) carry priority weights from both {partner_a} and "
            f"{partner_b}; ranking them needs at least 2"
        )
        raise ValueError(msg)
    try:
        return rank_correlation(xs, ys)
    except ValueError as error:
        msg = f"priorities of {partner_a} and {partner_b}: {error}"
        raise ValueError(msg) from None
