"""Rule-set files: read the TOML, check its shape, and keep where everything was written.

A rule-set file has a ``[ruleset]`` header, typed ``[params]``, ``[[rules]]``
and ``[[actions]]``. This module checks the shape only (keys, types, enums),
reporting every problem at its line and column. What the conditions mean is
checked when the catalog is compiled (:mod:`realign.rules.catalog`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from ..errors import Problem, closest
from ..loading._positions import SourceMap, toml_source_map
from ..loading.builtin_loaders import toml_problem
from ..scoring.model import ScoringModel, read_scoring
from .types import NAME, SEVERITIES

__all__ = [
    "AREAS",
    "ActionSpec",
    "ConditionText",
    "PARAM_TYPES",
    "ParamSpec",
    "RuleSetFile",
    "RuleSetHeader",
    "RuleSpec",
    "bounds_problem",
    "coerce_param",
    "load_ruleset_file",
    "parse_ruleset_text",
    "ruleset_files",
    "value_column",
    "version_in_range",
]

#: The six areas of DOMAIN §2, in report order.
AREAS = ("governance", "culture", "market", "alignment", "early_warning", "continuous")
PARAM_TYPES = ("number", "integer", "duration", "date", "string", "boolean")
#: the param types whose values are numbers (a duration's is its days): min and max bound them
BOUNDED_PARAM_TYPES = ("number", "integer", "duration")
EFFORTS = ("S", "M", "L")
ROOT_CAUSES = ("C", "M", "I", "G", "W")
PHASES = ("diagnose", "structure", "operate")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_NAME = NAME
# [0-9], not \d: \d also matches other scripts' digits, which no editor's schema accepts.
_DURATION = re.compile(r"([0-9]+)([dw])")
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*([a-z0-9.+-]*)")
#: the names ``emit`` may give a derived fact
_FACT_NAME = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")

Path_ = tuple[str | int, ...]


@attrs.frozen
class ConditionText:
    """A condition or expression string and where its first character is in the file."""

    text: str
    path: Path_
    line: int | None = None
    column: int | None = None
    #: for each character of ``text``, its (line, column) in the file
    offsets: tuple[tuple[int, int], ...] = attrs.field(default=(), eq=False, repr=False)

    def position(self, offset: int) -> tuple[int | None, int | None]:
        if not self.offsets:
            return self.line, self.column
        offset = max(0, min(offset, len(self.offsets) - 1))
        return self.offsets[offset]


@attrs.frozen(kw_only=True)
class RuleSetHeader:
    id: str
    version: str
    title: str
    description: str = ""
    realign: str | None = None


@attrs.frozen(kw_only=True)
class ParamSpec:
    name: str
    type: str
    default: Any
    doc: str
    min: float | None = None
    max: float | None = None
    path: Path_ = ()
    #: the reader found errors in it; declared only so rules using it do not cascade
    broken: bool = False


@attrs.frozen(kw_only=True)
class RuleSpec:
    id: str
    title: str
    area: str
    severity: str
    when: tuple[ConditionText, ...]
    bindings: tuple[tuple[str, ConditionText], ...] = ()
    requires: tuple[tuple[ConditionText, str | None], ...] = ()
    severity_if: tuple[tuple[ConditionText, str], ...] = ()
    #: actions recommended only when their condition holds for some evidence
    actions_if: tuple[tuple[ConditionText, tuple[str, ...]], ...] = ()
    message: ConditionText | None = None
    rationale: str = ""
    sources: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    enabled: bool = True
    emit: tuple[tuple[str, ConditionText], ...] = ()
    path: Path_ = ()
    #: the reader found errors in it; compiled only to report more of them
    broken: bool = False


@attrs.frozen(kw_only=True)
class ActionSpec:
    id: str
    title: str
    description: str = ""
    effort: str | None = None
    impact_days: int | None = None
    owner: str = ""
    root_causes: tuple[str, ...] = ()
    phase: str | None = None
    done_when: str = ""
    sources: tuple[str, ...] = ()
    path: Path_ = ()


@attrs.frozen(kw_only=True)
class RuleSetFile:
    """One rule-set file as written, with its problems (empty when it is well formed)."""

    source: str
    header: RuleSetHeader | None
    params: tuple[ParamSpec, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    #: the file's [scoring] table, if it has one
    scoring: ScoringModel | None = None
    problems: tuple[Problem, ...] = ()
    positions: SourceMap = attrs.field(factory=lambda: SourceMap({}), eq=False, repr=False)
    lines: tuple[str, ...] = attrs.field(default=(), eq=False, repr=False)

    def position(self, path: Path_) -> tuple[int | None, int | None]:
        found = self.positions.locate(path)
        if found is None:
            return None, None
        return found[1].line, found[1].column

    def problem(
        self,
        path: Path_,
        message: str,
        code: str,
        *,
        warning: bool = False,
        at_value: bool = False,
        **details: Any,
    ) -> Problem:
        """A problem about *path* of this file, at the key (or with *at_value*, the value)."""
        line, column = self.position(path)
        if at_value and line is not None and column is not None:
            column = value_column(self.lines, line, column)
        return Problem(
            source=self.source,
            message=message,
            code=code,
            path=path,
            line=line,
            column=column,
            severity="warning" if warning else "error",
            **details,
        )


# --- reading ---------------------------------------------------------------------------


def ruleset_files(directory: Path) -> list[Path]:
    """The rule-set files in *directory*: every ``*.toml`` except test cases (``*.test.toml``)."""
    return sorted(p for p in directory.glob("*.toml") if not p.name.endswith(".test.toml"))


def load_ruleset_file(path: str | Path) -> RuleSetFile:
    """Read a rule-set file; problems are returned in the result, never raised."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        return RuleSetFile(
            source=source,
            header=None,
            problems=(
                Problem(
                    source=source, code="io", message=f"cannot read the file: {error.strerror}"
                ),
            ),
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return RuleSetFile(
            source=source,
            header=None,
            problems=(
                Problem(
                    source=source,
                    code="encoding",
                    message=f"not UTF-8 text (byte {error.start})",
                    expected="UTF-8",
                ),
            ),
        )
    return parse_ruleset_text(text, source=source)


