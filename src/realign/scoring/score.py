"""Area scores, lights, the overall score, trends, coverage and the ranked plan (DOMAIN §4)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
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
    "Layout",
    "OverallScore",
    "PlanItem",
    "Scores",
    "comparable_history",
    "round_score",
    "layout_of",
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


#: PlanItem's fields in the order _new_plan_item takes them
_PLAN_FIELDS = (
    "action",
    "title",
    "priority",
    "rank",
    "horizon_days",
    "because",
    "effort",
    "phase",
    "owner",
    "tier",
)


def _plan_item_builder() -> Callable[..., PlanItem]:
    """A positional PlanItem constructor that fills the slots directly.

    A plan has a score of items, and attrs' keyword __init__ of a frozen class is half
    their cost. The shortcut holds only while every field is stored as given, so it is
    taken only then (tests/scoring/test_score_fast.py checks it against __init__).
    """
    fields = attrs.fields(PlanItem)
    plain = (
        tuple(f.name for f in fields) == _PLAN_FIELDS
        and all(f.validator is None and f.converter is None for f in fields)
        and not hasattr(PlanItem, "__attrs_pre_init__")
        and not hasattr(PlanItem, "__attrs_post_init__")
    )
    if not plain:
        return lambda *values: PlanItem(**dict(zip(_PLAN_FIELDS, values, strict=True)))
    new = object.__new__
    (action_, title_, priority_, rank_, horizon_, because_, effort_, phase_, owner_, tier_) = (
        PlanItem.__dict__[name].__set__ for name in _PLAN_FIELDS
    )

    def build(
        action: str,
        title: str,
        priority: str,
        rank: int,
        horizon_days: int | None,
        because: tuple[str, ...],
        effort: str | None,
        phase: str | None,
        owner: str,
        tier: str,
    ) -> PlanItem:
        item = new(PlanItem)
        action_(item, action)
        title_(item, title)
        priority_(item, priority)
        rank_(item, rank)
        horizon_(item, horizon_days)
        because_(item, because)
        effort_(item, effort)
        phase_(item, phase)
        owner_(item, owner)
        tier_(item, tier)
        return item

    return build


_new_plan_item = _plan_item_builder()


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
    layout: Layout | None = None,
) -> Scores:
    """Score one assessment. *rule_areas* maps every rule that ran to its area.

    With *compare_history* false (part of the catalog was chosen), scores are
    not comparable with history, so no trend is given. *layout*, if given, is
    ``layout_of(rule_areas, model)``, made once for many assessments.
    """
    if layout is None:
        layout = layout_of(rule_areas, model)
    diagnostics: list[str] = []
    series = comparable_history(history, model, period, diagnostics) if history else []
    # One pass over the findings serves the area scores, the overall and the plan.
    by_area: dict[str, list[str]] = {}
    # action -> [-highest severity rank, -triggering findings, action, their rules]: the
    # first three are the ranking, and sort as they stand since actions are unique
    because: dict[str, list[Any]] = {}
    for finding in findings:
        severity = finding.severity
        severities = by_area.get(finding.area)
        if severities is None:
            by_area[finding.area] = [severity]
        else:
            severities.append(severity)
        if finding.actions:
            rank = -_RANK[severity]
            for action in finding.actions:
                entry = because.get(action)
                if entry is None:
                    because[action] = [rank, -1, action, {finding.rule}]
                else:
                    if rank < entry[0]:
                        entry[0] = rank
                    entry[1] -= 1
                    entry[3].add(finding.rule)
    areas, unrounded = _areas(not_evaluable, rule_areas, model, series, by_area, layout)
    overall = _overall(areas, unrounded, model, series)
    if not compare_history:
        # Scores of part of a catalog against history of all of it would fake drift.
        areas = {name: attrs.evolve(area, trend=None) for name, area in areas.items()}
        overall = attrs.evolve(overall, trend=None)
        diagnostics = [
            "only part of the catalog ran (select or ignore), so no trend is given: "
            "its scores cannot be compared with the history of the whole catalog"
        ]
    elsewhere: list[str] = []
    gaps: list[str] = []
    if not_evaluable:
        fired = {f.rule for f in findings}
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
        plan=_plan(because, actions, model, layout),
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


def comparable_history(
    history: Sequence[HistoryEntry],
    model: ScoringModel,
    period: str | None,
    diagnostics: list[str],
) -> list[HistoryEntry]:
    """The entries of *history* a score of *period* can be compared with, oldest first.

    Entries of another catalog version, or not before *period*, are left out, and
    *diagnostics* is told why.
    """
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


@attrs.frozen
class Layout:
    """What scoring needs of the rules that ran, the same for every assessment of an engine."""

    #: area -> how many rules it has
    rules: Mapping[str, int]
    #: the areas in the model's order, then areas it does not weigh by name
    names: tuple[str, ...]
    #: rule -> its place in the catalog
    position: Mapping[str, int]


def layout_of(rule_areas: Mapping[str, str], model: ScoringModel) -> Layout:
    """What :func:`score` needs of *rule_areas* and *model*, for every assessment alike."""
    rules_of = Counter(rule_areas.values())
    weights = model.weights
    return Layout(
        rules=rules_of,
        names=(
            *(a for a in weights if a in rules_of),
            *sorted(a for a in rules_of if a not in weights),
        ),
        position={rule: i for i, rule in enumerate(rule_areas)},
    )


def _areas(
    not_evaluable: Sequence[NotEvaluable],
    rule_areas: Mapping[str, str],
    model: ScoringModel,
    history: Sequence[HistoryEntry],
    by_area: Mapping[str, list[str]],
    layout: Layout,
) -> tuple[dict[str, AreaScore], dict[str, float]]:
    """The area scores, and each scored area's unrounded score for the overall."""
    rules_of = layout.rules
    # Few rules are not evaluable, so count them off rather than walk every rule.
    skipped_of: Counter[str] = Counter()
    if not_evaluable:
        for rule in {n.rule for n in not_evaluable}:
            area = rule_areas.get(rule)
            if area is not None:
                skipped_of[area] += 1
    weights = model.weights
    factors = model.factors
    out = {}
    unrounded: dict[str, float] = {}
    for area in layout.names:
        rules = rules_of[area]
        evaluated = rules - skipped_of[area]
        if evaluated == 0:
            out[area] = AreaScore(
                area=area,
                score=None,
                light="unknown",
                trend=None,
                weight=weights.get(area, 0.0),
                findings=0,
                evaluated=0,
                rules=rules,
            )
            continue
        mine = by_area.get(area, ())
        value = 100.0
        for severity in mine:
            value *= 1.0 - factors[severity]
        unrounded[area] = value
        rounded = round_score(value)
        # The band of the score as shown, so a 60.0 on screen is never red.
        light = "red" if "critical" in mine else model.band(rounded)
        past = [float(e.area_scores[area]) for e in history if area in e.area_scores]  # type: ignore[index]
        out[area] = AreaScore(
            area=area,
            score=rounded,
            light=light,
            trend=trend([*past, rounded], model) if past else "baseline",
            weight=weights.get(area, 0.0),
            findings=len(mine),
            evaluated=evaluated,
            rules=rules,
        )
    return out, unrounded


