"""The engine: compiled rule sets, and assessments of partnerships against them.

Build an :class:`Engine` once and reuse it; compiling and registering the
rule sets is the expensive part, and durable_rules never frees a ruleset.

Threads: one engine may be shared by threads. Assessments on the
durable_rules backend are serialised by a lock (durable_rules holds the GIL
in C, so threads would not run them in parallel anyway); the Python backend
shares only immutable state. For throughput, use processes, each with its
own engine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
import pluggy

from ..assessment import (
    Assessment,
    Check,
    Finding,
    NotEvaluable,
    new_check,
    new_evidence,
    new_finding,
    severity_rank,
)
from ..engine_spec import EngineSpec
from ..enrich import enrich
from ..enrich.factset import DerivedFact, FactSet
from ..errors import FactError, Problem, RealignError, closest
from ..isolation import each_result, failures_of, listed_result, plugin_failed
from ..loading import FactSource, load_partnership
from ..model import Partnership
from ..plugins import get_plugin_manager
from ..rules.catalog import Catalog, CompiledRule, compile_catalog
from ..rules.functions import Function
from ..rules.ruleset import AREAS, RuleSetFile, load_ruleset_file
from ..rules.types import Vocabulary
from ..rules.values import Unknown, is_unknown
from ..scoring import layout_of, score
from ..trend import Trend, build_trend
from .evaluate import Context, Program, evaluate_cond, evaluate_term
from .explain import RuleExplanation, explain_rule
from .outcome import (
    Bound,
    Candidates,
    RuleOutcome,
    conclude,
    fired_map,
    new_outcome,
    prefilter,
    when_parts,
)
from .reading import MAYBE, Located, Trace, plain

__all__ = ["Backend", "Engine", "RuleSetError", "SelectionError"]

Backend = Literal["durable_rules", "python"]
#: durable_rules matches at most 16 patterns per rule (one per binding, combination, context).
MAX_PATTERNS = 16
#: Fact kinds per durable_rules ruleset. It hangs at about 512 sibling tests on one
#: field, and long before that every fact pays for testing its kind against every
#: pattern: with the standard catalog, 12 kinds per ruleset took about 1.5% fewer
#: instructions per assessment than one ruleset (25: 1.2%, 8: 1.0%, 4: none), since
#: a ruleset none of whose rules is a candidate is not asserted into at all.
MAX_KINDS_PER_RULESET = 12
#: What an engine can assess: a fact file, a parsed source, a partnership or its fact set.
Source = Partnership | FactSet | FactSource | str | Path
_PROBES = Path(__file__).resolve().parent.parent / "rules" / "probes"


class RuleSetError(RealignError, ValueError):
    """Rule sets could not be compiled; :attr:`problems` lists every error and warning."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        count = len(errors)
        super().__init__(
            f"{count} error{'s' if count != 1 else ''} in rule sets\n"
            + "\n".join(str(p) for p in errors)
        )


def functions_of(plugin_manager: pluggy.PluginManager) -> dict[str, Function]:
    """Every condition-language function the plugins provide, by name.

    A plugin whose hook raises, returns something other than functions, or names
    a function another plugin already provides is reported, and that part of
    what it provides is left out.
    """
    out: dict[str, Function] = {}
    origin: dict[str, str] = {}
    results = each_result(plugin_manager, "realign_condition_functions", registration_order=True)
    for plugin, result in results:
        for function in listed_result(
            plugin_manager, plugin, "realign_condition_functions", result
        ):
            if not isinstance(function, Function):
                plugin_failed(
                    plugin_manager,
                    plugin,
                    f"realign_condition_functions returned {type(function).__name__}, not Function",
                )
            elif function.name in out:
                plugin_failed(
                    plugin_manager,
                    plugin,
                    f"function {function.name!r} is also provided by {origin[function.name]!r}",
                )
            else:
                out[function.name] = function
                origin[function.name] = plugin
    return dict(sorted(out.items()))


def vocabulary_of(plugin_manager: pluggy.PluginManager) -> Vocabulary:
    """The fact vocabulary: the model's fields, and the derived facts the enrichers produce.

    Derived facts are found by enriching the bundled probe partnerships, so a
    plugin's enricher contributes its names without declaring them twice.
    """
    vocabulary = Vocabulary()
    for probe in sorted(_PROBES.glob("*.toml")):
        loaded = load_partnership(probe, plugin_manager=plugin_manager)
        facts = enrich(loaded.partnership, plugin_manager)
        for name, fact in facts.derived.items():
            vocabulary.add_derived(name, fact.value if fact.known else None)
    return vocabulary


