"""Compose rule-set files into one checked, compiled catalog.

Several files make one catalog: ids of rules, actions and params are unique
across all of them. Every condition is parsed, type-checked against the fact
vocabulary and lowered to the IR with the engine's params. Rules that chain on
other rules' findings are ordered into strata; a cycle is an error. Problems
are collected for the whole catalog, so ``realign check`` can report them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from .._version import __version__
from ..errors import Problem, closest
from ..scoring.model import ScoringModel
from . import ir
from .functions import Function
from .lint import lint_rule
from .lower import Issue, Lowerer, ResolvedParam
from .ruleset import (
    AREAS,
    ActionSpec,
    ConditionText,
    ParamSpec,
    RuleSetFile,
    RuleSetHeader,
    RuleSpec,
    bounds_problem,
    coerce_param,
    version_in_range,
)
from .types import ANY, BOOL, DATE, NUMBER, STRING, ListType, MapType, Type, Vocabulary

__all__ = ["Catalog", "CompiledRule", "MessagePart", "compile_catalog"]

_PARAM_TYPES: Mapping[str, Type] = {
    "number": NUMBER,
    "integer": NUMBER,
    "duration": NUMBER,
    "date": DATE,
    "string": STRING,
    "boolean": BOOL,
}

#: A piece of a message template: literal text, or an expression to interpolate.
MessagePart = str | ir.Term


@attrs.frozen(kw_only=True)
class CompiledRule:
    """A rule ready to run: its conditions lowered to the IR with the engine's params."""

    id: str
    title: str
    area: str
    severity: str
    bindings: tuple[tuple[str, ir.Term], ...]
    requires: tuple[tuple[ir.Cond, str], ...]
    when: tuple[ir.Cond, ...]
    severity_if: tuple[tuple[ir.Cond, str], ...] = ()
    actions_if: tuple[tuple[ir.Cond, tuple[str, ...]], ...] = ()
    message: tuple[MessagePart, ...] = ()
    rationale: str = ""
    sources: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    enabled: bool = True
    emit: tuple[tuple[str, ir.Term], ...] = ()
    stratum: int = 0
    params: tuple[str, ...] = ()
    ruleset: str = ""
    source: str = ""
    line: int | None = None

    @property
    def conditions(self) -> tuple[ir.Cond, ...]:
        """Everything that must hold for the rule to fire: requirements, then ``when``."""
        return (*(c for c, _ in self.requires), *self.when)


@attrs.frozen(kw_only=True)
class ParamValue:
    spec: ParamSpec
    value: Any
    source: str
    overridden: bool = False


@attrs.frozen(kw_only=True)
class Catalog:
    """The compiled rules, actions and params of one or more rule-set files."""

    rulesets: tuple[RuleSetHeader, ...]
    rules: tuple[CompiledRule, ...]
    actions: Mapping[str, ActionSpec]
    params: Mapping[str, ParamValue]
    problems: tuple[Problem, ...]
    scoring: ScoringModel = attrs.field(factory=ScoringModel)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def rule(self, rule_id: str) -> CompiledRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


