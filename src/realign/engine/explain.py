"""Why a rule fired, or why it did not and the smallest change that would make it fire."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from ..assessment import Evidence
from ..enrich.factset import FactSet
from ..rules import ir
from ..rules.values import is_unknown
from .evaluate import Context, evaluate_cond, evaluate_term
from .outcome import bind, python_outcome, requirements
from .reading import Check, Located, Trace, plain

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Change", "DerivedUse", "RuleExplanation", "explain_rule", "smallest_change"]

#: How many combinations of bindings "why not" looks at before giving up.
MAX_COMBINATIONS = 10_000


@attrs.frozen(kw_only=True)
class Change:
    """A failing comparison and the value that would make it hold."""

    condition: str
    left: str
    actual: Any
    op: str
    threshold: Any
    needed: Any
    change: Any
    note: str

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class DerivedUse:
    """A derived fact a fired rule read, and the stated facts it was computed from."""

    fact: str
    value: Any
    description: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "value": self.value,
            "description": self.description,
            "sources": list(self.sources),
        }


@attrs.frozen(kw_only=True)
class RuleExplanation:
    rule: str
    title: str
    status: str  # fired | passed | not_evaluable
    conditions: tuple[str, ...]
    params: dict[str, Any]
    reasons: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    closest: dict[str, Any] | None = None
    failing: tuple[Change, ...] = ()
    #: for a fired rule, the derived facts its matches read, with their provenance
    derived: tuple[DerivedUse, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "status": self.status,
            "conditions": list(self.conditions),
            "params": self.params,
            "reasons": list(self.reasons),
            "evidence": [e.to_dict() for e in self.evidence],
            "closest": self.closest,
            "failing": [c.to_dict() for c in self.failing],
            "derived": [d.to_dict() for d in self.derived],
        }

    def __str__(self) -> str:
        lines = [f"{self.rule} {self.title}: {self.status.replace('_', ' ')}"]
        for condition in self.conditions:
            lines.append(f"  when {condition}")
        if self.status == "fired":
            for item in self.evidence:
                where = ", ".join(f"{k}={_short(v)}" for k, v in item.bindings.items())
                lines.append(f"  matched{' ' + where if where else ''} ({item.severity})")
                for check in item.checks:
                    lines.append(
                        f"    {check.left} = {_short(check.actual)} "
                        f"{check.op} {_short(check.threshold)}"
                    )
            if self.derived:
                lines.append("  derived facts it read, and what they were computed from:")
            for use in self.derived:
                lines.append(f"    {use.fact} = {_short(use.value)}: {use.description}")
                if use.sources:
                    lines.append(f"      from {', '.join(use.sources)}")
        elif self.status == "not_evaluable":
            lines.extend(f"  because {reason}" for reason in self.reasons)
        for change in self.failing:
            lines.append(
                f"  fails: {change.left} = {_short(change.actual)}, "
                f"needs {change.op} {_short(change.threshold)}; {change.note}"
            )
        note = (self.closest or {}).get("note")
        if self.status == "passed" and not self.failing and note:
            # Nothing failed because nothing was there to test, e.g. an empty collection.
            lines.append(f"  why not: {note}")
        return "\n".join(lines)


def _short(value: Any) -> str:
    if isinstance(value, dict) and "id" in value:
        return str(value["id"])
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def explain_rule(engine: Engine, rule_id: str, facts: FactSet) -> RuleExplanation:
    try:
        rule = engine.catalog.rule(rule_id)
    except KeyError:
        from ..errors import closest

        guess = closest(rule_id, [r.id for r in engine.catalog.rules])
        hint = f"; did you mean {guess!r}?" if guess else ""
        msg = f"no rule {rule_id!r}{hint}"
        raise KeyError(msg) from None
    assessment = engine.assess(facts)
    params = {name: plain(engine.catalog.params[name].value) for name in rule.params}
    conditions = tuple(c.text for c in rule.conditions)
    from .engine import maybe_finding

    findings: list[dict[str, Any]] = [f.as_fact() for f in assessment.findings]
    skipped = {n.rule for n in assessment.not_evaluable}
    findings += [maybe_finding(r) for r in engine.catalog.rules if r.id in skipped]
    ctx = Context(assessment.facts, fired=_fired(assessment), findings=findings)
    if rule.id in assessment.fired:
        evidence = assessment.finding(rule.id).evidence
        return RuleExplanation(
            rule=rule.id,
            title=rule.title,
            conditions=conditions,
            params=params,
            status="fired",
            evidence=evidence,
            derived=_derived_read(rule, ctx, evidence),
        )
    outcome = python_outcome(rule, ctx)
    nearest, failing = _closest(rule, ctx)
    return RuleExplanation(
        rule=rule.id,
        title=rule.title,
        conditions=conditions,
        params=params,
        status="not_evaluable" if outcome.status == "not_evaluable" else "passed",
        reasons=outcome.reasons,
        closest=nearest,
        failing=failing,
    )


def _derived_read(
    rule: Any, ctx: Context, evidence: tuple[Evidence, ...]
) -> tuple[DerivedUse, ...]:
    """The derived facts the rule's matches read, found by walking its conditions' IR.

    A binding stands for the records it matched; a comprehension variable for every
    item of its collection. Requirements, conditions, ``severity_if`` conditions and
    the bindings' own collections all count: each was evaluated to decide the finding.
    """
    derived = ctx.facts.derived
    names: set[str] = set()
    terms: list[ir.Term] = [term for _, term in rule.bindings]
    terms += list(rule.conditions)
    terms += [cond for cond, _ in rule.severity_if]
    for env in _matched_envs(rule, ctx, evidence):
        at = {name: {item.path} for name, item in env.items() if isinstance(item, Located)}
        for term in terms:
            _read(term, at, env, ctx, derived, names)
    return tuple(
        DerivedUse(
            fact=name,
            value=plain(derived[name].value) if derived[name].known else None,
            description=derived[name].description,
            sources=derived[name].sources,
        )
        for name in sorted(names)
    )


def _matched_envs(rule: Any, ctx: Context, evidence: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    """The binding environments of the evidence: each binding's matched record, located."""
    bound = bind(rule, ctx)
    if not bound.names:
        return [{}]
    if bound.unknown is not None:
        return []
    envs = []
    for item in evidence:
        env: dict[str, Any] = {}
        for name, items in zip(bound.names, bound.items, strict=True):
            for candidate in items:
                if plain(candidate) == item.bindings.get(name):
                    env[name] = candidate
                    break
        envs.append(env)
    return envs