def action_catalogs_of(plugin_manager: pluggy.PluginManager) -> list[RuleSetFile]:
    """The action catalogs the plugins provide, read; one that defines rules is left out."""
    out: list[RuleSetFile] = []
    for plugin, result in each_result(plugin_manager, "realign_action_catalogs"):
        for path in listed_result(plugin_manager, plugin, "realign_action_catalogs", result):
            if not isinstance(path, str | Path):
                msg = f"realign_action_catalogs returned {type(path).__name__}, not a path"
                plugin_failed(plugin_manager, plugin, msg)
                continue
            file = load_ruleset_file(path)
            if file.rules:
                msg = (
                    f"action catalog {path} defines rules ({file.rules[0].id}, ...); "
                    "rules belong in a rule set (realign_rulesets)"
                )
                plugin_failed(plugin_manager, plugin, msg)
                continue
            out.append(file)
    return sorted(out, key=lambda file: file.source)


def ruleset_paths_of(plugin_manager: pluggy.PluginManager) -> list[Path]:
    out: list[Path] = []
    for plugin, result in each_result(plugin_manager, "realign_rulesets"):
        for path in listed_result(plugin_manager, plugin, "realign_rulesets", result):
            if isinstance(path, str | Path):
                out.append(Path(path))
            else:
                msg = f"realign_rulesets returned {type(path).__name__}, not a path"
                plugin_failed(plugin_manager, plugin, msg)
    return sorted(out)


