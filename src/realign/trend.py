"""One partnership over several quarters: scores, finding changes and drift alerts.

A trend is built from assessments of one partnership, one per period, and from
the History their fact files record (DOMAIN §4.4). Assessed periods carry
findings, so they show which findings are new, persisting or resolved; history
periods carry only scores. Every assessed period is scored by the same catalog
now, so the series is comparable even where the files were once scored by
another; history of another catalog version is left out, as scoring does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from .assessment import Assessment
from .errors import RealignError
from .scoring import ScoringModel, comparable_history, round_score, trend

__all__ = [
    "TREND_SCHEMA_ID",
    "Alert",
    "FindingChanges",
    "FindingRef",
    "ScorePoint",
    "SeriesError",
    "Trend",
    "TrendPoint",
    "build_trend",
]

TREND_SCHEMA_ID = "realign/trend@1"
#: alert kinds, in the order a report lists them within a period
ALERT_KINDS = ("drifting", "deteriorating", "persisting")
#: a finding that fired in this many assessments in a row has had two chances to clear
PERSISTING_ASSESSMENTS = 3


class SeriesError(RealignError, ValueError):
    """The files do not form one series: another partnership, or a period twice."""


@attrs.frozen(kw_only=True)
class ScorePoint:
    """A score at one period; ``None`` when it is unknown there."""

    score: float | None
    light: str
    trend: str | None
    #: false for an overall that averages fewer areas than a whole one: no trend then
    comparable: bool = attrs.field(default=True, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "light": self.light, "trend": self.trend}


@attrs.frozen(kw_only=True)
class FindingRef:
    """A finding as a trend lists it; *was* says what the rule was the period before."""

    rule: str
    title: str
    area: str
    severity: str
    was: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class FindingChanges:
    """How an assessed period's findings differ from the assessed period before it.

    A finding that was there and is now not evaluable is not resolved: the facts
    no longer say, and a data gap must not pass for recovery.
    """

    compared_with: str | None
    fired: tuple[FindingRef, ...]
    new: tuple[FindingRef, ...] = ()
    persisting: tuple[FindingRef, ...] = ()
    resolved: tuple[FindingRef, ...] = ()
    no_longer_evaluable: tuple[FindingRef, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "compared_with": self.compared_with,
            "fired": [f.to_dict() for f in self.fired],
            "new": [f.to_dict() for f in self.new],
            "persisting": [f.to_dict() for f in self.persisting],
            "resolved": [f.to_dict() for f in self.resolved],
            "no_longer_evaluable": [f.to_dict() for f in self.no_longer_evaluable],
        }


@attrs.frozen(kw_only=True)
class TrendPoint:
    """One period of the series: assessed now, or recorded in a fact file's History."""

    period: str
    kind: str  # assessed | history
    source: str
    as_of: str | None
    overall: ScorePoint
    areas: Mapping[str, ScorePoint]
    findings: FindingChanges | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "kind": self.kind,
            "source": self.source,
            "as_of": self.as_of,
            "overall": self.overall.to_dict(),
            "areas": {name: point.to_dict() for name, point in self.areas.items()},
            "findings": self.findings.to_dict() if self.findings is not None else None,
        }


@attrs.frozen(kw_only=True)
class Alert:
    """Something a steering committee should hear about, at one period."""

    period: str
    kind: str  # drifting | deteriorating | persisting
    #: "overall", an area, or a rule id
    scope: str
    message: str
    #: the (period, score) points a score alert rests on; empty for a finding
    series: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "kind": self.kind,
            "scope": self.scope,
            "message": self.message,
            "series": [{"period": p, "score": s} for p, s in self.series],
        }


