"""Area scores, lights, the overall score, trends, coverage and the ranked plan (DOMAIN §4)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ..model import HistoryEntry
from ..rules.types import SEVERITIES
from .model import ScoringModel

if TYPE_CHECKING:
    from ..assessment import Finding, NotEvaluable
    from ..rules.ruleset import ActionSpec

__all__ = [
    "AreaScore",
    "Coverage",
    "OverallScore",
    "PlanItem",
    "Scores",
    "round_score",
    "score",
    "trend",
]

_BANDS = ("red", "amber", "green")
#: a not-evaluable reason that ends "(see RULE)" names the rule that reports the absence
_SEE = re.compile(r"\(see ([A-Za-z][A-Za-z0-9_.-]*)\)")


def round_score(value: float) -> float:
    """One decimal, half away from zero (DOMAIN §0.2), so 15.25 is 15.3 on every platform."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@attrs.frozen(kw_only=True)
class AreaScore:
    area: str
    #: None when no rule of the area could be evaluated: unknown, not healthy
    score: float | None
    light: str
    trend: str | None
    weight: float
    findings: int
    evaluated: int
    rules: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "light": self.light,
            "trend": self.trend,
            "weight": self.weight,
            "findings": self.findings,
            "evaluated": self.evaluated,
            "rules": self.rules,
        }


@attrs.frozen(kw_only=True)
class OverallScore:
    score: float | None
    light: str
    trend: str | None
    #: why the light is lower than the score's band, if it is
    capped_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "light": self.light,
            "trend": self.trend,
            "capped_by": self.capped_by,
        }


@attrs.frozen(kw_only=True)
class Coverage:
    rules: int
    evaluated: int
    low_confidence: bool
    #: not evaluable because facts are missing or declared gaps
    data_gaps: tuple[str, ...] = ()
    #: not evaluable because a rule that fired already reports the absence
    reported_elsewhere: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        return self.evaluated / self.rules if self.rules else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "evaluated": self.evaluated,
            "ratio": round(self.ratio, 4),
            "confidence": "low" if self.low_confidence else "normal",
            "data_gaps": list(self.data_gaps),
            "reported_elsewhere": list(self.reported_elsewhere),
        }


@attrs.frozen(kw_only=True)
class PlanItem:
    action: str
    title: str
    priority: str
    rank: int
    #: the action's time to impact: when the next assessment should see its effect
    horizon_days: int | None
    because: tuple[str, ...]
    effort: str | None = None
    phase: str | None = None
    owner: str = ""
    #: the top of the ranking is the plan; the rest is backlog (DOMAIN §4.6)
    tier: str = "plan"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "title": self.title,
            "priority": self.priority,
            "rank": self.rank,
            "horizon_days": self.horizon_days,
            "because": list(self.because),
            "effort": self.effort,
            "phase": self.phase,
            "owner": self.owner,
            "tier": self.tier,
        }


@attrs.frozen(kw_only=True)
class Scores:
    areas: Mapping[str, AreaScore]
    overall: OverallScore
    coverage: Coverage
    plan: tuple[PlanItem, ...]
    diagnostics: tuple[str, ...] = ()


def score(
    *,
    findings: Sequence[Finding],
    not_evaluable: Sequence[NotEvaluable],
    passed: Sequence[str],
    rule_areas: Mapping[str, str],
    actions: Mapping[str, ActionSpec],
    model: ScoringModel,
    history: Sequence[HistoryEntry] = (),
    period: str | None = None,
    compare_history: bool = True,
) -> Scores:
    """Score one assessment. *rule_areas* maps every rule that ran to its area.

    With *compare_history* false (part of the catalog was chosen), scores are
    not comparable with history, so no trend is given.
    """
    diagnostics: list[str] = []
    series = _history(history, model, period, diagnostics)
    areas = _areas(findings, not_evaluable, passed, rule_areas, model, series)
    overall = _overall(areas, findings, model, series)
    if not compare_history:
        # Scores of part of a catalog against history of all of it would fake drift.
        areas = {name: attrs.evolve(area, trend=None) for name, area in areas.items()}
        overall = attrs.evolve(overall, trend=None)
        diagnostics = [
            "only part of the catalog ran (select or ignore), so no trend is given: "
            "its scores cannot be compared with the history of the whole catalog"
        ]
    fired = {f.rule for f in findings}
    elsewhere: list[str] = []
    gaps: list[str] = []
    for item in not_evaluable:
        match = _SEE.search(item.reason)
        (elsewhere if match and match.group(1) in fired else gaps).append(item.rule)
    evaluated = len(findings) + len(passed)
    coverage = Coverage(
        rules=len(rule_areas),
        evaluated=evaluated,
        low_confidence=bool(rule_areas) and evaluated / len(rule_areas) < model.low_confidence,
        data_gaps=tuple(sorted(gaps)),
        reported_elsewhere=tuple(sorted(elsewhere)),
    )
    return Scores(
        areas=areas,
        overall=overall,
        coverage=coverage,
        plan=_plan(findings, actions, model, list(rule_areas)),
        diagnostics=tuple(diagnostics),
    )


def trend(series: Sequence[float], model: ScoringModel) -> str:
    """baseline, drifting, deteriorating, improving or stable, in that precedence (§4.4)."""
    if len(series) < 2:
        return "baseline"
    run = list(series[-model.run :])
    full = len(run) == model.run
    last, previous = series[-1], series[-2]
    band_change = _BANDS.index(model.band(last)) - _BANDS.index(model.band(previous))
    if (
        full
        and all(b < a for a, b in itertools.pairwise(run))
        and run[0] - run[-1] >= model.run_total
    ):
        return "drifting"
    if last - previous <= -model.step or band_change < 0:
        return "deteriorating"
    rising = (
        full
        and all(b > a for a, b in itertools.pairwise(run))
        and run[-1] - run[0] >= model.run_total
    )
    if rising or last - previous >= model.step or band_change > 0:
        return "improving"
    return "stable"