class _Builder:
    def __init__(
        self,
        files: Sequence[RuleSetFile],
        vocabulary: Vocabulary,
        functions: Mapping[str, Function],
        overrides: Mapping[str, Any],
    ) -> None:
        self.files = files
        self.vocab = vocabulary
        self.functions = functions
        self.overrides = overrides
        self.problems: list[Problem] = []

    def add(
        self,
        file: RuleSetFile,
        path: tuple[str | int, ...],
        message: str,
        code: str,
        *,
        severity: str = "error",
        at_value: bool = False,
        **details: Any,
    ) -> None:
        self.problems.append(
            file.problem(
                path, message, code, warning=severity == "warning", at_value=at_value, **details
            )
        )

    def issue(
        self, file: RuleSetFile, text: ConditionText, issue: Issue, rule_id: str | None
    ) -> None:
        line, column = text.position(issue.start)
        prefix = f"rule {rule_id}: " if rule_id else ""
        hint = issue.hint
        if issue.hint_template and issue.related is not None:
            at_line, at_column = text.position(issue.related)
            hint = issue.hint_template.replace("{at}", f"line {at_line}, column {at_column}")
        self.problems.append(
            Problem(
                source=file.source,
                message=prefix + issue.message,
                code=issue.code,
                path=text.path,
                line=line,
                column=column,
                hint=hint,
                severity=issue.severity,  # type: ignore[arg-type]
                # The message may already say what was found; the excerpt shows it otherwise.
                found=_found_unless_said(issue.message, text.text[issue.start : issue.end]),
            )
        )

    # -- params -----------------------------------------------------------------------

    def override_problem(self, name: str, code: str, message: str, **details: Any) -> None:
        """A problem with a param given to the engine or on the command line, not in a file."""
        self.problems.append(
            Problem(source="<params>", code=code, message=message, path=(name,), **details)
        )

    def params(self) -> dict[str, ParamValue]:
        out: dict[str, ParamValue] = {}
        for file in self.files:
            for spec in file.params:
                if spec.name in out:
                    first = out[spec.name]
                    self.add(
                        file,
                        spec.path,
                        f"param {spec.name!r} is already defined in {first.source}",
                        "duplicate",
                        hint="params are shared by every rule set in a catalog; rename one",
                    )
                    continue
                out[spec.name] = ParamValue(spec=spec, value=spec.default, source=file.source)
        for name, raw in self.overrides.items():
            if name not in out:
                guess = closest(name, out)
                known = ", ".join(sorted(out)) or "none"
                self.override_problem(
                    name,
                    "unknown-param",
                    f"no param {name!r} to override",
                    hint=f"did you mean {guess!r}?" if guess else f"the params are: {known}",
                )
                continue
            spec = out[name].spec
            if spec.broken:
                continue  # its own error is reported already
            value, error = coerce_param(spec.type, _from_text(spec.type, raw))
            if error:
                self.override_problem(
                    name,
                    "type",
                    f"param {name!r} is {_article(spec.type)} {spec.type}",
                    expected=error,
                    found=repr(raw),
                )
                continue
            if (reason := bounds_problem(value, spec.min, spec.max)) is not None:
                self.override_problem(
                    name,
                    "range",
                    f"param {name!r} is {reason}",
                    found=repr(raw),
                )
                continue
            out[name] = ParamValue(spec=spec, value=value, source=out[name].source, overridden=True)
        return out

    # -- rules ------------------------------------------------------------------------

    def build(self) -> Catalog:
        headers: list[RuleSetHeader] = []
        for file in self.files:
            self.problems.extend(file.problems)
            if file.header is not None:
                headers.append(file.header)
                if file.header.realign and not version_in_range(__version__, file.header.realign):
                    self.add(
                        file,
                        ("ruleset", "realign"),
                        f"rule set {file.header.id!r} supports realign {file.header.realign}, "
                        f"this is realign {__version__}",
                        "version",
                        hint="install a realign the rule set supports, or ask its author for a "
                        "version made for this one",
                    )
        self._unique_rulesets()
        params = self.params()
        resolved = {
            name: ResolvedParam(_PARAM_TYPES.get(p.spec.type, ANY), p.value)
            for name, p in params.items()
        }
        actions = self.actions()
        specs = self.unique_rules()
        rule_ids = frozenset(spec.id for _, spec in specs)
        emitters: dict[str, str] = {}
        for file, spec in specs:
            for name, _text in spec.emit:
                where = (*spec.path, "emit", name)
                if name in emitters:
                    self.add(
                        file,
                        where,
                        f"rule {spec.id}: fact {name!r} is also emitted by rule {emitters[name]}",
                        "duplicate",
                        hint="each emitted fact has one rule that emits it",
                    )
                    continue
                if self.vocab.has(name):
                    self.add(
                        file,
                        where,
                        f"rule {spec.id}: {name!r} is already a fact; "
                        "an emitted fact needs a name of its own",
                        "duplicate",
                        hint="choose a new name, e.g. under a namespace of your own",
                    )
                    continue
                emitters[name] = spec.id
                # Emitted facts join the vocabulary, so later rules can read them.
                self.vocab.add_derived(name, None)
        compiled: list[CompiledRule] = []
        used_params: set[str] = set()
        used_actions: set[str] = set()
        for file, spec in specs:
            rule, used = self.rule(file, spec, resolved, rule_ids, actions)
            used_params |= used
            used_actions |= set(spec.actions)
            used_actions |= {a for _, listed in spec.actions_if for a in listed}
            if rule is not None:
                compiled.append(rule)
        compiled = self.strata(compiled, {spec.id: (file, spec) for file, spec in specs})
        self.unused(params, actions, used_params, used_actions)
        order = {area: i for i, area in enumerate(AREAS)}
        compiled.sort(key=lambda r: (order.get(r.area, len(order)), r.area, r.id))
        return Catalog(
            rulesets=tuple(headers),
            rules=tuple(compiled),
            actions=dict(sorted((a.id, a) for a, _ in actions.values())),
            params=dict(sorted(params.items())),
            scoring=self.scoring(),
            problems=tuple(
                sorted(
                    self.problems, key=lambda p: (p.source, p.line or 0, p.column or 0, p.message)
                )
            ),
        )

    def scoring(self) -> ScoringModel:
        """The one [scoring] table among the files, or the standard model."""
        declared = [f for f in self.files if f.scoring is not None]
        for extra in declared[1:]:
            self.add(
                extra,
                ("scoring",),
                f"a scoring model is already declared in {declared[0].source}",
                "duplicate",
                hint="one rule set of a catalog declares [scoring]",
            )
        model = declared[0].scoring if declared else None
        return model if model is not None else ScoringModel()

    def _unique_rulesets(self) -> None:
        seen: dict[str, str] = {}
        for file in self.files:
            if file.header is None:
                continue
            if file.header.id in seen:
                self.add(
                    file,
                    ("ruleset", "id"),
                    f"rule set id {file.header.id!r} is also used by {seen[file.header.id]}",
                    "duplicate",
                )
            else:
                seen[file.header.id] = file.source

    def first_of_each(
        self, kind: str, items: Iterable[tuple[RuleSetFile, Any, tuple[str | int, ...]]]
    ) -> dict[str, tuple[Any, RuleSetFile]]:
        """Items by id, the first one winning; every later one is a located duplicate."""
        out: dict[str, tuple[Any, RuleSetFile]] = {}
        for file, item, path in items:
            if item.id in out:
                other, other_file = out[item.id]
                line, _ = other_file.position(other.path)
                self.add(
                    file,
                    path,
                    f"{kind} id {item.id!r} is already used at {other_file.source}:{line}",
                    "duplicate",
                    hint=f"{kind} ids are unique across every rule set of a catalog; rename one",
                )
                continue
            out[item.id] = (item, file)
        return out

    def actions(self) -> dict[str, tuple[ActionSpec, RuleSetFile]]:
        return self.first_of_each("action", ((f, a, a.path) for f in self.files for a in f.actions))

    def unique_rules(self) -> list[tuple[RuleSetFile, RuleSpec]]:
        rules = self.first_of_each(
            "rule", ((f, r, (*r.path, "id")) for f in self.files for r in f.rules)
        )
        return [(file, spec) for spec, file in rules.values()]

    def rule(
        self,
        file: RuleSetFile,
        spec: RuleSpec,
        params: Mapping[str, ResolvedParam],
        rule_ids: frozenset[str],
        actions: Mapping[str, Any],
    ) -> tuple[CompiledRule | None, set[str]]:
        ok = True
        if spec.area and spec.area not in AREAS:
            hint = closest(spec.area, AREAS)
            self.add(
                file,
                (*spec.path, "area"),
                f"rule {spec.id}: unknown area {spec.area!r}",
                "value",
                severity="warning",
                at_value=True,
                expected=f"one of {', '.join(AREAS)}",
                hint=f"did you mean {hint!r}?"
                if hint
                else "a plugin's own area is allowed, but it is not scored with the standard ones",
            )
        listed = [((*spec.path, "actions", i), a) for i, a in enumerate(spec.actions)]
        listed += [
            ((*spec.path, "actions_if", i, "actions", j), a)
            for i, (_, named) in enumerate(spec.actions_if)
            for j, a in enumerate(named)
        ]
        for where, action in listed:
            if action not in actions:
                guess = closest(action, actions)
                self.add(
                    file,
                    where,
                    f"rule {spec.id}: unknown action {action!r}",
                    "unknown-action",
                    hint=f"did you mean {guess!r}?"
                    if guess
                    else "define it in an [[actions]] table",
                )
                ok = False
        root = Lowerer(self.vocab, self.functions, params, {}, rule_ids)
        bindings: list[tuple[str, ir.Term]] = []
        binding_types: dict[str, Type] = {}
        for name, text in spec.bindings:
            if name in params or name in self.vocab.root():
                self.add(
                    file,
                    text.path,
                    f"rule {spec.id}: binding {name!r} hides a param or fact of the same name",
                    "shadow",
                    hint="choose another name",
                )
                ok = False
                continue
            lowered = self._lower(file, spec, text, root, expression=True)
            if lowered is None:
                # Declared anyway, so its uses are not reported as unknown names too.
                binding_types[name] = ANY
                ok = False
                continue
            term, typ = lowered
            if isinstance(typ, ListType):
                binding_types[name] = typ.elem
            elif isinstance(typ, MapType):
                binding_types[name] = typ.value
            elif typ == ANY:
                binding_types[name] = ANY
            else:
                self.issue(
                    file,
                    text,
                    Issue(
                        0,
                        len(text.text),
                        f"{name} must range over a collection, found {typ}",
                        "type",
                        hint='bind a collection such as "partners"',
                    ),
                    spec.id,
                )
                binding_types[name] = ANY
                ok = False
                continue
            bindings.append((name, term))
        lowerer = Lowerer(self.vocab, self.functions, params, binding_types, rule_ids)
        requires: list[tuple[ir.Cond, str]] = []
        for text, reason in spec.requires:
            cond = self._lower(file, spec, text, root)
            if cond is None:
                ok = False
                continue
            requires.append((cond, reason or f"requires {text.text}"))
        when: list[ir.Cond] = []
        for text in spec.when:
            cond = self._lower(file, spec, text, lowerer)
            if cond is None:
                ok = False
                continue
            when.extend(cond.items if isinstance(cond, ir.And) else (cond,))
        severity_lowerer = Lowerer(
            self.vocab, self.functions, params, {**binding_types, "matches": NUMBER}, rule_ids
        )
        severity_if: list[tuple[ir.Cond, str]] = []
        for text, severity in spec.severity_if:
            cond = self._lower(file, spec, text, severity_lowerer)
            if cond is None:
                ok = False
                continue
            severity_if.append((cond, severity))
        actions_if: list[tuple[ir.Cond, tuple[str, ...]]] = []
        for text, named in spec.actions_if:
            cond = self._lower(file, spec, text, severity_lowerer)
            if cond is None:
                ok = False
                continue
            actions_if.append((cond, named))
        message = self.message(file, spec, lowerer)
        emit: list[tuple[str, ir.Term]] = []
        for name, text in spec.emit:
            lowered = self._lower(file, spec, text, lowerer, expression=True)
            if lowered is None:
                ok = False
                continue
            emit.append((name, lowered[0]))
        used = root.params_used | lowerer.params_used | severity_lowerer.params_used
        if message is None:
            ok = False
        if not ok or spec.broken:
            return None, used
        rule = CompiledRule(
            id=spec.id,
            title=spec.title,
            area=spec.area,
            severity=spec.severity,
            bindings=tuple(bindings),
            requires=tuple(requires),
            when=tuple(when),
            severity_if=tuple(severity_if),
            actions_if=tuple(actions_if),
            message=message or (),
            rationale=spec.rationale,
            sources=spec.sources,
            actions=spec.actions,
            tags=spec.tags,
            enabled=spec.enabled,
            emit=tuple(emit),
            params=tuple(sorted(used)),
            ruleset=file.header.id if file.header else "",
            source=file.source,
            line=file.position(spec.path)[0],
        )
        for problem in lint_rule(rule, spec, file):
            self.problems.append(problem)
        return rule, used

    def _lower(
        self,
        file: RuleSetFile,
        spec: RuleSpec,
        text: ConditionText,
        lowerer: Lowerer,
        *,
        expression: bool = False,
    ) -> Any:
        before = len(lowerer.issues)
        result = lowerer.expression(text.text) if expression else lowerer.condition(text.text)
        for issue in lowerer.issues[before:]:
            self.issue(file, text, issue, spec.id)
        return result

    def message(
        self, file: RuleSetFile, spec: RuleSpec, lowerer: Lowerer
    ) -> tuple[MessagePart, ...] | None:
        text = spec.message
        if text is None:
            return (spec.title,)
        parts: list[MessagePart] = []
        ok = True
        for literal, expr, start in _template_parts(text.text):
            if literal:
                parts.append(literal)
            if expr is None:
                continue
            before = len(lowerer.issues)
            lowered = lowerer.expression(expr)
            for issue in lowerer.issues[before:]:
                self.issue(
                    file,
                    text,
                    attrs.evolve(issue, start=issue.start + start, end=issue.end + start),
                    spec.id,
                )
            if lowered is None:
                ok = False
            else:
                parts.append(lowered[0])
        if (problem := _template_error(text.text)) is not None:
            self.issue(
                file,
                text,
                Issue(
                    problem,
                    problem + 1,
                    "unbalanced braces in the message",
                    "syntax",
                    hint="write {{ and }} for literal braces",
                ),
                spec.id,
            )
            ok = False
        return tuple(parts) if ok else None

    # -- chaining ---------------------------------------------------------------------

    def strata(
        self, rules: list[CompiledRule], specs: Mapping[str, tuple[RuleSetFile, RuleSpec]]
    ) -> list[CompiledRule]:
        """Order rules so each runs after the rules whose findings it reads."""
        emitted = {name: rule.id for rule in rules for name, _ in rule.emit}
        deps: dict[str, set[str]] = {}
        readers: set[str] = set()
        for rule in rules:
            fired: set[str] = set()
            reads = False
            for cond in (
                *rule.conditions,
                *(c for c, _ in rule.severity_if),
                *(c for c, _ in rule.actions_if),
            ):
                f, r = ir.rules_referenced(cond)
                fired |= f
                reads = reads or r
                fired |= {emitted[n] for n in _emitted_names(cond, emitted)}
            deps[rule.id] = fired
            if reads:
                readers.add(rule.id)
        for rule_id in readers:
            deps[rule_id] |= {r.id for r in rules if r.id not in readers}
        level: dict[str, int] = {}
        visiting: list[str] = []

        def visit(rule_id: str) -> int:
            if rule_id in level:
                return level[rule_id]
            if rule_id in visiting:
                cycle = [*visiting[visiting.index(rule_id) :], rule_id]
                file, spec = specs[rule_id]
                self.add(
                    file,
                    spec.path,
                    f"rules chain on each other in a cycle: {' -> '.join(cycle)}",
                    "cycle",
                    hint="a rule may only read findings of rules that do not read it back",
                )
                level[rule_id] = 0
                return 0
            visiting.append(rule_id)
            result = 1 + max(
                (visit(d) for d in sorted(deps.get(rule_id, ())) if d in deps), default=-1
            )
            visiting.pop()
            level[rule_id] = result
            return result

        for rule in rules:
            visit(rule.id)
        return [attrs.evolve(rule, stratum=level[rule.id]) for rule in rules]

    def unused(
        self,
        params: Mapping[str, ParamValue],
        actions: Mapping[str, tuple[ActionSpec, RuleSetFile]],
        used_params: set[str],
        used_actions: set[str],
    ) -> None:
        by_source = {file.source: file for file in self.files}
        # A misspelt use is an error whose hint names the declaration; warning that
        # the declaration is unused as well would report one typo twice.
        suggested = {
            match.group(1)
            for problem in self.problems
            if problem.severity == "error" and problem.hint
            for match in re.finditer(r"did you mean '([^']+)'", problem.hint)
        }
        for name, param in params.items():
            if name not in used_params and name not in suggested:
                self.add(
                    by_source[param.source],
                    param.spec.path,
                    f"param {name!r} is not used by any rule",
                    "unused",
                    severity="warning",
                    hint="remove it, or use it in a condition",
                )
        for action_id, (action, file) in actions.items():
            if action_id not in used_actions and action_id not in suggested:
                self.add(
                    file,
                    action.path,
                    f"action {action_id!r} is not recommended by any rule",
                    "unused",
                    severity="warning",
                    hint="list it in a rule's actions, or remove it",
                )