@attrs.frozen(kw_only=True)
class Trend:
    partnership_id: str
    name: str
    catalog_version: str | None
    areas: tuple[str, ...]
    points: tuple[TrendPoint, ...]
    alerts: tuple[Alert, ...]
    diagnostics: tuple[str, ...] = ()

    @property
    def latest(self) -> TrendPoint:
        return self.points[-1]

    def alerts_at(self, period: str) -> tuple[Alert, ...]:
        return tuple(alert for alert in self.alerts if alert.period == period)

    def to_dict(self) -> dict[str, Any]:
        from . import __version__

        return {
            "schema": TREND_SCHEMA_ID,
            "realign_version": __version__,
            "partnership": {"id": self.partnership_id, "name": self.name},
            "catalog_version": self.catalog_version,
            "areas": list(self.areas),
            "periods": [point.to_dict() for point in self.points],
            "alerts": [alert.to_dict() for alert in self.alerts],
            "diagnostics": list(self.diagnostics),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def build_trend(
    assessments: Sequence[Assessment],
    sources: Sequence[str],
    model: ScoringModel,
    *,
    history_comparable: bool = True,
) -> Trend:
    """The trend of *assessments* (one partnership, any order) and their files' History.

    *sources* names each assessment's file, for messages. With *history_comparable*
    false (only part of the catalog ran), History is left out: its scores are of
    the whole catalog.

    Raises:
        SeriesError: the assessments are of different partnerships, or two share a period.
    """
    if not assessments:
        msg = "a trend needs at least one assessment"
        raise SeriesError(msg)
    if len(assessments) != len(sources):
        msg = "give one source name per assessment"
        raise ValueError(msg)
    ordered = sorted(
        zip(assessments, sources, strict=True), key=lambda pair: _header(pair[0]).period
    )
    _check_series(ordered)
    diagnostics: list[str] = []
    recorded = _recorded(ordered, model, history_comparable, diagnostics)
    areas = _area_names(ordered, model)
    points: list[TrendPoint] = []
    for period in sorted({*recorded, *(_header(a).period for a, _ in ordered)}):
        assessed = next(((a, s) for a, s in ordered if _header(a).period == period), None)
        if assessed is not None:
            points.append(_assessed_point(*assessed, areas))
        else:
            source, entry = recorded[period]
            points.append(_history_point(period, source, entry, areas, model))
    points = _with_trends(points, areas, model)
    for point in points:
        if not point.overall.comparable and point.overall.score is not None:
            unknown = [n for n in areas if point.areas[n].score is None and n in model.weights]
            diagnostics.append(
                f"{point.period}: the overall averages fewer areas than a whole one "
                f"({', '.join(unknown)} unknown), so it is not compared with other periods"
            )
    points = _with_changes(points, {_header(a).period: a for a, _ in ordered})
    first = ordered[-1][0].facts.partnership
    if len(points) < 2:
        diagnostics.append(
            "one period only, so every trend is a baseline: give the fact files of earlier "
            "quarters, or a fact file with History"
        )
    return Trend(
        partnership_id=first.partnership.id,
        name=first.partnership.name,
        catalog_version=model.catalog_version,
        areas=areas,
        points=tuple(points),
        alerts=_alerts(points, areas, {_header(a).period: a for a, _ in ordered}, model),
        diagnostics=tuple(dict.fromkeys(diagnostics)),
    )


def _header(assessment: Assessment) -> Any:
    return assessment.facts.partnership.assessment


def _check_series(ordered: Sequence[tuple[Assessment, str]]) -> None:
    problems: list[str] = []
    by_partnership: dict[str, list[str]] = {}
    for assessment, source in ordered:
        ident = assessment.facts.partnership.partnership.id
        by_partnership.setdefault(ident, []).append(source)
    if len(by_partnership) > 1:
        listed = "; ".join(
            f"{ident!r} in {', '.join(sources)}"
            for ident, sources in sorted(by_partnership.items())
        )
        problems.append(f"a trend follows one partnership, but these files hold {listed}")
    seen: dict[str, str] = {}
    for assessment, source in ordered:
        period = _header(assessment).period
        if period in seen:
            problems.append(
                f"period {period} is assessed by both {seen[period]} and {source}; "
                "give one fact file per period"
            )
        else:
            seen[period] = source
    if problems:
        raise SeriesError("; ".join(problems))


def _recorded(
    ordered: Sequence[tuple[Assessment, str]],
    model: ScoringModel,
    history_comparable: bool,
    diagnostics: list[str],
) -> dict[str, tuple[str, Any]]:
    """period -> (file, History entry), for periods no file assesses; the latest file wins."""
    assessed = {_header(a).period for a, _ in ordered}
    recorded: dict[str, tuple[str, Any]] = {}
    for assessment, source in ordered:
        history = assessment.facts.partnership.history
        if not history:
            continue
        if not history_comparable:
            diagnostics.append(
                f"{source}: History is left out: only part of the catalog ran (select or "
                "ignore), and History holds scores of the whole catalog"
            )
            continue
        notes: list[str] = []
        kept = comparable_history(history, model, _header(assessment).period, notes)
        diagnostics.extend(f"{source}: {note}" for note in notes)
        for entry in kept:
            if entry.period in assessed:
                continue
            earlier = recorded.get(entry.period)
            if earlier is not None and _scores_of(earlier[1]) != _scores_of(entry):
                diagnostics.append(
                    f"History of {entry.period} differs between {earlier[0]} and {source}; "
                    f"the later file, {source}, is used"
                )
            recorded[entry.period] = (source, entry)
    return recorded


def _scores_of(entry: Any) -> tuple[Any, ...]:
    return (entry.overall, sorted((str(k), v) for k, v in entry.area_scores.items()))


def _area_names(ordered: Sequence[tuple[Assessment, str]], model: ScoringModel) -> tuple[str, ...]:
    names = {name for assessment, _ in ordered for name in assessment.areas}
    return (
        *(name for name in model.weights if name in names),
        *sorted(name for name in names if name not in model.weights),
    )


def _assessed_point(assessment: Assessment, source: str, areas: Sequence[str]) -> TrendPoint:
    header = _header(assessment)
    overall = assessment.overall
    # As scoring has it: without every weighted area, the overall is a mean of fewer areas.
    partial = any(a.score is None and a.weight > 0 for a in assessment.areas.values())
    return TrendPoint(
        period=header.period,
        kind="assessed",
        source=source,
        as_of=header.as_of.isoformat(),
        overall=ScorePoint(
            score=overall.score if overall is not None else None,
            light=overall.light if overall is not None else "unknown",
            trend=None,
            comparable=not partial,
        ),
        areas={
            name: ScorePoint(
                score=assessment.areas[name].score if name in assessment.areas else None,
                light=assessment.areas[name].light if name in assessment.areas else "unknown",
                trend=None,
            )
            for name in areas
        },
    )


def _history_point(
    period: str, source: str, entry: Any, areas: Sequence[str], model: ScoringModel
) -> TrendPoint:
    """A History entry as a point; its lights are its scores' bands (History keeps no light)."""
    scores = {str(k): float(v) for k, v in entry.area_scores.items()}

    def point(score: float | None) -> ScorePoint:
        light = model.band(score) if score is not None else "unknown"
        return ScorePoint(score=score, light=light, trend=None)

    overall = float(entry.overall) if entry.overall is not None else None
    return TrendPoint(
        period=period,
        kind="history",
        source=source,
        as_of=None,
        overall=point(overall),
        areas={name: point(scores.get(name)) for name in areas},
    )


def _with_trends(
    points: Sequence[TrendPoint], areas: Sequence[str], model: ScoringModel
) -> list[TrendPoint]:
    """Each known score classified against the known scores before it."""
    known: dict[str, list[float]] = {name: [] for name in ("overall", *areas)}

    def classified(name: str, point: ScorePoint) -> ScorePoint:
        if point.score is None or not point.comparable:
            return point
        known[name].append(point.score)
        return attrs.evolve(point, trend=trend(known[name], model))

    return [
        attrs.evolve(
            point,
            overall=classified("overall", point.overall),
            areas={name: classified(name, point.areas[name]) for name in areas},
        )
        for point in points
    ]


def _ref(assessment: Assessment, rule: str, was: str | None = None) -> FindingRef:
    finding = assessment.finding(rule)
    return FindingRef(
        rule=rule, title=finding.title, area=finding.area, severity=finding.severity, was=was
    )


def _status(assessment: Assessment, rule: str) -> str:
    if any(f.rule == rule for f in assessment.findings):
        return "fired"
    if rule in assessment.passed:
        return "passed"
    if any(n.rule == rule for n in assessment.not_evaluable):
        return "not_evaluable"
    return "not_run"


def _changes(now: Assessment, before: Assessment | None, period: str | None) -> FindingChanges:
    fired = tuple(_ref(now, rule) for rule in now.fired)
    if before is None:
        return FindingChanges(compared_with=None, fired=fired)
    earlier = set(before.fired)
    current = set(now.fired)
    persisting = []
    for rule in sorted(current & earlier):
        was = before.finding(rule).severity
        persisting.append(_ref(now, rule, was))
    gone = sorted(earlier - current)
    return FindingChanges(
        compared_with=period,
        fired=fired,
        new=tuple(_ref(now, rule, _status(before, rule)) for rule in sorted(current - earlier)),
        persisting=tuple(persisting),
        resolved=tuple(
            _ref(before, rule, "fired") for rule in gone if _status(now, rule) == "passed"
        ),
        no_longer_evaluable=tuple(
            _ref(before, rule, "fired") for rule in gone if _status(now, rule) != "passed"
        ),
    )


def _with_changes(
    points: Sequence[TrendPoint], assessed: Mapping[str, Assessment]
) -> list[TrendPoint]:
    out: list[TrendPoint] = []
    before: Assessment | None = None
    before_period: str | None = None
    for point in points:
        now = assessed.get(point.period) if point.kind == "assessed" else None
        if now is None:
            out.append(point)
            continue
        out.append(attrs.evolve(point, findings=_changes(now, before, before_period)))
        before, before_period = now, point.period
    return out


def _alerts(
    points: Sequence[TrendPoint],
    areas: Sequence[str],
    assessed: Mapping[str, Assessment],
    model: ScoringModel,
) -> tuple[Alert, ...]:
    alerts: list[Alert] = []
    for name in ("overall", *areas):
        alerts.extend(_score_alerts(points, name, model))
    alerts.extend(_persisting_alerts(points, assessed))
    scopes = {name: i for i, name in enumerate(("overall", *areas))}
    return tuple(
        sorted(
            alerts,
            key=lambda a: (
                a.period,
                ALERT_KINDS.index(a.kind),
                scopes.get(a.scope, len(scopes)),
                a.scope,
            ),
        )
    )


def _score_at(point: TrendPoint, name: str) -> ScorePoint:
    return point.overall if name == "overall" else point.areas[name]


def _score_alerts(points: Sequence[TrendPoint], name: str, model: ScoringModel) -> list[Alert]:
    alerts = []
    known: list[tuple[str, float]] = []
    label = "Overall" if name == "overall" else name.replace("_", " ").capitalize()
    for point in points:
        at = _score_at(point, name)
        if at.score is None:
            continue
        known.append((point.period, at.score))
        if at.trend == "drifting":
            run = known[-model.run :]
            drop = round_score(run[0][1] - run[-1][1])
            alerts.append(
                Alert(
                    period=point.period,
                    kind="drifting",
                    scope=name,
                    message=(
                        f"{label} is drifting: {_path(run)} from {run[0][0]} to {run[-1][0]}, "
                        f"{len(run) - 1} declines in a row and {drop:.1f} points down"
                    ),
                    series=tuple(run),
                )
            )
        elif at.trend == "deteriorating":
            (before, was), (_, now) = known[-2], known[-1]
            bands = (model.band(was), model.band(now))
            band_note = f", from {bands[0]} to {bands[1]}" if bands[0] != bands[1] else ""
            alerts.append(
                Alert(
                    period=point.period,
                    kind="deteriorating",
                    scope=name,
                    message=(
                        f"{label} deteriorated: {was:.1f} in {before} to {now:.1f} in "
                        f"{point.period}, {round_score(now - was):+.1f} points{band_note}"
                    ),
                    series=tuple(known[-2:]),
                )
            )
    return alerts


def _path(run: Iterable[tuple[str, float]]) -> str:
    return " → ".join(f"{score:.1f}" for _, score in run)


def _persisting_alerts(
    points: Sequence[TrendPoint], assessed: Mapping[str, Assessment]
) -> list[Alert]:
    """Findings that outlasted two more assessments and their actions' time to impact.

    Fact files do not record which actions were started, so the alert says what
    follows if they were: they have not worked, and the steering committee should hear.
    """
    alerts = []
    streak: dict[str, list[TrendPoint]] = {}
    for point in points:
        if point.findings is None:
            continue
        now = assessed[point.period]
        streak = {
            rule: [*streak.get(rule, []), point] for rule in (f.rule for f in point.findings.fired)
        }
        horizons = {item.action: item.horizon_days for item in now.plan}
        for rule, run in streak.items():
            finding = now.finding(rule)
            if len(run) < PERSISTING_ASSESSMENTS or not finding.actions:
                continue
            first = run[0]
            days = (_day(point.as_of) - _day(first.as_of)).days
            waits = {a: horizons.get(a) for a in finding.actions}
            longest = max((d for d in waits.values() if d is not None), default=0)
            if days < longest:
                continue
            actions = ", ".join(f"{a} ({d} days)" if d is not None else a for a, d in waits.items())
            alerts.append(
                Alert(
                    period=point.period,
                    kind="persisting",
                    scope=rule,
                    message=(
                        f"{rule} {finding.title}: fired in {len(run)} assessments in a row "
                        f"since {first.period} ({days} days), past its actions' time to impact "
                        f"({actions}); if they were started, they have not worked: escalate "
                        "to the steering committee"
                    ),
                )
            )
    return alerts


def _day(text: str | None) -> date:
    if text is None:  # assessed points always carry their date
        msg = "an assessed period without its as_of date"
        raise AssertionError(msg)
    return date.fromisoformat(text)