def parse_ruleset_text(text: str, *, source: str = "<string>") -> RuleSetFile:
    """Parse rule-set TOML *text*; *source* names it in problems."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return RuleSetFile(
            source=source, header=None, problems=(toml_problem(source, text, error),)
        )
    positions = toml_source_map(text)
    reader = _Reader(source, text, positions)
    return reader.read(data)


_SECTIONS = {
    "": {"ruleset", "params", "rules", "actions", "scoring"},
    "ruleset": {"id", "version", "title", "description", "realign"},
    "param": {"type", "default", "doc", "min", "max"},
    "rule": {
        "id",
        "title",
        "area",
        "severity",
        "when",
        "for",
        "requires",
        "severity_if",
        "actions_if",
        "message",
        "rationale",
        "sources",
        "actions",
        "tags",
        "enabled",
        "emit",
    },
    "requires": {"when", "reason"},
    "severity_if": {"when", "severity"},
    "actions_if": {"when", "actions"},
    "action": {
        "id",
        "title",
        "description",
        "effort",
        "impact_days",
        "owner",
        "root_causes",
        "phase",
        "done_when",
        "sources",
    },
}


class _Reader:
    def __init__(self, source: str, text: str, positions: SourceMap) -> None:
        self.source = source
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.positions = positions
        self.problems: list[Problem] = []
        #: rule ids by index, so problems inside a rule can name it
        self.rule_ids: dict[int, str] = {}
        #: keys a typo stands for, per table path: {path: {"severity": "severty"}}
        self.typos: dict[Path_, dict[str, str]] = {}

    # -- problems ---------------------------------------------------------------------

    def problem(
        self, path: Path_, message: str, code: str, *, at_key: bool = False, **details: Any
    ) -> None:
        found = self.positions.locate(path)
        line = column = None
        if found is not None:
            line, column = found[1].line, found[1].column
            if not at_key and found[0] == path and path and isinstance(path[-1], str):
                # The map points at the key; a complaint about a value points at the value.
                column = value_column(self.lines, line, column)
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
            rule_id = self.rule_ids.get(path[1])
            if rule_id is not None:
                message = f"rule {rule_id}: {message}"
        self.problems.append(
            Problem(
                source=self.source,
                message=message,
                code=code,
                path=path,
                line=line,
                column=column,
                **details,
            )
        )

    def keys(self, table: Mapping[str, Any], section: str, path: Path_) -> None:
        allowed = _SECTIONS[section]
        for key in table:
            if key not in allowed:
                guess = closest(key, allowed)
                if guess is not None and guess not in table:
                    self.typos.setdefault(path, {})[guess] = key
                self.problem(
                    (*path, key),
                    f"unknown key {key!r}",
                    "unknown-key",
                    at_key=True,
                    hint=f"did you mean {guess!r}?"
                    if guess
                    else f"known keys: {', '.join(sorted(allowed))}",
                )

    def want(
        self,
        table: Mapping[str, Any],
        key: str,
        path: Path_,
        kind: type | tuple[type, ...],
        expected: str,
        *,
        required: bool = False,
        default: Any = None,
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        if key not in table:
            # A misspelt key is reported once, as the unknown key with its correction.
            if required and key not in self.typos.get(path, {}):
                self.problem(
                    path, f"missing required key {key!r}", "missing", expected=expected, at_key=True
                )
            return default
        value = table[key]
        if not isinstance(value, kind) or (
            kind in (int, float, (int, float)) and isinstance(value, bool)
        ):
            self.problem(
                (*path, key),
                f"{key} has the wrong type",
                "type",
                expected=expected,
                found=_found(value),
            )
            return default
        if check is not None and (reason := check(value)):
            self.problem((*path, key), reason, "value", expected=expected, found=repr(value))
            return default
        return value

    def bounds_fit(
        self,
        name: str,
        kind: str | None,
        spec: Mapping[str, Any],
        path: Path_,
        low: float | None,
        high: float | None,
    ) -> bool:
        """Whether a param's min and max can hold: its type has numbers, and min <= max."""
        if kind is not None and kind not in BOUNDED_PARAM_TYPES:
            keys = [key for key in ("min", "max") if key in spec]
            for key in keys:
                # Accepted and ignored, a bound would leave the author believing it holds.
                self.problem(
                    (*path, key),
                    f"param {name!r} is {_article(kind)} {kind}, which {key} cannot bound",
                    "type",
                    expected=f"no {key}: only {', '.join(BOUNDED_PARAM_TYPES)} params have one",
                    found=repr(spec[key]),
                )
            return not keys
        if low is not None and high is not None and low > high:
            self.problem(
                (*path, "min"),
                f"param {name!r} has min {low} above its max {high}: no value could fit",
                "range",
                found=f"min = {low}, max = {high}",
            )
            return False
        return True

    def strings(self, table: Mapping[str, Any], key: str, path: Path_) -> tuple[str, ...]:
        value = self.want(table, key, path, list, "an array of strings", default=[])
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.problem(
                    (*path, key, index),
                    f"{key} holds strings only",
                    "type",
                    expected="a string",
                    found=_found(item),
                )
            else:
                out.append(item)
        return tuple(out)

    def choice(
        self,
        table: Mapping[str, Any],
        key: str,
        path: Path_,
        choices: Sequence[str],
        *,
        required: bool,
    ) -> str | None:
        value = self.want(table, key, path, str, f"one of {', '.join(choices)}", required=required)
        if value is None:
            return None
        if value not in choices:
            guess = closest(value, choices)
            self.problem(
                (*path, key),
                f"{value!r} is not a valid {key}",
                "value",
                expected=f"one of {', '.join(choices)}",
                hint=f"did you mean {guess!r}?" if guess else None,
            )
            return None
        return str(value)

    # -- condition strings ------------------------------------------------------------

    def condition(self, value: Any, path: Path_) -> ConditionText | None:
        if not isinstance(value, str):
            self.problem(
                path,
                "a condition is written as a string",
                "type",
                expected="a string",
                found=_found(value),
            )
            return None
        return ConditionText(value, path, *self._start(path), offsets=self._offsets(path, value))

    def _start(self, path: Path_) -> tuple[int | None, int | None]:
        position = self.positions.get(path)
        if position is None:
            found = self.positions.locate(path)
            position = found[1] if found else None
        if position is None:
            return None, None
        return position.line, position.column

    def _offsets(self, path: Path_, value: str) -> tuple[tuple[int, int], ...]:
        """The file position of each character of the string value at *path*."""
        position = self.positions.get(path)
        if position is None or position.line > len(self.lines):
            return ()
        line_index = position.line - 1
        col = position.column - 1
        text = self.lines[line_index]
        # The map may point at the key; the value's quote follows the '='.
        if col < len(text) and text[col] not in "\"'":
            eq = text.find("=", col)
            if eq < 0:
                return ()
            col = eq + 1
            while col < len(text) and text[col] in " \t":
                col += 1
        if col >= len(text) or text[col] not in "\"'":
            return ()
        quote = text[col]
        multi = text.startswith(quote * 3, col)
        col += 3 if multi else 1
        if multi and text[col:].strip("\r\n") == "":
            line_index += 1
            col = 0
        literal = quote == "'"
        out: list[tuple[int, int]] = []
        while len(out) < len(value) and line_index < len(self.lines):
            text = self.lines[line_index]
            if col >= len(text):
                line_index += 1
                col = 0
                continue
            char = text[col]
            if char == "\r" and text[col + 1 : col + 2] == "\n":
                col += 1  # TOML reads CRLF as one newline
                continue
            char = text[col]
            if char == "\\" and not literal and col + 1 < len(text):
                nxt = text[col + 1]
                if nxt in "\r\n":  # a line-ending backslash swallows whitespace
                    line_index += 1
                    col = 0
                    while line_index < len(self.lines) and self.lines[line_index][
                        col : col + 1
                    ] in (" ", "\t"):
                        col += 1
                    continue
                out.append((line_index + 1, col + 1))
                col += 6 if nxt == "u" else 10 if nxt == "U" else 2
                continue
            out.append((line_index + 1, col + 1))
            col += 1
        return tuple(out)

    # -- sections ---------------------------------------------------------------------

    def read(self, data: Mapping[str, Any]) -> RuleSetFile:
        self.keys(data, "", ())
        header = self.header(data)
        params = self.params(data)
        rules = self.rules(data)
        actions = self.actions(data)
        scoring = None
        if isinstance(data.get("scoring"), dict):
            scoring = read_scoring(data["scoring"], self.problem, self.source)
        elif "scoring" in data:
            self.problem(("scoring",), "[scoring] must be a table", "type", expected="a table")
        if "ruleset" not in data:
            self.problems.append(
                Problem(
                    source=self.source,
                    code="missing",
                    message="missing the [ruleset] table",
                    line=1,
                    column=1,
                    expected="[ruleset] with id, version and title",
                )
            )
        return RuleSetFile(
            source=self.source,
            header=header,
            params=tuple(params),
            rules=tuple(rules),
            actions=tuple(actions),
            scoring=scoring,
            problems=tuple(
                sorted(self.problems, key=lambda p: (p.line or 0, p.column or 0, p.message))
            ),
            positions=self.positions,
            lines=tuple(self.lines),
        )

    def header(self, data: Mapping[str, Any]) -> RuleSetHeader | None:
        table = data.get("ruleset")
        if table is None:
            return None
        path: Path_ = ("ruleset",)
        if not isinstance(table, dict):
            self.problem(
                path, "[ruleset] must be a table", "type", expected="a table", found=_found(table)
            )
            return None
        self.keys(table, "ruleset", path)
        ident = self.want(
            table, "id", path, str, "an id such as 'governance'", required=True, check=_check_id
        )
        version = self.want(
            table,
            "version",
            path,
            str,
            "a version such as '1.0.0'",
            required=True,
            check=_check_version,
        )
        title = self.want(table, "title", path, str, "a title", required=True)
        description = self.want(table, "description", path, str, "a string", default="")
        spec = self.want(
            table, "realign", path, str, "a version range such as '>=0.1,<1'", check=_check_range
        )
        if ident is None or version is None or title is None:
            return None
        return RuleSetHeader(
            id=ident, version=version, title=title, description=description, realign=spec
        )

    def params(self, data: Mapping[str, Any]) -> list[ParamSpec]:
        table = data.get("params", {})
        if not isinstance(table, dict):
            self.problem(
                ("params",),
                "[params] must be a table",
                "type",
                expected="a table of params",
                found=_found(table),
            )
            return []
        out = []
        for name, spec in table.items():
            path: Path_ = ("params", name)
            if not _NAME.fullmatch(name):
                self.problem(
                    path,
                    f"param name {name!r} is not a plain lower-case name",
                    "value",
                    expected="letters, digits and underscores, starting with a letter",
                )
                continue
            if not isinstance(spec, dict):
                self.problem(
                    path,
                    f"param {name!r} must be a table with type, default and doc",
                    "type",
                    expected="a table",
                    found=_found(spec),
                    hint=f'[params.{name}] with type = "number", default = ..., doc = "..."',
                )
                continue
            self.keys(spec, "param", path)
            kind = self.choice(spec, "type", path, PARAM_TYPES, required=True)
            doc = self.want(
                spec,
                "doc",
                path,
                str,
                "a sentence saying what the param is and where its value comes from",
                required=True,
            )
            low = self.want(spec, "min", path, (int, float), "a number", check=_check_bound)
            high = self.want(spec, "max", path, (int, float), "a number", check=_check_bound)
            broken = ParamSpec(
                name=name, type=kind or "", default=None, doc="", path=path, broken=True
            )
            if not self.bounds_fit(name, kind, spec, path, low, high):
                out.append(broken)
                continue
            if "default" not in spec:
                if "default" not in self.typos.get(path, {}):
                    self.problem(
                        path,
                        f"param {name!r} has no default",
                        "missing",
                        expected="a default value",
                        at_key=True,
                    )
                out.append(broken)
                continue
            if kind is None or doc is None:
                out.append(broken)
                continue
            default, error = coerce_param(kind, spec["default"])
            if error:
                self.problem(
                    (*path, "default"),
                    f"the default of {name!r} is not {_article(kind)} {kind}",
                    "type",
                    expected=error,
                    found=_found(spec["default"]),
                )
                out.append(broken)
                continue
            if (reason := bounds_problem(default, low, high)) is not None:
                self.problem(
                    (*path, "default"),
                    f"the default of {name!r} is {reason}",
                    "range",
                    found=repr(spec["default"]),
                )
                out.append(broken)
                continue
            out.append(
                ParamSpec(
                    name=name, type=kind, default=default, doc=doc, min=low, max=high, path=path
                )
            )
        return out

    def tables(
        self, data: Mapping[str, Any], key: str
    ) -> Iterator[tuple[int, Path_, dict[str, Any]]]:
        """The tables of the array of tables *key*, each with its index and path."""
        items = data.get(key, [])
        if not isinstance(items, list):
            self.problem(
                (key,),
                f"{key} must be an array of tables",
                "type",
                expected=f"[[{key}]] tables",
                found=_found(items),
            )
            return
        for index, table in enumerate(items):
            path: Path_ = (key, index)
            if not isinstance(table, dict):
                self.problem(
                    path,
                    f"each entry of {key} is a table",
                    "type",
                    expected=f"a [[{key}]] table",
                    found=_found(table),
                )
                continue
            yield index, path, table

    def rules(self, data: Mapping[str, Any]) -> list[RuleSpec]:
        out = []
        for index, path, table in self.tables(data, "rules"):
            if isinstance(table.get("id"), str):
                self.rule_ids[index] = table["id"]
            rule = self.rule(table, path)
            if rule is not None:
                out.append(rule)
        return out

    def rule(self, table: Mapping[str, Any], path: Path_) -> RuleSpec | None:
        self.keys(table, "rule", path)
        ident = self.want(
            table, "id", path, str, "a rule id such as 'GOV-01'", required=True, check=_check_id
        )
        title = self.want(table, "title", path, str, "a title", required=True)
        area = self.want(table, "area", path, str, "an area name", required=True, check=_check_name)
        severity = self.choice(table, "severity", path, SEVERITIES, required=True)
        when = self.conditions(table, path)
        bindings = self.bindings(table, path)
        requires = self.requires(table, path)
        severity_if = self.severity_if(table, path)
        actions_if = self.actions_if(table, path)
        message = None
        if "message" in table:
            message = self.condition(table["message"], (*path, "message"))
        emit = []
        emit_table = self.want(
            table, "emit", path, dict, "a table of derived fact names to expressions", default={}
        )
        for name, expr in emit_table.items():
            if not _FACT_NAME.fullmatch(name):
                self.problem(
                    (*path, "emit", name),
                    f"{name!r} is not a dotted fact name",
                    "value",
                    expected="a name like 'culture.broad_distance'",
                )
                continue
            text = self.condition(expr, (*path, "emit", name))
            if text is not None:
                emit.append((name, text))
        enabled = self.want(table, "enabled", path, bool, "true or false", default=True)
        rationale = self.want(table, "rationale", path, str, "a string", default="")
        sources = self.strings(table, "sources", path)
        actions = self.strings(table, "actions", path)
        tags = self.strings(table, "tags", path)
        if ident is None or when is None:
            return None
        # A rule with a bad title, area or severity is still compiled, so that the
        # mistakes in its conditions are reported in the same run.
        return RuleSpec(
            id=ident,
            title=title or "",
            area=area or "",
            severity=severity or "medium",
            broken=None in (title, area, severity),
            when=when,
            bindings=bindings,
            requires=requires,
            severity_if=severity_if,
            actions_if=actions_if,
            message=message,
            rationale=rationale,
            sources=sources,
            actions=actions,
            tags=tags,
            enabled=enabled,
            emit=tuple(emit),
            path=path,
        )

    def conditions(self, table: Mapping[str, Any], path: Path_) -> tuple[ConditionText, ...] | None:
        if "when" not in table:
            self.problem(
                path,
                "missing required key 'when'",
                "missing",
                expected="a condition string or an array of them",
            )
            return None
        value = table["when"]
        if isinstance(value, str):
            text = self.condition(value, (*path, "when"))
            return (text,) if text else None
        if not isinstance(value, list) or not value:
            self.problem(
                (*path, "when"),
                "when must be a condition or a non-empty array of conditions",
                "type",
                expected="a string or an array of strings",
                found=_found(value),
            )
            return None
        out = [self.condition(item, (*path, "when", i)) for i, item in enumerate(value)]
        return tuple(c for c in out if c is not None) if all(out) else None

    def bindings(
        self, table: Mapping[str, Any], path: Path_
    ) -> tuple[tuple[str, ConditionText], ...]:
        value = self.want(
            table,
            "for",
            path,
            dict,
            'a table of names to collections, e.g. { p = "partners" }',
            default={},
        )
        out = []
        for name, source in value.items():
            if not _NAME.fullmatch(name):
                self.problem(
                    (*path, "for", name),
                    f"binding name {name!r} is not a plain lower-case name",
                    "value",
                )
                continue
            text = self.condition(source, (*path, "for", name))
            if text is not None:
                out.append((name, text))
        return tuple(out)

    def requires(
        self, table: Mapping[str, Any], path: Path_
    ) -> tuple[tuple[ConditionText, str | None], ...]:
        value = table.get("requires", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(
                (*path, "requires"),
                "requires must be an array",
                "type",
                expected="conditions, or tables with when and reason",
                found=_found(value),
            )
            return ()
        out = []
        for index, item in enumerate(value):
            item_path = (*path, "requires", index)
            if isinstance(item, str):
                text = self.condition(item, item_path)
                if text:
                    out.append((text, None))
            elif isinstance(item, dict):
                self.keys(item, "requires", item_path)
                reason = self.want(item, "reason", item_path, str, "a sentence")
                if "when" not in item:
                    self.problem(item_path, "missing required key 'when'", "missing")
                    continue
                text = self.condition(item["when"], (*item_path, "when"))
                if text:
                    out.append((text, reason))
            else:
                self.problem(
                    item_path,
                    "each requirement is a condition or a table",
                    "type",
                    found=_found(item),
                )
        return tuple(out)

    def conditional(
        self, table: Mapping[str, Any], path: Path_, key: str, shape: str
    ) -> Iterator[tuple[Path_, Mapping[str, Any], ConditionText | None]]:
        """Each ``{ when, ... }`` table under *key*, with its condition read (None if bad)."""
        value = self.want(table, key, path, list, f"an array of {shape} tables", default=[])
        for index, item in enumerate(value):
            item_path = (*path, key, index)
            if not isinstance(item, dict):
                self.problem(
                    item_path, f"each entry is a {shape} table", "type", found=_found(item)
                )
                continue
            self.keys(item, key, item_path)
            text = None
            if "when" not in item:
                self.problem(item_path, "missing required key 'when'", "missing")
            else:
                text = self.condition(item["when"], (*item_path, "when"))
            yield item_path, item, text

    def severity_if(
        self, table: Mapping[str, Any], path: Path_
    ) -> tuple[tuple[ConditionText, str], ...]:
        out = []
        for item_path, item, text in self.conditional(
            table, path, "severity_if", "{ when, severity }"
        ):
            severity = self.choice(item, "severity", item_path, SEVERITIES, required=True)
            if text and severity:
                out.append((text, severity))
        return tuple(out)

    def actions_if(
        self, table: Mapping[str, Any], path: Path_
    ) -> tuple[tuple[ConditionText, tuple[str, ...]], ...]:
        out = []
        for item_path, item, text in self.conditional(
            table, path, "actions_if", "{ when, actions }"
        ):
            actions = self.strings(item, "actions", item_path)
            if "actions" not in item:
                self.problem(item_path, "missing required key 'actions'", "missing")
            elif isinstance(item["actions"], list) and not item["actions"]:
                self.problem(
                    (*item_path, "actions"),
                    "actions is empty, so the entry recommends nothing",
                    "value",
                    expected="at least one action id",
                )
            if text and actions:
                out.append((text, actions))
        return tuple(out)

    def actions(self, data: Mapping[str, Any]) -> list[ActionSpec]:
        out = []
        for _, path, table in self.tables(data, "actions"):
            self.keys(table, "action", path)
            ident = self.want(
                table,
                "id",
                path,
                str,
                "an action id such as 'ACT-01'",
                required=True,
                check=_check_id,
            )
            title = self.want(table, "title", path, str, "a title", required=True)
            effort = self.choice(table, "effort", path, EFFORTS, required=False)
            phase = self.choice(table, "phase", path, PHASES, required=False)
            impact = self.want(
                table,
                "impact_days",
                path,
                int,
                "a whole number of days",
                check=lambda v: None if v >= 0 else "must not be negative",
            )
            roots = self.strings(table, "root_causes", path)
            for position, root in enumerate(roots):
                if root not in ROOT_CAUSES:
                    self.problem(
                        (*path, "root_causes", position),
                        f"{root!r} is not a root cause",
                        "value",
                        expected=f"one of {', '.join(ROOT_CAUSES)}",
                    )
            if ident is None or title is None:
                continue
            out.append(
                ActionSpec(
                    id=ident,
                    title=title,
                    description=self.want(table, "description", path, str, "a string", default=""),
                    effort=effort,
                    impact_days=impact,
                    owner=self.want(table, "owner", path, str, "a string", default=""),
                    root_causes=roots,
                    phase=phase,
                    done_when=self.want(table, "done_when", path, str, "a string", default=""),
                    sources=self.strings(table, "sources", path),
                    path=path,
                )
            )
        return out


# --- values ----------------------------------------------------------------------------


def value_column(lines: Sequence[str], line: int, column: int) -> int:
    """The column of the value written after the key at *line*:*column* (``key = value``)."""
    if not 1 <= line <= len(lines):
        return column
    text = lines[line - 1]
    eq = text.find("=", column - 1)
    if eq < 0:
        return column
    start = eq + 1
    while start < len(text) and text[start] in " \t":
        start += 1
    return start + 1 if start < len(text) else column


def coerce_param(kind: str, value: Any) -> tuple[Any, str | None]:
    """The value of a param of *kind* written as *value*, or (None, what was expected)."""
    if kind == "boolean":
        return (value, None) if isinstance(value, bool) else (None, "true or false")
    if isinstance(value, bool):
        return None, {
            "number": "a number",
            "integer": "a whole number",
            "duration": "a duration such as '30d' or 30",
            "date": "a date",
            "string": "a string",
        }[kind]
    if kind == "number":
        # NaN compares false with everything, so it would pass any min and max.
        if isinstance(value, int | float) and value == value:
            return value, None
        return None, "a number"
    if kind == "integer":
        return (value, None) if isinstance(value, int) else (None, "a whole number")
    if kind == "duration":
        if isinstance(value, int):
            return (value, None) if value >= 0 else (None, "a duration of 0 days or more")
        if isinstance(value, str) and (m := _DURATION.fullmatch(value)):
            return int(m.group(1)) * (7 if m.group(2) == "w" else 1), None
        return None, "a duration such as '30d', '2w' or a number of days"
    if kind == "date":
        # A TOML date-time is a datetime, which is a date subclass; it is not a date.
        if isinstance(value, date) and not isinstance(value, datetime):
            return value, None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value), None
            except ValueError:
                pass
        return None, "a date (YYYY-MM-DD)"
    return (value, None) if isinstance(value, str) else (None, "a string")