def _emitted_names(cond: ir.Term, emitted: Mapping[str, str]) -> set[str]:
    """Names of facts emitted by rules that *cond* reads, as ``a.b.c`` paths from the root."""
    out: set[str] = set()
    stack: list[ir.Term] = [cond]
    while stack:
        node = stack.pop()
        path = _root_path(node)
        if path is not None:
            for name in emitted:
                if path == name or path.startswith(name + "."):
                    out.add(name)
        stack.extend(ir.children(node))
    return out


def _root_path(node: ir.Term) -> str | None:
    parts: list[str] = []
    while isinstance(node, ir.Get):
        parts.append(node.name)
        node = node.obj
    if isinstance(node, ir.Root):
        return ".".join([node.name, *reversed(parts)])
    return None


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def _template_parts(text: str) -> Iterable[tuple[str, str | None, int]]:
    """Split a message template into (literal, expression or None, expression offset)."""
    pos = 0
    literal = ""
    for match in _PLACEHOLDER.finditer(text):
        literal += text[pos : match.start()]
        pos = match.end()
        if match.group(0) == "{{":
            literal += "{"
        elif match.group(0) == "}}":
            literal += "}"
        else:
            yield literal, match.group(1), match.start(1)
            literal = ""
    literal += text[pos:]
    if literal:
        yield literal, None, 0


