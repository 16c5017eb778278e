"""Running test cases against rule sets, and measuring rule coverage."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pluggy

from ..assessment import Assessment
from ..engine import Engine
from ..engine.engine import Backend
from ..errors import FactError, Problem, closest
from ..loading import FactSource, RawFacts, read_raw, structure_partnership
from ..rules.ruleset import RuleSetFile
from .cases import TestCase, TestFile
from .patch import PatchError, append_records, apply_patch, remove_path

__all__ = ["CaseResult", "RuleCoverage", "TestRun", "run_tests"]


@attrs.frozen(kw_only=True)
class CaseResult:
    case: TestCase
    failures: tuple[str, ...] = ()
    #: the case could not run: its facts did not load, or a param was rejected
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.case.name,
            "source": self.case.source,
            "line": self.case.line,
            "status": "pass" if self.passed else ("error" if self.error else "fail"),
            "failures": list(self.failures),
            "error": self.error,
        }


@attrs.frozen(kw_only=True)
class RuleCoverage:
    """The passing cases that checked a rule firing, and those that checked it not firing."""

    rule: str
    fires: tuple[str, ...] = ()
    passes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "fires": list(self.fires), "passes": list(self.passes)}


@attrs.frozen(kw_only=True)
class TestRun:
    """Every case's result, rule coverage, and the problems that stopped cases from running."""

    __test__ = False

    results: tuple[CaseResult, ...]
    coverage: tuple[RuleCoverage, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def coverage_ratio(self, direction: str) -> float:
        """Share of rules that some passing case checked firing (``fires``) or not (``passes``)."""
        if not self.coverage:
            return 1.0
        covered = sum(1 for c in self.coverage if getattr(c, direction))
        return covered / len(self.coverage)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": [r.to_dict() for r in self.results],
            "passed": sum(1 for r in self.results if r.passed),
            "failed": len(self.failed),
            "coverage": {
                "fires": round(self.coverage_ratio("fires"), 4),
                "passes": round(self.coverage_ratio("passes"), 4),
                "rules": [c.to_dict() for c in self.coverage],
            },
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def run_tests(
    rulesets: Sequence[str | Path | RuleSetFile],
    files: Iterable[TestFile],
    *,
    plugin_manager: pluggy.PluginManager | None = None,
    backend: Backend = "durable_rules",
) -> TestRun:
    """Run every case of *files* against the catalog of *rulesets*.

    Raises:
        RuleSetError: the rule sets do not compile.
    """
    base = Engine(rulesets, plugin_manager=plugin_manager, backend=backend)
    engines: dict[str, Engine] = {"{}": base}
    rule_ids = [r.id for r in base.catalog.rules]
    action_ids = list(base.catalog.actions)
    param_names = list(base.catalog.params)
    problems: list[Problem] = []
    results: list[CaseResult] = []
    cases = [case for f in files for case in f.cases]
    runnable = []
    for case in cases:
        unknown = _unknown_names(case, rule_ids, action_ids, param_names)
        problems.extend(unknown)
        if not unknown:
            runnable.append(case)
    for case in runnable:
        key = json.dumps(case.params, sort_keys=True, default=str)
        try:
            if key not in engines:
                engines[key] = Engine(
                    rulesets,
                    plugin_manager=base.plugin_manager,
                    params=case.params,
                    backend=backend,
                )
            engine = engines[key]
            assessment = engine.assess(_partnership(case, engine.plugin_manager))
        except FactError as error:
            lines = [
                str(attrs.evolve(p, source="facts", line=None, column=None)) for p in error.problems
            ]
            results.append(CaseResult(case=case, error="\n".join(lines)))
            continue
        except (PatchError, ValueError) as error:
            results.append(CaseResult(case=case, error=str(error)))
            continue
        results.append(CaseResult(case=case, failures=tuple(_failures(case, assessment, engine))))
    return TestRun(
        results=tuple(results),
        # A disabled rule never runs, so no case can cover it.
        coverage=_coverage([r.id for r in base.rules], results),
        problems=tuple(problems),
    )


def _unknown_names(
    case: TestCase, rule_ids: list[str], action_ids: list[str], param_names: list[str]
) -> list[Problem]:
    out = []
    for name in case.params:
        if name not in param_names:
            guess = closest(name, param_names)
            out.append(
                Problem(
                    source=case.source,
                    line=case.line,
                    path=("params", name),
                    code="unknown-param",
                    message=f"case {case.name!r}: no param {name!r} in the rule sets",
                    hint=f"did you mean {guess!r}?" if guess else None,
                )
            )
    for rule, path in case.rules_named().items():
        if rule not in rule_ids:
            guess = closest(rule, rule_ids)
            out.append(
                Problem(
                    source=case.source,
                    line=case.line,
                    path=path,
                    code="unknown-rule",
                    message=f"case {case.name!r}: no rule {rule!r} in the rule sets",
                    hint=f"did you mean {guess!r}?" if guess else None,
                )
            )
    for key in ("actions", "not_actions"):
        for index, action in enumerate(getattr(case, key)):
            if action not in action_ids:
                guess = closest(action, action_ids)
                out.append(
                    Problem(
                        source=case.source,
                        line=case.line,
                        path=(key, index),
                        code="unknown-action",
                        message=f"case {case.name!r}: no action {action!r} in the rule sets",
                        hint=f"did you mean {guess!r}?" if guess else None,
                    )
                )
    return out


def _partnership(case: TestCase, plugin_manager: pluggy.PluginManager) -> Any:
    if case.facts_path is not None:
        raw = read_raw(FactSource.from_path(case.facts_path), plugin_manager)
        if raw is None:
            msg = f"no loader reads {case.facts_path.name} (expected a .toml or .json fact file)"
            raise PatchError(msg)
        data, fmt = dict(raw.data), raw.format
        where = f"{case.where} (case {case.name!r}, facts from {case.facts_path.name})"
    else:
        data, fmt = dict(case.facts_inline or {}), "toml"
        where = f"{case.where} (case {case.name!r}, inline facts)"
    data = apply_patch(data, {})
    for dotted in case.unset:
        remove_path(data, dotted)
    data = apply_patch(data, case.patch)
    for dotted, records in case.append.items():
        append_records(data, dotted, records)
    return structure_partnership(RawFacts(data=data, format=fmt), source=where).partnership


def _failures(case: TestCase, assessment: Assessment, engine: Engine) -> list[str]:
    fired = {f.rule: f for f in assessment.findings}
    not_evaluable = {n.rule: n.reason for n in assessment.not_evaluable}
    passed = set(assessment.passed)
    out = []

    def state(rule: str) -> str:
        if rule in fired:
            return f"it fired ({fired[rule].severity}): {fired[rule].message}"
        if rule in not_evaluable:
            return f"it was not evaluable: {not_evaluable[rule]}"
        if rule not in passed:
            return "it did not run (disabled or not selected)"
        why = str(engine.explain(rule, assessment.facts)).splitlines()[1:]
        failing = [line.strip() for line in why if line.strip().startswith("fails:")]
        return "it passed" + (f" ({'; '.join(failing)})" if failing else "")

    for rule in case.fires:
        if rule not in fired:
            out.append(f"{rule} should fire, but {state(rule)}")
    for rule in case.passes:
        if rule not in passed:
            out.append(f"{rule} should pass, but {state(rule)}")
    for rule in case.not_evaluable:
        if rule not in not_evaluable:
            out.append(f"{rule} should be not evaluable, but {state(rule)}")
    for rule, severity in case.severity.items():
        if rule in fired and fired[rule].severity != severity:
            out.append(f"{rule} should be {severity}, but it is {fired[rule].severity}")
    for rule, reason in case.reasons.items():
        if rule in not_evaluable and reason.lower() not in not_evaluable[rule].lower():
            out.append(
                f"{rule}'s reason should mention {reason!r}, but it is {not_evaluable[rule]!r}"
            )
    recommended = _recommended(assessment)
    for action in case.actions:
        if action not in recommended:
            out.append(f"{action} should be recommended, but no finding recommends it")
    for action in case.not_actions:
        if action in recommended:
            by = " and ".join(recommended[action])
            out.append(f"{action} should not be recommended, but {by} recommended it")
    return out


def _recommended(assessment: Assessment) -> Mapping[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in assessment.findings:
        for action in finding.actions:
            out.setdefault(action, []).append(finding.rule)
    return out


def _coverage(rule_ids: Sequence[str], results: Sequence[CaseResult]) -> tuple[RuleCoverage, ...]:
    fires: dict[str, list[str]] = {r: [] for r in rule_ids}
    passes: dict[str, list[str]] = {r: [] for r in rule_ids}
    for result in results:
        if not result.passed:
            continue
        for rule in result.case.fires:
            fires[rule].append(result.case.name)
        for rule in result.case.passes:
            passes[rule].append(result.case.name)
    return tuple(
        RuleCoverage(rule=r, fires=tuple(fires[r]), passes=tuple(passes[r])) for r in rule_ids
    )
