"""One partnership's outcome in a portfolio run, and the row it becomes in an output file."""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._version import __version__
from ..errors import FactError, RealignError
from ..loading import FactSource
from ..rules.types import SEVERITIES

if TYPE_CHECKING:
    from ..assessment import Assessment
    from ..engine import Engine

__all__ = [
    "ROW_SCHEMA",
    "SUMMARY_SCHEMA",
    "PortfolioRecord",
    "assess_one",
    "column_kind",
    "row_columns",
    "summary_document",
]

#: the value of a row's ``schema`` field in JSON Lines output
ROW_SCHEMA = "realign/portfolio-row@1"
#: the ``schema`` of a summary document (see :func:`summary_document`)
SUMMARY_SCHEMA = "realign/assessment-summary@1"
#: top-ranked actions a row lists (the plan's, in rank order)
TOP_ACTIONS = 5


@attrs.frozen(kw_only=True)
class PortfolioRecord:
    """A partnership assessed, or why it could not be.

    ``document`` is the assessment's JSON document (``realign/assessment@1``);
    ``problems`` are located messages (``file:line:col: error: ...``) when it failed.
    """

    source: str
    #: the partnership's name (the assessment document carries only its id)
    name: str | None = None
    document: dict[str, Any] | None = None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.document is not None

    @property
    def error(self) -> str | None:
        return None if self.ok else "\n".join(self.problems)

    def row(self, areas: Sequence[str]) -> dict[str, Any]:
        """The flat row of an output file: one column per fact a portfolio compares."""
        row: dict[str, Any] = dict.fromkeys(row_columns(areas))
        row["source"] = self.source
        row["status"] = "ok" if self.ok else "error"
        if self.document is None:
            row["error"] = self.error
            row["finding_ids"] = []
            row["top_actions"] = []
            return row
        doc = self.document
        header = doc["assessment"]
        overall = doc["overall"] or {}
        row.update(
            partnership_id=header["partnership_id"],
            name=self.name,
            assessment_id=header["id"],
            period=header["period"],
            as_of=header["as_of"],
            overall=overall.get("score"),
            overall_light=overall.get("light"),
            overall_trend=overall.get("trend"),
            coverage=(doc.get("coverage") or {}).get("ratio"),
            findings=len(doc["findings"]),
            finding_ids=[f["rule"] for f in doc["findings"]],
            top_actions=[p["action"] for p in doc["plan"] if p["tier"] == "plan"][:TOP_ACTIONS],
        )
        for severity in SEVERITIES:
            row[severity] = sum(f["severity"] == severity for f in doc["findings"])
        for area in areas:
            score = doc["areas"].get(area) or {}
            row[f"{area}_score"] = score.get("score")
            row[f"{area}_light"] = score.get("light")
            row[f"{area}_trend"] = score.get("trend")
        return row


def row_columns(areas: Sequence[str]) -> list[str]:
    """The columns of a portfolio row, in order, for a catalog with *areas*."""
    return [
        "source",
        "status",
        "partnership_id",
        "name",
        "assessment_id",
        "period",
        "as_of",
        "overall",
        "overall_light",
        "overall_trend",
        "coverage",
        "findings",
        *SEVERITIES[::-1],
        *(f"{area}_{what}" for area in areas for what in ("score", "light", "trend")),
        "finding_ids",
        "top_actions",
        "error",
    ]


#: the kind of value each fixed column holds; area columns follow their suffix
_KINDS = {
    "overall": "real",
    "coverage": "real",
    "findings": "count",
    **dict.fromkeys(SEVERITIES, "count"),
    "finding_ids": "list",
    "top_actions": "list",
}


def column_kind(column: str) -> str:
    """``text``, ``real``, ``count`` or ``list``: what a row's *column* holds (or null)."""
    if column.endswith("_score"):
        return "real"
    return _KINDS.get(column, "text")


def assess_one(engine: Engine, source: FactSource, *, detail: str = "full") -> PortfolioRecord:
    """*source* assessed by *engine*; any failure becomes a record, never an exception.

    With *detail* ``"summary"`` the document is :func:`summary_document`'s, which
    holds what rows and the portfolio report read and is a sixth of the size: the
    cheaper choice when records cross between processes by the thousand.

    A batch must finish whatever one partnership holds, so even an unexpected
    error (a bug, or a plugin's) is caught here and recorded with its traceback's
    last line.
    """
    try:
        assessment = engine.assess(source)
    except FactError as error:
        return PortfolioRecord(source=source.name, problems=tuple(str(p) for p in error.problems))
    except RealignError as error:
        return PortfolioRecord(source=source.name, problems=(f"{source.name}: error: {error}",))
    except Exception as error:  # recorded, so the batch goes on
        where = traceback.extract_tb(error.__traceback__)[-1]
        return PortfolioRecord(
            source=source.name,
            problems=(
                f"{source.name}: internal error: {error!r} "
                f"(at {where.filename}:{where.lineno}); please report it",
            ),
        )
    return PortfolioRecord(
        source=source.name,
        name=assessment.facts.partnership.partnership.name,
        document=assessment.to_dict() if detail == "full" else summary_document(assessment),
    )


def summary_document(assessment: Assessment) -> dict[str, Any]:
    """The assessment document without evidence, explanations and reasons.

    Its ``schema`` is ``realign/assessment-summary@1``; every key it keeps has the
    full document's meaning. Findings keep rule, title, area and severity; plan
    items keep action, title, priority, rank, horizon and tier; rules not
    evaluable are listed by id.
    """
    return {
        "schema": SUMMARY_SCHEMA,
        "realign_version": __version__,
        **assessment.identity(),
        "findings": [
            {"rule": f.rule, "title": f.title, "area": f.area, "severity": f.severity}
            for f in assessment.findings
        ],
        "not_evaluable": [n.rule for n in assessment.not_evaluable],
        "passed": list(assessment.passed),
        "areas": {name: area.to_dict() for name, area in assessment.areas.items()},
        "overall": assessment.overall.to_dict() if assessment.overall is not None else None,
        "coverage": assessment.coverage.to_dict() if assessment.coverage is not None else None,
        "plan": [
            {
                "action": p.action,
                "title": p.title,
                "priority": p.priority,
                "rank": p.rank,
                "horizon_days": p.horizon_days,
                "tier": p.tier,
            }
            for p in assessment.plan
        ],
    }