def _template_error(text: str) -> int | None:
    stripped = _PLACEHOLDER.sub(lambda m: "\0" * len(m.group(0)), text)
    for index, char in enumerate(stripped):
        if char in "{}":
            return index
    return None


def _from_text(kind: str, raw: Any) -> Any:
    """A param override as given on the command line (always text) in its param's type."""
    if not isinstance(raw, str) or kind in ("string", "duration", "date"):
        return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    try:
        return int(raw) if kind == "integer" or re.fullmatch(r"-?\d+", raw) else float(raw)
    except ValueError:
        return raw


def _found_unless_said(message: str, snippet: str) -> str | None:
    """The text a problem is about, unless the message already quotes it."""
    if "found" in message or not snippet.strip() or snippet.strip("'\"") in message:
        return None
    return repr(snippet if len(snippet) <= 60 else snippet[:57] + "...")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def compile_catalog(
    files: Sequence[RuleSetFile],
    *,
    vocabulary: Vocabulary,
    functions: Mapping[str, Function],
    params: Mapping[str, Any] | None = None,
) -> Catalog:
    """Check and compile *files* into one catalog; problems are in ``Catalog.problems``."""
    # A copy: the facts rules emit join this catalog's vocabulary, and no other.
    return _Builder(files, vocabulary.copy(), functions, params or {}).build()
