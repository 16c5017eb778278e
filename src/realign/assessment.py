"""The result of one assessment, and its JSON form (``realign/assessment@1``).

The JSON contract is documented in ``docs/assessment.md`` and published as a
JSON Schema (``realign schema assessment``). Everything in it is sorted, so
the same facts and rule sets give byte-identical output.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from ._builders import positional
from ._version import __version__
from .enrich.factset import FactSet
from .rules.types import SEVERITIES
from .scoring import AreaScore, Coverage, OverallScore, PlanItem

__all__ = [
    "SCHEMA_ID",
    "Assessment",
    "Check",
    "Evidence",
    "Finding",
    "NotEvaluable",
    "severity_rank",
]

SCHEMA_ID = "realign/assessment@1"


def severity_rank(severity: str) -> int:
    """0 for info up to 4 for critical."""
    return SEVERITIES.index(severity)


@attrs.frozen(kw_only=True)
class Check:
    """One comparison behind a finding: the actual value against its threshold."""

    condition: str
    left: str
    op: str
    actual: Any
    right: str
    threshold: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "left": self.left,
            "actual": self.actual,
            "op": self.op,
            "right": self.right,
            "threshold": self.threshold,
        }


@attrs.frozen(kw_only=True)
class Evidence:
    """One combination of facts that satisfies a rule, and the values that made it so."""

    bindings: Mapping[str, Any]
    severity: str
    checks: tuple[Check, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "bindings": dict(self.bindings),
            "severity": self.severity,
            "checks": [c.to_dict() for c in self.checks],
        }


@attrs.frozen(kw_only=True)
class Finding:
    rule: str
    title: str
    area: str
    severity: str
    message: str
    evidence: tuple[Evidence, ...]
    actions: tuple[str, ...]
    conditions: tuple[str, ...]
    params: Mapping[str, Any]
    rationale: str = ""
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def as_fact(self) -> dict[str, Any]:
        """The finding as later rules see it in ``findings``."""
        return {
            "rule": self.rule,
            "title": self.title,
            "area": self.area,
            "severity": self.severity,
            "matches": len(self.evidence),
            "tags": list(self.tags),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "area": self.area,
            "severity": self.severity,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "actions": list(self.actions),
            "explanation": {
                "conditions": list(self.conditions),
                "params": dict(self.params),
                "rationale": self.rationale,
                "sources": list(self.sources),
            },
        }


#: Check(condition, left, op, actual, right, threshold), positionally
new_check = positional(Check, ("condition", "left", "op", "actual", "right", "threshold"))
#: Evidence(bindings, severity, checks), positionally
new_evidence = positional(Evidence, ("bindings", "severity", "checks"))
#: Finding's fields in order, every one given
new_finding = positional(
    Finding,
    (
        "rule",
        "title",
        "area",
        "severity",
        "message",
        "evidence",
        "actions",
        "conditions",
        "params",
        "rationale",
        "sources",
        "tags",
    ),
)


@attrs.frozen
class NotEvaluable:
    rule: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "reason": self.reason}


@attrs.frozen(kw_only=True)
class Assessment:
    """Findings, rules not evaluable, rules passed, scores, the plan and diagnostics.

    ``areas``, ``overall``, ``plan`` and ``coverage`` come from scoring (DOMAIN §4).
    """

    facts: FactSet = attrs.field(eq=False, repr=False)
    findings: tuple[Finding, ...]
    not_evaluable: tuple[NotEvaluable, ...]
    passed: tuple[str, ...]
    diagnostics: tuple[str, ...] = ()
    areas: Mapping[str, AreaScore] = attrs.field(factory=dict)
    overall: OverallScore | None = None
    plan: tuple[PlanItem, ...] = ()
    coverage: Coverage | None = None
    #: the rule sets that ran, as (id, version), and the scoring model's catalog version
    rulesets: tuple[tuple[str, str], ...] = ()
    catalog_version: str | None = None

    @property
    def fired(self) -> tuple[str, ...]:
        return tuple(sorted(f.rule for f in self.findings))

    def finding(self, rule: str) -> Finding:
        for finding in self.findings:
            if finding.rule == rule:
                return finding
        raise KeyError(rule)

    def identity(self) -> dict[str, Any]:
        """Which assessment this is, and which catalog judged it: shared by its documents."""
        header = self.facts.partnership.assessment
        return {
            "assessment": {
                "id": header.id,
                "partnership_id": header.partnership_id,
                "as_of": header.as_of.isoformat(),
                "period": header.period,
            },
            "catalog": {
                "version": self.catalog_version,
                "rulesets": [{"id": i, "version": v} for i, v in self.rulesets],
            },
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_ID,
            "realign_version": __version__,
            **self.identity(),
            "findings": [f.to_dict() for f in self.findings],
            "not_evaluable": [n.to_dict() for n in self.not_evaluable],
            "passed": list(self.passed),
            "areas": {name: area.to_dict() for name, area in self.areas.items()},
            "overall": self.overall.to_dict() if self.overall is not None else None,
            "coverage": self.coverage.to_dict() if self.coverage is not None else None,
            "plan": [p.to_dict() for p in self.plan],
            "diagnostics": list(self.diagnostics),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return _dumps(self.to_dict(), indent) + "\n"


def _dumps(value: Any, indent: int | None) -> str:
    """``json.dumps(value, indent=indent, ensure_ascii=False, allow_nan=False)``, faster.

    json indents with its pure Python encoder, which is most of the cost of writing an
    assessment; this writer produces the same text for the JSON types an assessment holds,
    and leaves anything else (and every error) to json itself.
    """
    if indent is not None and not isinstance(indent, bool) and isinstance(indent, int):
        out: list[str] = []
        try:
            _write(value, out, "\n", " " * indent)
        except (_Unusual, RecursionError):
            pass
        else:
            return "".join(out)
    return json.dumps(value, indent=indent, ensure_ascii=False, allow_nan=False)


class _Unusual(Exception):
    """A value _write leaves to json: another type, a non-string key, a float out of range."""


_encode_str = json.encoder.encode_basestring
_int_repr = int.__repr__
_float_repr = float.__repr__
_INFINITY = float("inf")


def _write(value: Any, out: list[str], newline: str, step: str) -> None:
    """Appends *value* as json's indented text; *newline* is a line break and its indent."""
    # The checks run in json's own order, so a subclass is written as json writes it.
    if isinstance(value, str):
        out.append(_encode_str(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(_int_repr(value))
    elif isinstance(value, float):
        if value != value or value == _INFINITY or value == -_INFINITY:
            raise _Unusual
        out.append(_float_repr(value))
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + step
        out.append("[" + inner)
        first = True
        for item in value:
            if first:
                first = False
            else:
                out.append("," + inner)
            if isinstance(item, str):
                out.append(_encode_str(item))
            else:
                _write(item, out, inner, step)
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + step
        out.append("{" + inner)
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unusual
            if first:
                first = False
            else:
                out.append("," + inner)
            out.append(_encode_str(key))
            out.append(": ")
            if isinstance(item, str):
                out.append(_encode_str(item))
            else:
                _write(item, out, inner, step)
        out.append(newline + "}")
    else:
        raise _Unusual
