"""Why a rule fired, or why it did not and the smallest change that would make it fire."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from ..assessment import Evidence
from ..enrich.factset import FactSet
from ..rules.values import is_unknown
from .evaluate import Context, evaluate_cond
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


#: a dotted name in a condition: a fact path, or a binding's field such as ``d.latency_days``
_DOTTED = re.compile(r"(?<![\w.\]])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)")


def _derived_read(
    rule: Any, ctx: Context, evidence: tuple[Evidence, ...]
) -> tuple[DerivedUse, ...]:
    """The derived facts the matches read: a name in a condition, at each bound record."""
    derived = ctx.facts.derived
    # Where each binding's matched records live, e.g. d -> decisions[2].
    at: dict[str, set[str]] = {}
    bound = bind(rule, ctx)
    if bound.unknown is None:
        for name, items in zip(bound.names, bound.items, strict=True):
            for item in evidence:
                if name not in item.bindings:
                    continue
                at.setdefault(name, set()).update(
                    item_.path
                    for item_ in items
                    if isinstance(item_, Located) and plain(item_) == item.bindings[name]
                )
    names: set[str] = set()
    for condition in rule.conditions:
        for dotted in _DOTTED.findall(condition.text):
            head, _, rest = dotted.partition(".")
            candidates = [f"{path}.{rest}" for path in at.get(head, ())] or [dotted]
            for candidate in candidates:
                # The longest leading part that is a derived fact: a.b.c may read a.b.
                parts = candidate.split(".")
                for end in range(len(parts), 1, -1):
                    if ".".join(parts[:end]) in derived:
                        names.add(".".join(parts[:end]))
                        break
    return tuple(
        DerivedUse(
            fact=name,
            value=plain(derived[name].value) if derived[name].known else None,
            description=derived[name].description,
            sources=derived[name].sources,
        )
        for name in sorted(names)
    )


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