def _overall(
    areas: Mapping[str, AreaScore],
    unrounded: Mapping[str, float],
    model: ScoringModel,
    history: Sequence[HistoryEntry],
) -> OverallScore:
    scored = [
        (s.weight, unrounded[a]) for a, s in areas.items() if s.score is not None and s.weight > 0
    ]
    if not scored:
        return OverallScore(score=None, light="unknown", trend=None)
    total_weight = sum(w for w, _ in scored)
    # Unrounded area scores, so the overall is not rounded twice.
    value = sum(w * u for w, u in scored) / total_weight
    rounded = round_score(value)
    light = model.band(rounded)
    capped_by = None
    # A critical finding makes its area red, so one test covers both of DOMAIN's caps.
    if light == "green" and any(s.light == "red" for s in areas.values()):
        light, capped_by = "amber", "an area is red"
    # Without every weighted area the overall is a mean of fewer areas than history's,
    # so it cannot be compared with them: no trend rather than a false one.
    partial = any(s.score is None and s.weight > 0 for s in areas.values())
    if partial:
        overall_trend = None
    else:
        past = [e.overall for e in history if e.overall is not None]
        overall_trend = trend([*past, rounded], model) if past else "baseline"
    return OverallScore(score=rounded, light=light, trend=overall_trend, capped_by=capped_by)


#: severity -> its rank, 0 for info up to 4 for critical
_RANK = {severity: i for i, severity in enumerate(SEVERITIES)}


def _plan(
    because: Mapping[str, list[Any]],
    actions: Mapping[str, ActionSpec],
    model: ScoringModel,
    layout: Layout,
) -> tuple[PlanItem, ...]:
    """The ranked actions; *because* is as score() gathers it from the findings."""
    if not because:
        return ()
    position = layout.position
    plan_size = model.plan_size
    out = []
    for rank, (top, _, action_id, rules) in enumerate(sorted(because.values()), start=1):
        spec = actions.get(action_id)
        # In catalog order (area, then id), as a consultant reads the findings.
        if len(rules) == 1:
            ordered = tuple(rules)
        elif rules <= position.keys():
            # Places are unique, so the name never breaks a tie.
            ordered = tuple(sorted(rules, key=position.__getitem__))
        else:
            ordered = tuple(sorted(rules, key=lambda r: (position.get(r, 0), r)))
        tier = "plan" if rank <= plan_size else "backlog"
        if spec is None:
            item = _new_plan_item(
                action_id, action_id, SEVERITIES[-top], rank, None, ordered, None, None, "", tier
            )
        else:
            item = _new_plan_item(
                action_id,
                spec.title,
                SEVERITIES[-top],
                rank,
                spec.impact_days,
                ordered,
                spec.effort,
                spec.phase,
                spec.owner,
                tier,
            )
        out.append(item)
    return tuple(out)