class Engine:
    """Rule sets compiled once, ready to assess any number of partnerships.

    Args:
        rulesets: rule-set files (paths, or :class:`RuleSetFile` already read).
        plugin_manager: the plugins to use; defaults to the built-ins and every
            installed plugin.
        params: param overrides by name, e.g. ``{"gap_threshold": 1.5}``; values
            may be given as text (as on the command line).
        backend: ``"durable_rules"`` (the Rete matcher) or ``"python"`` (the
            Python evaluator alone, for platforms durable_rules cannot run on).
            Both give the same assessment, byte for byte.

        select: rule ids or id prefixes to run (``"GOV"``, ``"CUL-0"``); all when empty.
        ignore: rule ids or id prefixes not to run. A rule that reads the finding
            of a rule left out is not evaluable, with that reason.

    Raises:
        RuleSetError: a rule set has errors; every problem is listed.
        SelectionError: a select or ignore pattern matches no rule.
    """

    def __init__(
        self,
        rulesets: Iterable[str | Path | RuleSetFile] = (),
        *,
        plugin_manager: pluggy.PluginManager | None = None,
        params: Mapping[str, Any] | None = None,
        backend: Backend = "durable_rules",
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
    ) -> None:
        if backend not in ("durable_rules", "python"):
            msg = f"backend must be 'durable_rules' or 'python', not {backend!r}"
            raise ValueError(msg)
        self.plugin_manager = plugin_manager if plugin_manager is not None else get_plugin_manager()
        self.backend: Backend = backend
        rulesets = list(rulesets)
        #: how to build this engine again in another process (see :meth:`EngineSpec.build`)
        self.spec = EngineSpec.of(
            rulesets=rulesets,
            default_rules=False,
            params=params,
            backend=backend,
            select=select,
            ignore=ignore,
            plugins=getattr(self.plugin_manager, "recipe", None),
        )
        files = [r if isinstance(r, RuleSetFile) else load_ruleset_file(r) for r in rulesets]
        self.catalog: Catalog = compile_catalog(
            files,
            vocabulary=vocabulary_of(self.plugin_manager),
            functions=functions_of(self.plugin_manager),
            params=params,
        )
        if self.catalog.errors:
            raise RuleSetError(self.catalog.problems)
        chosen = _chosen(self.catalog, tuple(select), tuple(ignore))
        #: part of the catalog was chosen, so scores are not comparable with history
        self._selected = bool(tuple(select) or tuple(ignore))
        self.rules: tuple[CompiledRule, ...] = tuple(
            r for r in self.catalog.rules if r.enabled and r.id in chosen
        )
        strata: dict[int, list[CompiledRule]] = {}
        for rule in self.rules:
            strata.setdefault(rule.stratum, []).append(rule)
        self._strata: list[tuple[int, tuple[CompiledRule, ...]]] = [
            (level, tuple(rules)) for level, rules in sorted(strata.items())
        ]
        # Every expression compiled now: the first assessment costs no more than the rest.
        self._program = Program()
        for term in _terms_of(self.rules):
            self._program.term(term)
        self._areas = {rule.id: rule.area for rule in self.rules}
        # What scoring reads of the rules and the model, the same for every assessment.
        self._score_layout = layout_of(self._areas, self.catalog.scoring)
        # Plugins that failed before the first assessment (to import, to provide rule
        # sets, functions or the probes' derived facts) are left out of every one.
        self._setup_failures = len(failures_of(self.plugin_manager))
        # Which bindings each condition reads, worked out once rather than per assessment.
        self._when = {rule.id: when_parts(rule) for rule in self.rules}
        self._reports = {
            rule.id: _ReportParts.of(rule, self.catalog, self._program) for rule in self.rules
        }
        running = {rule.id for rule in self.rules}
        #: what fired() answers for rules that do not run: nobody knows
        self._not_run: dict[str, bool | Unknown] = {
            rule.id: Unknown(frozenset({f"{rule.id} was not run (disabled or not selected)"}))
            for rule in self.catalog.rules
            if rule.id not in running
        }
        # ...and in `findings`, a finding that may or may not exist.
        self._not_run_findings = tuple(
            maybe_finding(rule, f"{rule.id} was not run (disabled or not selected)")
            for rule in self.catalog.rules
            if rule.id not in running
        )
        self._matches: dict[str, Any] = {}
        self._matchers: list[Any] = []
        self._chunk_of: dict[str, int] = {}
        if backend == "durable_rules":
            self._compile_matcher()

    @classmethod
    def default(
        cls,
        *,
        plugin_manager: pluggy.PluginManager | None = None,
        params: Mapping[str, Any] | None = None,
        backend: Backend = "durable_rules",
        extra: Iterable[str | Path | RuleSetFile] = (),
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
    ) -> Engine:
        """The rule sets every installed plugin provides (the standard catalog among them)."""
        pm = plugin_manager if plugin_manager is not None else get_plugin_manager()
        extra = list(extra)
        engine = cls(
            [*ruleset_paths_of(pm), *action_catalogs_of(pm), *extra],
            plugin_manager=pm,
            params=params,
            backend=backend,
            select=select,
            ignore=ignore,
        )
        # A worker builds it the same way: its own installed rule sets, then these.
        engine.spec = attrs.evolve(
            engine.spec, rulesets=EngineSpec.of(rulesets=extra).rulesets, default_rules=True
        )
        return engine

    def _compile_matcher(self) -> None:
        from .durable import DurableMatcher
        from .durable_text import MAX_FIELDS
        from .match_compile import compile_rule

        chunks: list[dict[str, Any]] = [{}]
        kinds = 0
        too_wide = []
        for index, rule in enumerate(self.rules):
            compiled = compile_rule(rule, f"r{index}")
            widest = max(
                (sum(1 for slot in compiled.slots if slot.owner == o) for o in compiled.owners),
                default=0,
            )
            if widest > MAX_FIELDS - 8:
                too_wide.append(
                    Problem(
                        source=rule.source,
                        line=rule.line,
                        code="too-many-values",
                        message=f"rule {rule.id} reads {widest} values from one fact; "
                        f"durable_rules holds at most {MAX_FIELDS} fields per fact",
                        hint="split the rule, or use backend='python'",
                    )
                )
                continue
            if len(compiled.owners) > MAX_PATTERNS:
                too_wide.append(
                    Problem(
                        source=rule.source,
                        line=rule.line,
                        code="too-many-bindings",
                        message=f"rule {rule.id} needs {len(compiled.owners)} fact patterns; "
                        f"durable_rules matches at most {MAX_PATTERNS}",
                        hint="bind fewer collections, or use backend='python'",
                    )
                )
                continue
            if chunks[-1] and kinds + len(compiled.owners) > MAX_KINDS_PER_RULESET:
                # durable_rules hangs with about 512 sibling tests on one field; every
                # pattern tests the fact kind first, so cap the kinds per ruleset.
                chunks.append({})
                kinds = 0
            kinds += len(compiled.owners)
            self._matches[rule.id] = compiled
            self._chunk_of[rule.id] = len(chunks) - 1
            chunks[-1][compiled.name] = compiled.definition
        if too_wide:
            raise RuleSetError(too_wide)
        self._matchers = [DurableMatcher(chunk) for chunk in chunks]
        self._by_name = {m.name: m for m in self._matches.values()}

    # -- facts ------------------------------------------------------------------------

    def facts(self, source: Source) -> FactSet:
        """Load (if given a path) and enrich a partnership with this engine's plugins."""
        if isinstance(source, FactSet):
            return source
        if isinstance(source, Partnership):
            return enrich(source, self.plugin_manager)
        loaded = load_partnership(source, plugin_manager=self.plugin_manager)
        return enrich(loaded.partnership, self.plugin_manager)

    # -- assessment -------------------------------------------------------------------

    def assess(self, source: Source, *, timings: dict[str, float] | None = None) -> Assessment:
        """Assess one partnership: a path to a fact file, a Partnership, or a FactSet.

        Args:
            timings: if given, seconds spent are added to it under ``load``
                (loading and enriching), ``match``, ``explain`` (findings with their
                evidence and messages) and ``score``; for benchmarks and profiling.

        Raises:
            FactError: the fact file is invalid (every problem is listed).
        """
        clock = _Clock(timings)
        # Plugin failures from here on are this assessment's (loading it, enriching it).
        mark = len(failures_of(self.plugin_manager))
        facts = self.facts(source)
        clock.lap("load")
        hook = self.plugin_manager.hook
        # Observers are looked for once per assessment; with none, nothing is called.
        on_finding = bool(hook.realign_finding_raised.get_hookimpls())
        self._notify("realign_assessment_started", facts=facts)
        diagnostics: list[str] = []
        outcomes: dict[str, RuleOutcome] = {}
        findings: list[Finding] = []
        # A rule that does not run may or may not have a finding, as fired() says.
        finding_facts: list[dict[str, Any]] = list(self._not_run_findings)
        sessions = [m.session() for m in self._matchers]
        for session in sessions:
            session.__enter__()
        try:
            for _, rules in self._strata:
                ctx = Context(
                    facts,
                    fired={**self._not_run, **fired_map(outcomes)},
                    # A snapshot: rules of one stratum do not see each other's findings,
                    # however late (explanations, messages) a value is first computed.
                    findings=tuple(finding_facts),
                    program=self._program,
                )
                # The items of the rules that reach combinations, filled in by matching:
                # a rule decided by its requirements never binds its collections.
                bounds: dict[str, Bound] = {}
                if sessions:
                    decided = self._match(sessions, rules, bounds, ctx, diagnostics)
                else:
                    decided = self._evaluate(rules, bounds, ctx)
                clock.lap("match")
                emitted: list[DerivedFact] = []
                for rule in rules:
                    outcome = decided[rule.id]
                    outcomes[rule.id] = outcome
                    if outcome.status == "fired":
                        finding = self._finding(rule, outcome, bounds[rule.id], ctx)
                        findings.append(finding)
                        if on_finding:
                            self._notify("realign_finding_raised", finding=finding, facts=facts)
                        finding_facts.append(finding.as_fact())
                    elif outcome.status == "not_evaluable":
                        finding_facts.append(maybe_finding(rule))
                    if rule.emit:
                        emitted.extend(self._emit(rule, outcome, bounds.get(rule.id), ctx))
                if emitted:
                    derived = {**facts.derived, **{d.name: d for d in emitted}}
                    facts = attrs.evolve(facts, derived=dict(sorted(derived.items())))
                clock.lap("explain")
        finally:
            for session in reversed(sessions):
                session.__exit__(None, None, None)
        clock.lap("match")  # closing the sessions is the matcher's work
        findings.sort(key=_finding_order)
        not_evaluable = sorted(
            (
                NotEvaluable(o.rule, "; ".join(o.reasons))
                for o in outcomes.values()
                if o.status == "not_evaluable"
            ),
            key=lambda n: n.rule,
        )
        passed = sorted(o.rule for o in outcomes.values() if o.status == "passed")
        partnership = facts.partnership
        model = self.catalog.scoring
        scores = score(
            compare_history=not self._selected,
            findings=findings,
            not_evaluable=not_evaluable,
            passed=passed,
            rule_areas=self._areas,
            actions=self.catalog.actions,
            model=model,
            history=partnership.history,
            period=partnership.assessment.period,
            layout=self._score_layout,
        )
        diagnostics.extend(scores.diagnostics)
        clock.lap("score")
        stated = partnership.assessment.catalog_version
        if (
            stated is not None
            and model.catalog_version is not None
            and stated != model.catalog_version
        ):
            diagnostics.append(
                f"the fact file names catalog version {stated}, "
                f"but the rule sets are catalog version {model.catalog_version}"
            )
        assessment = Assessment(
            facts=facts,
            findings=tuple(findings),
            not_evaluable=tuple(not_evaluable),
            passed=tuple(passed),
            diagnostics=tuple(sorted(set(diagnostics))),
            areas=scores.areas,
            overall=scores.overall,
            plan=scores.plan,
            coverage=scores.coverage,
            rulesets=tuple((h.id, h.version) for h in self.catalog.rulesets),
            catalog_version=model.catalog_version,
        )
        self._notify("realign_assessment_finished", assessment=assessment)
        failures = failures_of(self.plugin_manager)
        failed = [str(f) for f in (*failures[: self._setup_failures], *failures[mark:])]
        if failed:
            # Plugin failures of this assessment, the observers' of its end included.
            every = sorted({*assessment.diagnostics, *failed})
            assessment = attrs.evolve(assessment, diagnostics=tuple(every))
        return assessment

    def _notify(self, hook: str, **kwargs: Any) -> None:
        """Tell the observers of *hook*; one that raises is reported and the rest go on."""
        if getattr(self.plugin_manager.hook, hook).get_hookimpls():
            for _ in each_result(self.plugin_manager, hook, **kwargs):
                pass

    def _evaluate(
        self, rules: Sequence[CompiledRule], bounds: dict[str, Bound], ctx: Context
    ) -> dict[str, RuleOutcome]:
        """Each rule's outcome on the Python evaluator alone."""
        out: dict[str, RuleOutcome] = {}
        for rule in rules:
            stage = prefilter(rule, ctx, self._when[rule.id])
            if isinstance(stage, Candidates):
                bounds[rule.id] = stage.bound
                stage = conclude(rule, ctx, stage)
            out[rule.id] = stage
        return out

    def _match(
        self,
        sessions: Sequence[Any],
        rules: Sequence[CompiledRule],
        bounds: dict[str, Bound],
        ctx: Context,
        diagnostics: list[str],
    ) -> dict[str, RuleOutcome]:
        facts: list[list[dict[str, Any]]] = [[] for _ in sessions]
        uncertain: set[str] = set()
        out: dict[str, RuleOutcome] = {}
        candidates: dict[str, Candidates] = {}
        for rule in rules:
            stage = prefilter(rule, ctx, self._when[rule.id])
            if isinstance(stage, RuleOutcome):
                # Decided before any combination: a requirement failed, a rule-wide
                # condition is false, or a binding has no item left. No fact could
                # make it fire, so it never reaches the matcher.
                out[rule.id] = stage
                continue
            candidates[rule.id] = stage
            bounds[rule.id] = stage.bound
            built, saw_unknown = self._matches[rule.id].facts(ctx, stage.bound, stage.indices())
            facts[self._chunk_of[rule.id]].extend(built)
            if saw_unknown:
                uncertain.add(rule.id)
        firings = [
            f
            for session, batch in zip(sessions, facts, strict=True)
            # No fact, no new match: an empty round would only assert its sentinel.
            if batch
            for f in session.run(batch)
        ]
        combos: dict[str, set[tuple[int, ...]]] = {}
        for name, message in firings:
            compiled = self._by_name[name]
            combo = tuple(int(message[alias][field]) for alias, field in compiled.index_fields)
            combos.setdefault(compiled.rule.id, set()).add(combo)
        for rule in rules:
            if rule.id in out:
                continue
            if rule.id in combos:
                out[rule.id] = new_outcome(rule.id, "fired", tuple(sorted(combos[rule.id])), ())
                continue
            if rule.id not in uncertain:
                # Nothing it read was unknown and its requirements held, so not
                # firing means false: it passed.
                out[rule.id] = new_outcome(rule.id, "passed", (), ())
                continue
            outcome = conclude(rule, ctx, candidates[rule.id])
            if outcome.status == "fired":
                diagnostics.append(
                    f"internal: durable_rules and the Python evaluator disagree on {rule.id}; "
                    "please report it"
                )
                outcome = new_outcome(rule.id, "passed", (), ())
            out[rule.id] = outcome
        return out

    # -- findings ---------------------------------------------------------------------

    def _finding(
        self, rule: CompiledRule, outcome: RuleOutcome, bound: Bound, ctx: Context
    ) -> Finding:
        parts = self._reports[rule.id]
        rows = _arranged(outcome.matches, bound)
        count = len(rows)
        actions_if = rule.actions_if
        actions = list(rule.actions) if actions_if else rule.actions
        traced_all = parts.traced
        fixed = rule.severity
        graded = bool(rule.severity_if)
        severity = fixed
        rank = -1
        evidence = []
        # The checks of conditions that read no binding repeat in every piece of
        # evidence; each is written out once. The traces stay alive meanwhile, so
        # no check's id can be taken by another.
        traces: list[Trace] = []
        written: dict[int, Check] = {}
        for env, values in rows:
            for cond, named in actions_if:
                if evaluate_cond(cond, ctx, {**env, "matches": count}) is True:
                    actions.extend(a for a in named if a not in actions)  # type: ignore[union-attr]
            trace: Trace = []
            traces.append(trace)
            for traced in traced_all:
                traced(ctx, env, trace)
            checks = []
            for check in trace:
                if check.result is True:
                    out = written.get(id(check))
                    if out is None:
                        out = written[id(check)] = _check(check)
                    checks.append(out)
            if values is None:
                bindings = {}
                for name, value in env.items():
                    bindings[name] = plain(value)
            else:  # worked out already to order the evidence
                bindings = dict(zip(bound.names, values, strict=True))
            if graded:
                grade = self._severity(rule, ctx, env, count)
                # The first of the most severe, as max() would pick it.
                graded_rank = severity_rank(grade)
                if graded_rank > rank:
                    severity, rank = grade, graded_rank
            else:
                grade = fixed
            evidence.append(new_evidence(bindings, grade, tuple(checks)))
        return new_finding(
            rule.id,
            rule.title,
            rule.area,
            severity,
            self._message(rule, ctx, rows[0][0] if rows else {}),
            tuple(evidence),
            # An info finding is noted only; it recommends nothing (DOMAIN §4.6).
            () if severity == "info" else tuple(actions),
            parts.texts,
            dict(parts.params),
            rule.rationale,
            rule.sources,
            rule.tags,
        )

    def _severity(
        self, rule: CompiledRule, ctx: Context, env: Mapping[str, Any], matches: int
    ) -> str:
        if not rule.severity_if:
            return rule.severity
        scope = {**env, "matches": matches}
        for cond, severity in rule.severity_if:
            if evaluate_cond(cond, ctx, scope) is True:
                return severity
        return rule.severity

    def _message(self, rule: CompiledRule, ctx: Context, env: Mapping[str, Any]) -> str:
        # evaluate_term, without its call: a finding's message is built on every assessment
        term = ctx.program.term
        parts = []
        for part in rule.message:
            if isinstance(part, str):
                parts.append(part)
            else:
                parts.append(_format(term(part)(ctx, env)))
        return "".join(parts)

    def _emit(
        self, rule: CompiledRule, outcome: RuleOutcome, bound: Bound | None, ctx: Context
    ) -> list[DerivedFact]:
        out = []
        for name, term in rule.emit:
            description = f"emitted by rule {rule.id}"
            if outcome.status == "fired":
                assert bound is not None  # a rule fires only after binding its collections
                value = evaluate_term(term, ctx, bound.env(ordered(outcome.matches, bound)[0]))
                if is_unknown(value):
                    out.append(
                        DerivedFact(
                            name=name,
                            description=description,
                            unknown=value.describe(),
                            sources=(f"rule {rule.id}",),
                        )
                    )
                else:
                    out.append(
                        DerivedFact(
                            name=name,
                            value=plain(value),
                            description=description,
                            sources=(f"rule {rule.id}",),
                        )
                    )
            elif outcome.status == "passed":
                out.append(
                    DerivedFact(
                        name=name, value=None, description=description, sources=(f"rule {rule.id}",)
                    )
                )
            else:
                out.append(
                    DerivedFact(
                        name=name,
                        description=description,
                        unknown=f"rule {rule.id} is not evaluable",
                        sources=(f"rule {rule.id}",),
                    )
                )
        return out

    # -- explanations -----------------------------------------------------------------

    def explain(self, rule_id: str, source: Source) -> RuleExplanation:
        """Why *rule_id* fired on the partnership, or why not and what would make it fire."""
        return explain_rule(self, rule_id, self.facts(source))

    # -- trends -----------------------------------------------------------------------

    def trend(
        self,
        sources: Sequence[Source],
        names: Sequence[str] | None = None,
        *,
        progress: Callable[[], object] | None = None,
    ) -> Trend:
        """Assess each of *sources*, quarters of one partnership, and follow it over time.

        *names* label the sources in messages; paths and fact sources name
        themselves. History recorded in the files fills the periods none assesses.
        *progress* is called after each source is assessed.

        Raises:
            FactError: a source is bad; the problems of every source are listed.
            SeriesError: the sources are of different partnerships, or share a period.
        """
        labels = (
            list(names) if names is not None else [_name_of(s, i) for i, s in enumerate(sources)]
        )
        assessments: list[Assessment] = []
        problems: list[Problem] = []
        for source in sources:
            try:
                assessments.append(self.assess(source))
            except FactError as error:
                problems.extend(error.problems)
            if progress is not None:
                progress()
        if problems:
            raise FactError(problems)
        return build_trend(
            assessments,
            labels,
            self.catalog.scoring,
            history_comparable=not self._selected,
        )