def bounds_problem(value: Any, low: float | None, high: float | None) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if low is not None and value < low:
        return f"below its minimum {low}"
    if high is not None and value > high:
        return f"above its maximum {high}"
    return None


def _check_id(value: str) -> str | None:
    return (
        None
        if _ID.fullmatch(value)
        else "an id starts with a letter and holds letters, digits, '-', '_' and '.'"
    )


def _check_name(value: str) -> str | None:
    return None if _NAME.fullmatch(value) else "a lower-case name with underscores"


def _check_version(value: str) -> str | None:
    return None if _VERSION.fullmatch(value) else "a version such as 1.0.0"


_CLAUSE = re.compile(r"\s*(>=|<=|==|!=|>|<|~=)\s*([0-9]+(?:\.[0-9]+)*)\s*")


def _check_range(value: str) -> str | None:
    clauses = value.split(",")
    if all(_CLAUSE.fullmatch(c) for c in clauses):
        return None
    return "a version range of clauses such as '>=0.1,<1'"


def version_in_range(version: str, spec: str) -> bool:
    """Whether *version* satisfies every clause of *spec* (``>=0.1,<1``)."""

    def key(text: str) -> tuple[int, ...]:
        parts = [int(p) for p in re.findall(r"[0-9]+", text.split("+")[0])[:4]]
        return tuple(parts + [0] * (4 - len(parts)))

    current = key(version)
    for clause in spec.split(","):
        match = _CLAUSE.fullmatch(clause)
        if match is None:
            return False
        op, bound = match.group(1), key(match.group(2))
        ok = {
            ">=": current >= bound,
            "<=": current <= bound,
            ">": current > bound,
            "<": current < bound,
            "==": current == bound,
            "!=": current != bound,
            "~=": current >= bound
            and current[: len(match.group(2).split(".")) - 1]
            == bound[: len(match.group(2).split(".")) - 1],
        }[op]
        if not ok:
            return False
    return True


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, date):
        return f"date {value.isoformat()}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _check_bound(value: float) -> str | None:
    # NaN compares false with everything, so a NaN bound would bound nothing.
    return None if value == value else "a bound is a number, not nan"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
