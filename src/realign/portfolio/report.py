"""The portfolio report: what many assessments say together, gathered one record at a time.

A portfolio may hold millions of partnerships, and :func:`~realign.portfolio.assess_many`
yields them one by one, so :class:`PortfolioReport` keeps no list of records. Its
state is counters whose keys are bounded by the catalog (rule ids, action ids,
areas) or by the score scale (one counter per tenth of a point, 1,001 at most),
and sorted lists of fixed length (the partnerships most at risk, the first
drifting ones, the first errors). Its memory is the same after a thousand
records as after a million.

The document does not depend on the order the records come in: every list is
ranked by a key that covers everything it shows, sums are of integers (tenths of
a point), and where one id comes with different titles the smallest is shown.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from .._text import percent
from .._version import __version__
from ..assessment_report import AREA_TITLES
from ..rules.ruleset import AREAS
from ..rules.types import SEVERITIES
from .records import PortfolioRecord

__all__ = [
    "PORTFOLIO_SCHEMA",
    "PortfolioReport",
    "portfolio_context",
    "render_portfolio_html",
    "render_portfolio_markdown",
]

#: the value of the document's ``schema`` field
PORTFOLIO_SCHEMA = "realign/portfolio@1"
LIGHTS = ("green", "amber", "red", "unknown")
TRENDS = ("baseline", "stable", "improving", "drifting", "deteriorating")
#: the overall trends a partnership is listed as drifting for
DRIFTING = ("drifting", "deteriorating")
#: the histogram's bins: 0-10, 10-20, ... 90-100 (a score of 100 falls in the last)
BINS = 10
#: a score in tenths of a point: the assessment rounds scores to one decimal
_TENTHS = 1000


class _Lowest:
    """The *size* smallest keys seen, sorted: a bounded list, whatever the input's length.

    A key must hold everything shown of its entry, so two entries that compare
    equal are the same entry and no order of arrival can change the list.
    """

    __slots__ = ("keys", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self.keys: list[tuple[Any, ...]] = []

    def add(self, key: tuple[Any, ...]) -> None:
        if self.size <= 0:
            return
        if len(self.keys) == self.size and key >= self.keys[-1]:
            return  # the common case once the list is full: one comparison
        bisect.insort(self.keys, key)
        del self.keys[self.size :]


class _Titled:
    """How often each id was seen, and the title it was seen with (the smallest, if several)."""

    __slots__ = ("counts", "extra", "titles")

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.titles: dict[str, tuple[str, ...]] = {}
        #: per id, how often each secondary value (a finding's severity) was seen
        self.extra: dict[str, Counter[str]] = {}

    def add(self, ident: str, title: tuple[str, ...], extra: str | None = None) -> None:
        self.counts[ident] += 1
        known = self.titles.get(ident)
        if known is None or title < known:
            self.titles[ident] = title
        if extra is not None:
            self.extra.setdefault(ident, Counter())[extra] += 1

    def top(self, n: int) -> list[str]:
        """The *n* most frequent ids; equal counts by id."""
        return sorted(self.counts, key=lambda ident: (-self.counts[ident], ident))[:n]


def _optional(value: Any) -> tuple[int, str]:
    """A value that may be missing, as a sort key: missing first, then by text."""
    return (0, "") if value is None else (1, str(value))


def _shown(key: tuple[int, str]) -> str | None:
    return None if key[0] == 0 else key[1]


def _tenths(score: float) -> int:
    return min(_TENTHS, max(0, round(score * 10)))


class PortfolioReport:
    """The portfolio report, built up one :class:`PortfolioRecord` at a time.

    >>> report = PortfolioReport()
    >>> for record in assess_many(sources):  # doctest: +SKIP
    ...     report.add(record)
    >>> report.to_dict()["schema"]  # doctest: +SKIP
    'realign/portfolio@1'

    Args:
        top: findings and actions listed, the most frequent first.
        at_risk: partnerships listed as most at risk, the lowest overall scores.
        drifting: drifting or deteriorating partnerships listed, by overall score.
        errors: failed records listed (by source); the rest are counted.
    """

    __slots__ = (
        "_actions",
        "_area_lights",
        "_at_risk",
        "_drifting",
        "_drifting_kinds",
        "_errors",
        "_findings",
        "_overall_lights",
        "_scores",
        "_trends",
        "assessed",
        "failed",
        "limits",
    )

    def __init__(
        self, *, top: int = 10, at_risk: int = 10, drifting: int = 20, errors: int = 20
    ) -> None:
        self.limits = {"top": top, "at_risk": at_risk, "drifting": drifting, "errors": errors}
        self.assessed = 0
        self.failed = 0
        self._errors = _Lowest(errors)
        #: overall scores in tenths of a point: 1,001 keys at most, and exact
        self._scores: Counter[int] = Counter()
        self._overall_lights: Counter[str] = Counter()
        self._trends: Counter[str] = Counter()
        self._area_lights: dict[str, Counter[str]] = {}
        self._findings = _Titled()
        self._actions = _Titled()
        self._at_risk = _Lowest(at_risk)
        self._drifting = _Lowest(drifting)
        self._drifting_kinds: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return self.assessed + self.failed

    def update(self, records: Iterable[PortfolioRecord]) -> PortfolioReport:
        """Every record of *records* added; the report, for chaining."""
        for record in records:
            self.add(record)
        return self

    def add(self, record: PortfolioRecord) -> None:
        """One partnership's outcome counted in."""
        doc = record.document
        if doc is None:
            self.failed += 1
            problem = record.problems[0] if record.problems else None
            self._errors.add((record.source, _optional(problem), len(record.problems)))
            return
        self.assessed += 1
        overall = doc.get("overall") or {}
        score = overall.get("score")
        light = overall.get("light")
        light = light if light in LIGHTS else "unknown"
        trend = overall.get("trend")
        self._overall_lights[light] += 1
        self._trends[trend if trend in TRENDS else "none"] += 1
        for area, value in (doc.get("areas") or {}).items():
            area_light = (value or {}).get("light")
            lights = self._area_lights.setdefault(str(area), Counter())
            lights[area_light if area_light in LIGHTS else "unknown"] += 1

        findings = doc.get("findings") or []
        fired: dict[str, dict[str, Any]] = {}
        for finding in findings:
            # A rule counts once per partnership, at its most severe.
            rule = str(finding["rule"])
            known = fired.get(rule)
            if known is None or _rank(finding["severity"]) > _rank(known["severity"]):
                fired[rule] = finding
        for rule, finding in fired.items():
            about = (str(finding.get("title", "")), str(finding.get("area", "")))
            self._findings.add(rule, about, str(finding["severity"]))
        planned: dict[str, str] = {}
        for item in doc.get("plan") or []:
            if item.get("tier") == "plan":
                action = str(item["action"])
                title = str(item.get("title", ""))
                planned[action] = min(title, planned.get(action, title))
        for action, title in planned.items():
            self._actions.add(action, (title,))

        if score is None:
            return  # unscored: in the light counts (unknown), not ranked
        tenths = _tenths(score)
        self._scores[tenths] += 1
        header = doc.get("assessment") or {}
        severities = Counter(str(f["severity"]) for f in findings)
        key = (
            tenths,
            record.source,
            str(header.get("partnership_id", "")),
            _optional(record.name),
            str(header.get("id", "")),
            str(header.get("period", "")),
            light,
            _optional(trend),
            severities["critical"],
            severities["high"],
        )
        self._at_risk.add(key)
        if trend in DRIFTING:
            self._drifting_kinds[trend] += 1
            self._drifting.add(key)

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON document (``realign/portfolio@1``, docs: ``portfolio_schema()``)."""
        assessed = self.assessed
        top = self.limits["top"]
        scored = sum(self._scores.values())
        return {
            "schema": PORTFOLIO_SCHEMA,
            "realign_version": __version__,
            "partnerships": {
                "total": self.total,
                "assessed": assessed,
                "failed": self.failed,
                "scored": scored,
            },
            "overall": {
                "bins": self._bins(),
                "lights": {light: self._overall_lights[light] for light in LIGHTS},
                "trends": {t: self._trends[t] for t in (*TRENDS, "none")},
                **self._statistics(scored),
            },
            "areas": {
                area: {light: self._area_lights[area][light] for light in LIGHTS}
                for area in _area_order(self._area_lights)
            },
            "findings": {
                "distinct": len(self._findings.counts),
                "top": [
                    {
                        "rule": rule,
                        "title": self._findings.titles[rule][0],
                        "area": self._findings.titles[rule][1],
                        "count": self._findings.counts[rule],
                        "share": _share(self._findings.counts[rule], assessed),
                        "severities": {
                            s: self._findings.extra[rule][s]
                            for s in reversed(SEVERITIES)
                            if self._findings.extra[rule][s]
                        },
                    }
                    for rule in self._findings.top(top)
                ],
            },
            "actions": {
                "distinct": len(self._actions.counts),
                "top": [
                    {
                        "action": action,
                        "title": self._actions.titles[action][0],
                        "count": self._actions.counts[action],
                        "share": _share(self._actions.counts[action], assessed),
                    }
                    for action in self._actions.top(top)
                ],
            },
            "at_risk": [_partnership(key) for key in self._at_risk.keys],
            "drifting": {
                "count": sum(self._drifting_kinds.values()),
                **{kind: self._drifting_kinds[kind] for kind in DRIFTING},
                "first": [_partnership(key) for key in self._drifting.keys],
            },
            "errors": {
                "count": self.failed,
                "first": [
                    {"source": source, "problem": _shown(problem), "problems": problems}
                    for source, problem, problems in self._errors.keys
                ],
            },
        }

    def _bins(self) -> list[dict[str, int]]:
        counts = [0] * BINS
        for tenths, count in self._scores.items():
            counts[min(BINS - 1, tenths // (_TENTHS // BINS))] += count
        width = 100 // BINS
        return [
            {"from": i * width, "to": (i + 1) * width, "count": count}
            for i, count in enumerate(counts)
        ]

    def _statistics(self, scored: int) -> dict[str, float | None]:
        if not scored:
            return {"mean": None, "median": None, "min": None, "max": None}
        values = sorted(self._scores)
        total = sum(tenths * count for tenths, count in self._scores.items())
        return {
            "mean": round(total / scored / 10, 2),
            "median": _median(values, self._scores, scored),
            "min": values[0] / 10,
            "max": values[-1] / 10,
        }


def _rank(severity: Any) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def _share(count: int, of: int) -> float:
    return round(count / of, 4) if of else 0.0


def _median(values: list[int], counts: Mapping[int, int], n: int) -> float:
    """The exact median, walking the sorted tenths: the middle one, or the mean of two."""
    wanted = ((n - 1) // 2, n // 2)
    found: list[int] = []
    seen = 0
    for value in values:
        seen += counts[value]
        while len(found) < 2 and wanted[len(found)] < seen:
            found.append(value)
        if len(found) == 2:
            break
    return round((found[0] + found[1]) / 20, 2)


def _area_order(areas: Iterable[str]) -> list[str]:
    """The standard areas in scoring order, then any other (a plugin's) by name."""
    order = {area: i for i, area in enumerate(AREAS)}
    return sorted(areas, key=lambda area: (order.get(area, len(order)), area))


def _partnership(key: tuple[Any, ...]) -> dict[str, Any]:
    tenths, source, partnership_id, name, assessment_id, period, light, trend, critical, high = key
    return {
        "source": source,
        "partnership_id": partnership_id,
        "name": _shown(name),
        "assessment_id": assessment_id,
        "period": period,
        "overall": tenths / 10,
        "light": light,
        "trend": _shown(trend),
        "critical": critical,
        "high": high,
    }


# -- Markdown and HTML ------------------------------------------------------------------

#: what each overall trend is called in a report
TREND_WORDS = {
    "baseline": "baseline",
    "stable": "stable",
    "improving": "improving ↑",
    "deteriorating": "deteriorating ↓",
    "drifting": "drifting ↘",
    "none": "no trend",
}


def portfolio_context(report: PortfolioReport | Mapping[str, Any]) -> dict[str, Any]:
    """The report's JSON document, and what the Markdown and HTML templates add to it."""
    doc = report.to_dict() if isinstance(report, PortfolioReport) else dict(report)
    counts = doc["partnerships"]
    top_bin = max((b["count"] for b in doc["overall"]["bins"]), default=0)
    return {
        "doc": doc,
        "area_titles": {area: _area_title(area) for area in doc["areas"]},
        "trend_words": TREND_WORDS,
        "unscored": counts["assessed"] - counts["scored"],
        "more_errors": counts["failed"] - len(doc["errors"]["first"]),
        "more_drifting": doc["drifting"]["count"] - len(doc["drifting"]["first"]),
        "top_bin": top_bin,
    }


def _area_title(area: str) -> str:
    return AREA_TITLES.get(area, area.replace("_", " ").capitalize())


def render_portfolio_markdown(report: PortfolioReport | Mapping[str, Any]) -> str:
    """The portfolio report as a Markdown document."""
    from ..reports.markdown import markdown_environment, tidy_markdown

    environment = markdown_environment()
    environment.filters["percent"] = percent
    template = environment.get_template("portfolio.md.j2")
    return tidy_markdown(template.render(report=portfolio_context(report)))


def render_portfolio_html(report: PortfolioReport | Mapping[str, Any]) -> str:
    """The portfolio report as one self-contained HTML page, with inline SVG charts."""
    # Imported here: the charts bring pygal, which aggregating records never needs.
    from ..reports.charts import histogram_chart, lights_chart
    from ..reports.html import html_environment

    context = portfolio_context(report)
    doc = context["doc"]
    context["histogram"] = histogram_chart(
        [f"{b['from']}-{b['to']}" for b in doc["overall"]["bins"]],
        [b["count"] for b in doc["overall"]["bins"]],
    )
    context["lights_chart"] = (
        lights_chart({context["area_titles"][area]: doc["areas"][area] for area in doc["areas"]})
        if doc["areas"]
        else None
    )
    environment = html_environment()
    environment.filters["percent"] = percent
    return environment.get_template("portfolio.html.j2").render(report=context)