def _history(
    history: Sequence[HistoryEntry],
    model: ScoringModel,
    period: str | None,
    diagnostics: list[str],
) -> list[HistoryEntry]:
    kept = []
    other: list[str] = []
    for entry in sorted(history, key=lambda e: e.period):
        if period is not None and entry.period >= period:
            diagnostics.append(
                f"history entry {entry.period} is not before the assessed period {period}; "
                "it is left out of the trend"
            )
        elif entry.catalog_version != model.catalog_version:
            other.append(f"{entry.period} ({entry.catalog_version or 'no catalog version'})")
        else:
            kept.append(entry)
    if other:
        # A catalog change moves scores by itself; comparing across it would fake drift.
        diagnostics.append(
            f"history scored with another catalog version is left out of the trend: "
            f"{', '.join(other)}; this catalog is {model.catalog_version or 'unversioned'}"
        )
    return kept


def _areas(
    findings: Sequence[Finding],
    not_evaluable: Sequence[NotEvaluable],
    passed: Sequence[str],
    rule_areas: Mapping[str, str],
    model: ScoringModel,
    history: Sequence[HistoryEntry],
) -> dict[str, AreaScore]:
    skipped = {n.rule for n in not_evaluable}
    order = list(model.weights)
    names = sorted(
        set(rule_areas.values()), key=lambda a: (order.index(a) if a in order else len(order), a)
    )
    out = {}
    for area in names:
        rules = [r for r, a in rule_areas.items() if a == area]
        mine = [f for f in findings if f.area == area]
        evaluated = sum(1 for r in rules if r not in skipped)
        if evaluated == 0:
            out[area] = AreaScore(
                area=area,
                score=None,
                light="unknown",
                trend=None,
                weight=model.weights.get(area, 0.0),
                findings=0,
                evaluated=0,
                rules=len(rules),
            )
            continue
        value = 100.0
        for finding in mine:
            value *= 1.0 - model.factors[finding.severity]
        rounded = round_score(value)
        # The band of the score as shown, so a 60.0 on screen is never red.
        light = model.band(rounded)
        if any(f.severity == "critical" for f in mine):
            light = "red"
        past = [float(e.area_scores[area]) for e in history if area in e.area_scores]  # type: ignore[index]
        out[area] = AreaScore(
            area=area,
            score=rounded,
            light=light,
            trend=trend([*past, rounded], model),
            weight=model.weights.get(area, 0.0),
            findings=len(mine),
            evaluated=evaluated,
            rules=len(rules),
        )
    return out


def _overall(
    areas: Mapping[str, AreaScore],
    findings: Sequence[Finding],
    model: ScoringModel,
    history: Sequence[HistoryEntry],
) -> OverallScore:
    scored = {a: s for a, s in areas.items() if s.score is not None and s.weight > 0}
    if not scored:
        return OverallScore(score=None, light="unknown", trend=None)
    total_weight = sum(s.weight for s in scored.values())
    # Unrounded area scores, so the overall is not rounded twice.
    value = sum(s.weight * _unrounded(s, findings, model) for s in scored.values()) / total_weight
    rounded = round_score(value)
    light = model.band(rounded)
    capped_by = None
    # A critical finding makes its area red, so one test covers both of DOMAIN's caps.
    if light == "green" and any(s.light == "red" for s in areas.values()):
        light, capped_by = "amber", "an area is red"
    past = [e.overall for e in history if e.overall is not None]
    # Without every weighted area the overall is a mean of fewer areas than history's,
    # so it cannot be compared with them: no trend rather than a false one.
    partial = any(s.score is None and s.weight > 0 for s in areas.values())
    return OverallScore(
        score=rounded,
        light=light,
        trend=None if partial else trend([*past, rounded], model),
        capped_by=capped_by,
    )


def _unrounded(area: AreaScore, findings: Sequence[Finding], model: ScoringModel) -> float:
    value = 100.0
    for finding in findings:
        if finding.area == area.area:
            value *= 1.0 - model.factors[finding.severity]
    return value


def _plan(
    findings: Sequence[Finding],
    actions: Mapping[str, ActionSpec],
    model: ScoringModel,
    rule_order: Sequence[str],
) -> tuple[PlanItem, ...]:
    position = {rule: i for i, rule in enumerate(rule_order)}
    because: dict[str, list[Finding]] = {}
    for finding in findings:
        for action in finding.actions:
            because.setdefault(action, []).append(finding)
    ranked = sorted(
        because.items(),
        key=lambda item: (
            -max(SEVERITIES.index(f.severity) for f in item[1]),
            -len(item[1]),
            item[0],
        ),
    )
    out = []
    for rank, (action_id, triggers) in enumerate(ranked, start=1):
        spec = actions.get(action_id)
        out.append(
            PlanItem(
                action=action_id,
                title=spec.title if spec else action_id,
                priority=max((f.severity for f in triggers), key=SEVERITIES.index),
                rank=rank,
                horizon_days=spec.impact_days if spec else None,
                # In catalog order (area, then id), as a consultant reads the findings.
                because=tuple(
                    sorted({f.rule for f in triggers}, key=lambda r: (position.get(r, 0), r))
                ),
                effort=spec.effort if spec else None,
                phase=spec.phase if spec else None,
                owner=spec.owner if spec else "",
                tier="plan" if rank <= model.plan_size else "backlog",
            )
        )
    return tuple(out)