def _name_of(source: Source, index: int) -> str:
    if isinstance(source, str | Path):
        return str(source)
    if isinstance(source, FactSource):
        return source.name
    return f"source {index + 1}"


class _Clock:
    """Adds the time since the last lap to a phase of *timings*; does nothing without it."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter() if timings is not None else 0.0

    def lap(self, phase: str) -> None:
        if self.timings is None:
            return
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - self.last
        self.last = now


@attrs.frozen
class _ReportParts:
    """What every finding of one rule repeats, worked out once per engine."""

    #: each condition compiled to trace its checks; one that reads no binding is
    #: traced once per context
    traced: tuple[Callable[[Context, Mapping[str, Any], Trace], Any], ...]
    texts: tuple[str, ...]
    params: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, rule: CompiledRule, catalog: Catalog, program: Program) -> _ReportParts:
        conditions = rule.conditions
        return cls(
            traced=tuple(program.traced(c) for c in conditions),
            texts=tuple(c.text for c in conditions),
            params=tuple((name, plain(catalog.params[name].value)) for name in rule.params),
        )


#: each area's place in the order findings are listed in; other areas after them
_AREA_ORDER = {area: i for i, area in enumerate(AREAS)}


def _finding_order(finding: Finding) -> tuple[int, int, str, str]:
    """Most severe first, then by area (in AREAS' order) and rule."""
    area = finding.area
    return (
        -severity_rank(finding.severity),
        _AREA_ORDER.get(area, len(_AREA_ORDER)),
        area,
        finding.rule,
    )


def _terms_of(rules: Iterable[CompiledRule]) -> list[Any]:
    """Every expression of *rules*: what the evaluator may compute for them."""
    out: list[Any] = []
    for rule in rules:
        out.extend(term for _, term in rule.bindings)
        out.extend(rule.conditions)
        out.extend(cond for cond, _ in rule.severity_if)
        out.extend(cond for cond, _ in rule.actions_if)
        out.extend(term for _, term in rule.emit)
        out.extend(part for part in rule.message if not isinstance(part, str))
    return out


def _chosen(catalog: Catalog, select: Sequence[str], ignore: Sequence[str]) -> set[str]:
    """Rule ids left after ``select`` (ids or prefixes; all when empty) and ``ignore``."""
    ids = [r.id for r in catalog.rules]
    for pattern in (*select, *ignore):
        if not pattern.strip():
            msg = "an empty rule id or prefix would match every rule"
            raise SelectionError(msg)
        if not any(i.startswith(pattern) for i in ids):
            guess = closest(pattern, ids)
            hint = f"; did you mean {guess!r}?" if guess else ""
            msg = f"no rule id is or starts with {pattern!r}{hint}"
            raise SelectionError(msg)
    chosen = {i for i in ids if not select or any(i.startswith(p) for p in select)}
    return {i for i in chosen if not any(i.startswith(p) for p in ignore)}


class SelectionError(RealignError, ValueError):
    """``select`` or ``ignore`` names no rule of the catalog."""


def maybe_finding(rule: CompiledRule, reason: str | None = None) -> dict[str, Any]:
    """A rule that was not evaluable, as ``findings`` shows it: a finding that may exist."""
    why = Unknown(frozenset({reason or f"{rule.id} is not evaluable"}))
    return {
        "rule": rule.id,
        "title": rule.title,
        "area": rule.area,
        "severity": why,
        "matches": why,
        "tags": list(rule.tags),
        MAYBE: why,
    }


#: how evidence is sorted: json.dumps with options would build an encoder per call
_SORT_KEY = json.JSONEncoder(sort_keys=True, default=str)
#: _SORT_KEY's own C encoder, which its encode() would build anew on every call. Without
#: the check for circular values, which plain values never are, it keeps no state.
_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_C_SORT_KEY = (
    None
    if _make_encoder is None
    else _make_encoder(
        None, str, json.encoder.encode_basestring_ascii, None, ": ", ", ", True, False, True
    )
)


def _sort_key(values: list[Any]) -> str:
    """``_SORT_KEY.encode(values)``."""
    if _C_SORT_KEY is None:  # pragma: no cover - CPython always has the C encoder
        return _SORT_KEY.encode(values)
    return "".join(_C_SORT_KEY(values, 0))


def ordered(matches: Sequence[tuple[int, ...]], bound: Bound) -> list[tuple[int, ...]]:
    """Matches in the order of the facts they bind (by id), not of their place in the file."""
    if len(matches) < 2:
        return list(matches)
    return [combo for combo, _, _ in _sorted_matches(matches, bound)]


#: one match of a rule: its scope, and the plain values of its bindings if already known
_Row = tuple[dict[str, Any], list[Any] | None]


def _arranged(matches: Sequence[tuple[int, ...]], bound: Bound) -> list[_Row]:
    """The scope of each match, in :func:`ordered`'s order, each scope built once."""
    if len(matches) == 1:  # most findings have one match: nothing to sort
        return [(bound.env(matches[0]), None)]
    if not matches:
        return []
    return [(env, values) for _, env, values in _sorted_matches(matches, bound)]


def _sorted_matches(
    matches: Sequence[tuple[int, ...]], bound: Bound
) -> list[tuple[tuple[int, ...], dict[str, Any], list[Any]]]:
    names = bound.names
    rows = []
    keys = {}
    for combo in matches:
        env = bound.env(combo)
        values = [plain(env[name]) for name in names]
        keys[combo] = _sort_key(values)
        rows.append((combo, env, values))
    if len(set(keys.values())) == len(keys):
        return sorted(rows, key=lambda row: keys[row[0]])

    # Records without an id may share a key; their whole content breaks the tie.
    def whole(row: tuple[tuple[int, ...], dict[str, Any], list[Any]]) -> tuple[str, str]:
        env = row[1]
        return keys[row[0]], _sort_key([_content(env[name]) for name in names])

    return sorted(rows, key=whole)


def _content(value: Any) -> Any:
    if isinstance(value, Located) and attrs.has(type(value.value)):
        return attrs.asdict(value.value)
    return plain(value)


#: the values plain() gives back as they are
_JSON_SCALARS = frozenset({type(None), bool, int, float, str})


def _check(check: Any) -> Check:
    actual = check.actual
    if type(actual) not in _JSON_SCALARS:
        actual = plain(actual)
    threshold = check.threshold
    if type(threshold) not in _JSON_SCALARS:
        threshold = plain(threshold)
    return new_check(check.text, check.left, check.op, actual, check.right, threshold)


def _format(value: Any) -> str:
    kind = type(value)
    if kind is str:  # the common cases, as the general path below writes them
        return value  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    if kind is float:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text or "0"
    if kind is bool:
        return "yes" if value else "no"
    if is_unknown(value):
        return "unknown"
    value = plain(value)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text or "0"
    if isinstance(value, dict):
        if "id" in value:
            return str(value["id"])
        return ", ".join(f"{k}: {_format(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_format(v) for v in value)
    return str(value)