def _read(
    node: ir.Term,
    at: dict[str, set[str]],
    env: dict[str, Any],
    ctx: Context,
    derived: Any,
    found: set[str],
) -> set[str]:
    """The fact paths *node* denotes, if it is a path; derived ones read go into *found*."""
    paths: set[str] = set()
    match node:
        case ir.Root(name=name):
            paths = {name}
        case ir.Var(name=name):
            paths = set(at.get(name, ()))
        case ir.Get(obj=obj, name=name):
            paths = {f"{p}.{name}" for p in _read(obj, at, env, ctx, derived, found)}
        case ir.At(obj=obj, key=ir.Const(value=key)):
            inner = _read(obj, at, env, ctx, derived, found)
            paths = {f"{p}[{key}]" if isinstance(key, int) else f"{p}.{key}" for p in inner}
        case ir.Aggregate(var=var, source=source, where=where, value=value):
            _read(source, at, env, ctx, derived, found)
            for item in _items(source, env, ctx):
                inner_at = {**at, var: {item.path}} if isinstance(item, Located) else at
                inner_env = {**env, var: item}
                for part in (where, value):
                    if part is not None:
                        _read(part, inner_at, inner_env, ctx, derived, found)
            return set()
        case _:
            for child in ir.children(node):
                _read(child, at, env, ctx, derived, found)
            return set()
    found.update(path for path in paths if path in derived)
    return paths


def _items(source: ir.Term, env: dict[str, Any], ctx: Context) -> list[Any]:
    """The items a comprehension ranges over, located where the facts hold them."""
    if not ir.free_vars(source) <= env.keys():
        return []
    collection = evaluate_term(source, ctx, env)
    if isinstance(collection, Located) and isinstance(collection.value, list | tuple):
        return [Located(item, f"{collection.path}[{i}]") for i, item in enumerate(collection.value)]
    if isinstance(collection, list | tuple):
        return list(collection)
    return []


