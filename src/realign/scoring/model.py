"""The scoring model (DOMAIN §4): severity factors, light bands, area weights, trend rules.

Every number here is a calibration choice, so a rule set may restate any of them
in a ``[scoring]`` table; the defaults are the standard catalog's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ..errors import closest
from ..rules.types import NAME, SEVERITIES

__all__ = ["SCORING_KEYS", "ScoringModel", "read_scoring"]

_FACTORS = {"critical": 0.40, "high": 0.20, "medium": 0.10, "low": 0.05, "info": 0.0}
_WEIGHTS = {
    "governance": 0.20,
    "culture": 0.15,
    "market": 0.15,
    "alignment": 0.20,
    "early_warning": 0.15,
    "continuous": 0.15,
}
SCORING_KEYS = (
    "catalog_version",
    "factors",
    "bands",
    "weights",
    "low_confidence",
    "plan_size",
    "trend",
)
_TREND_KEYS = ("run", "run_total", "step")


def _frozen(value: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class ScoringModel:
    """How findings become area scores, lights, an overall score, trends and a plan."""

    #: compared with History entries' catalog_version: only same-version history is a trend
    catalog_version: str | None = None
    #: the fraction of remaining health each finding of a severity removes
    factors: Mapping[str, float] = attrs.field(factory=lambda: _frozen(_FACTORS), converter=_frozen)
    green: float = 85.0
    amber: float = 60.0
    weights: Mapping[str, float] = attrs.field(factory=lambda: _frozen(_WEIGHTS), converter=_frozen)
    #: below this share of rules evaluated, an assessment is labelled low confidence
    low_confidence: float = 0.80
    #: actions ranked at or above this rank form the plan; the rest are backlog
    plan_size: int = 7
    #: points in a strictly monotone run, and the total change it needs, for drifting/improving
    run: int = 4
    run_total: float = 5.0
    #: a single step at least this large is deteriorating/improving on its own
    step: float = 15.0
    #: where the model was declared, for messages
    source: str = "the standard scoring model"

    def band(self, score: float) -> str:
        if score >= self.green:
            return "green"
        if score >= self.amber:
            return "amber"
        return "red"


def read_scoring(
    table: Mapping[str, Any], problem: Callable[..., None], source: str
) -> ScoringModel | None:
    """A model from a ``[scoring]`` table; *problem(path, message, code, **details)* reports."""
    ok = True
    for key in table:
        if key not in SCORING_KEYS:
            guess = closest(key, SCORING_KEYS)
            problem(
                ("scoring", key),
                f"unknown key {key!r}",
                "unknown-key",
                hint=f"did you mean {guess!r}?"
                if guess
                else f"known keys: {', '.join(SCORING_KEYS)}",
            )
            ok = False
    values: dict[str, Any] = {"source": source}
    version = table.get("catalog_version")
    if version is not None:
        if isinstance(version, str) and version:
            values["catalog_version"] = version
        else:
            problem(
                ("scoring", "catalog_version"),
                "catalog_version must be a string",
                "type",
                expected='a version such as "0.1"',
                found=repr(version),
            )
            ok = False
    factors = _numbers(table, "factors", SEVERITIES, 0.0, 1.0, problem)
    weights = _numbers(table, "weights", tuple(_WEIGHTS), 0.0, 1.0, problem, open_keys=True)
    bands = _numbers(table, "bands", ("green", "amber"), 0.0, 100.0, problem)
    trend = _numbers(table, "trend", _TREND_KEYS, 0.0, 100.0, problem)
    if factors is None or weights is None or bands is None or trend is None:
        # Keep checking with what did read, so that every mistake is reported at once.
        ok = False
        factors, weights, bands, trend = factors or {}, weights or {}, bands or {}, trend or {}
    if factors:
        values["factors"] = {**_FACTORS, **factors}
    if weights:
        merged = {**_WEIGHTS, **weights}
        total = sum(merged.values())
        if abs(total - 1.0) > 1e-6:
            problem(
                ("scoring", "weights"),
                "area weights must add up to 1",
                "value",
                expected="weights summing to 1.0",
                found=f"{total:g}",
            )
            ok = False
        values["weights"] = merged
    green = bands.get("green", 85.0)
    amber = bands.get("amber", 60.0)
    if amber >= green:
        problem(
            ("scoring", "bands"),
            "the amber band must start below the green band",
            "value",
            expected="amber < green",
            found=f"amber {amber:g}, green {green:g}",
        )
        ok = False
    values["green"], values["amber"] = green, amber
    if "run" in trend:
        if trend["run"] != int(trend["run"]) or trend["run"] < 2:
            problem(
                ("scoring", "trend", "run"),
                "run must be a whole number of points, at least 2",
                "value",
                found=repr(trend["run"]),
            )
            ok = False
        values["run"] = int(trend["run"])
    for key in ("run_total", "step"):
        if key in trend:
            values[key] = float(trend[key])
    for key, low, high in (("low_confidence", 0.0, 1.0), ("plan_size", 1, 1000)):
        if key not in table:
            continue
        value = table[key]
        whole = key == "plan_size"
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            problem(
                ("scoring", key),
                f"{key} has the wrong type",
                "type",
                expected="a whole number" if whole else "a number",
                found=repr(value),
            )
            ok = False
        elif not low <= value <= high:
            problem(
                ("scoring", key),
                f"{key} is out of range",
                "value",
                expected=f"between {low} and {high}",
                found=repr(value),
            )
            ok = False
        else:
            values[key] = value
    return ScoringModel(**values) if ok else None


def _numbers(
    table: Mapping[str, Any],
    key: str,
    names: tuple[str, ...],
    low: float,
    high: float,
    problem: Callable[..., None],
    *,
    open_keys: bool = False,
) -> dict[str, float] | None:
    value = table.get(key, {})
    if not isinstance(value, dict):
        problem(
            ("scoring", key), f"{key} must be a table", "type", expected=f"{{ {names[0]} = ... }}"
        )
        return None
    out: dict[str, float] = {}
    ok = True
    for name, number in value.items():
        if open_keys and name not in names and not NAME.fullmatch(name):
            problem(
                ("scoring", key, name),
                f"{key} key {name!r} is not an area name",
                "value",
                expected="lower-case letters, digits and '_', starting with a letter or '_'",
                found=repr(name),
            )
            ok = False
            continue
        if name not in names and not open_keys:
            guess = closest(name, names)
            problem(
                ("scoring", key, name),
                f"unknown {key} key {name!r}",
                "unknown-key",
                hint=f"did you mean {guess!r}?" if guess else f"known: {', '.join(names)}",
            )
            ok = False
            continue
        if isinstance(number, bool) or not isinstance(number, int | float):
            problem(
                ("scoring", key, name), f"{key}.{name} must be a number", "type", found=repr(number)
            )
            ok = False
            continue
        if not low <= number <= high:
            problem(
                ("scoring", key, name),
                f"{key}.{name} is out of range",
                "value",
                expected=f"between {low:g} and {high:g}",
                found=repr(number),
            )
            ok = False
            continue
        out[name] = float(number)
    return out if ok else None