def _fired(assessment: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(assessment.fired, True)
    out.update(dict.fromkeys(assessment.passed, False))
    return out


def _closest(rule: Any, ctx: Context) -> tuple[dict[str, Any] | None, tuple[Change, ...]]:
    """The combination of bindings that fails the fewest conditions, and what fails there."""
    if requirements(rule, ctx) is not None:
        for cond, _ in rule.requires:
            trace: Trace = []
            if evaluate_cond(cond, ctx, {}, trace) is False:
                return {"bindings": {}, "failed_conditions": [cond.text]}, _changes(trace)
        return None, ()
    bound = bind(rule, ctx)
    if bound.unknown is not None:
        return None, ()
    best: tuple[tuple[int, float], dict[str, Any], list[str], Trace] | None = None
    combos = itertools.islice(
        itertools.product(*(range(len(items)) for items in bound.items)), MAX_COMBINATIONS
    )
    for combo in combos:
        env = bound.env(combo)
        failed: list[str] = []
        failing_trace: Trace = []
        for cond in rule.when:
            trace = []
            if evaluate_cond(cond, ctx, env, trace) is False:
                failed.append(cond.text)
                failing_trace.extend(trace)
        # Fewest failing conditions first, then the smallest total change.
        distance = sum(
            abs(c.change)
            for c in _changes(failing_trace)
            if isinstance(c.change, int | float) and not isinstance(c.change, bool)
        )
        score = (len(failed), distance)
        if best is None or score < best[0]:
            best = (score, env, failed, failing_trace)
    if best is None:
        return {
            "bindings": {},
            "failed_conditions": [],
            "note": "nothing to bind: the collection is empty",
        }, ()
    _, env, failed, trace = best
    return {
        "bindings": {k: plain(v) for k, v in env.items()},
        "failed_conditions": failed,
    }, _changes(trace)


def _changes(trace: Trace) -> tuple[Change, ...]:
    return tuple(
        change
        for check in trace
        if check.result is False and (change := smallest_change(check)) is not None
    )


def smallest_change(check: Check) -> Change | None:
    """The value the left side of *check* would need for the comparison to hold."""
    actual, threshold, op = plain(check.actual), plain(check.threshold), check.op
    needed: Any = None
    change: Any = None
    note = ""
    if actual is None or is_unknown(actual):
        note = "it has no value; it needs one"
    elif op == "is":
        needed = threshold
        note = f"it would need to be {_short(threshold)}"
    elif op in ("in", "not in"):
        note = f"it would need to be {'one' if op == 'in' else 'none'} of {_short(threshold)}"
    elif _number(actual) and _number(threshold):
        # Only whole-number values (counts, days) step by one; a 4.0 on a 1-5 scale may be 2.9.
        whole = isinstance(actual, int) and float(threshold).is_integer()
        step = 1 if whole else 0
        needed = {
            ">": threshold + step,
            ">=": threshold,
            "<": threshold - step,
            "<=": threshold,
            "==": threshold,
        }.get(op)
        if needed is None:
            note = f"any value other than {threshold}"
        else:
            change = _round(needed - actual)
            if op in ("<", ">") and not whole:
                # On a continuous scale the boundary itself is not enough; say so.
                where = "just above" if op == ">" else "just below"
                note = f"{where} {threshold} (it is {actual:g}): a change past {change:+g}"
            else:
                note = f"it would need to be {needed}, a change of {change:+g}"
    elif (
        isinstance(actual, str)
        and isinstance(threshold, str)
        and _iso_date(actual)
        and _iso_date(threshold)
    ):
        a, t = date.fromisoformat(actual), date.fromisoformat(threshold)
        target = {
            ">": t + timedelta(days=1),
            ">=": t,
            "<": t - timedelta(days=1),
            "<=": t,
            "==": t,
        }.get(op)
        if target is not None:
            needed = target.isoformat()
            change = (target - a).days
            note = f"{needed}: {change:+d} days"
    elif op == "==":
        needed = threshold
        note = f"it would need to be {_short(threshold)}"
    else:
        note = f"it would need to be {op} {_short(threshold)}"
    return Change(
        condition=check.text,
        left=check.left,
        actual=actual,
        op=op,
        threshold=threshold,
        needed=needed,
        change=change,
        note=note,
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _round(value: float) -> float | int:
    rounded = round(value, 6)
    return int(rounded) if float(rounded).is_integer() else rounded


def _iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
