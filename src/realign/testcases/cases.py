"""Reading test-case files (``*.test.toml``), with every problem located."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import Problem, closest
from ..loading._positions import SourceMap, toml_source_map
from ..loading.builtin_loaders import toml_problem
from ..rules.types import SEVERITIES

__all__ = ["TestCase", "TestFile", "load_test_file", "test_files"]

_CASE_KEYS = (
    "name",
    "facts",
    "unset",
    "patch",
    "append",
    "params",
    "fires",
    "passes",
    "not_evaluable",
    "severity",
    "reasons",
    "actions",
    "not_actions",
)
_RULE_LISTS = ("fires", "passes", "not_evaluable")


@attrs.frozen(kw_only=True)
class TestCase:
    """One case: facts (a file or an inline table), edits to them, and what must happen."""

    __test__ = False  # not a pytest class, whatever its name

    name: str
    source: str
    line: int | None
    facts_path: Path | None = None
    facts_inline: Mapping[str, Any] | None = None
    unset: tuple[str, ...] = ()
    patch: Mapping[str, Any] = attrs.field(factory=dict)
    append: Mapping[str, tuple[Mapping[str, Any], ...]] = attrs.field(factory=dict)
    params: Mapping[str, Any] = attrs.field(factory=dict)
    fires: tuple[str, ...] = ()
    passes: tuple[str, ...] = ()
    not_evaluable: tuple[str, ...] = ()
    severity: Mapping[str, str] = attrs.field(factory=dict)
    reasons: Mapping[str, str] = attrs.field(factory=dict)
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def rules_named(self) -> dict[str, tuple[str | int, ...]]:
        """Every rule id the case names, with the key that names it."""
        out: dict[str, tuple[str | int, ...]] = {}
        for key in _RULE_LISTS:
            for index, rule in enumerate(getattr(self, key)):
                out.setdefault(rule, (key, index))
        for key in ("severity", "reasons"):
            for rule in getattr(self, key):
                out.setdefault(rule, (key, rule))
        return out


@attrs.frozen(kw_only=True)
class TestFile:
    __test__ = False

    source: str
    cases: tuple[TestCase, ...] = ()
    problems: tuple[Problem, ...] = ()


def test_files(directory: Path) -> list[Path]:
    """The test-case files in *directory*: every ``*.test.toml``."""
    return sorted(directory.glob("*.test.toml"))


test_files.__test__ = False  # type: ignore[attr-defined]


def load_test_file(path: str | Path) -> TestFile:
    """Read a test-case file; problems are returned in the result, never raised."""
    source = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as error:
        return TestFile(
            source=source,
            problems=(Problem(source=source, code="io", message=f"cannot read: {error.strerror}"),),
        )
    except UnicodeDecodeError as error:
        return TestFile(
            source=source,
            problems=(
                Problem(
                    source=source,
                    code="encoding",
                    message=f"not UTF-8 text (byte {error.start})",
                    expected="UTF-8",
                ),
            ),
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return TestFile(source=source, problems=(toml_problem(source, text, error),))
    reader = _Reader(source, Path(path).parent, toml_source_map(text))
    cases = reader.read(data)
    return TestFile(source=source, cases=tuple(cases), problems=tuple(reader.problems))


load_test_file.__test__ = False  # type: ignore[attr-defined]


class _Reader:
    def __init__(self, source: str, base: Path, positions: SourceMap) -> None:
        self.source = source
        self.base = base
        self.positions = positions
        self.problems: list[Problem] = []

    def problem(self, path: tuple[str | int, ...], message: str, code: str, **details: Any) -> None:
        found = self.positions.locate(path)
        line, column = (found[1].line, found[1].column) if found else (None, None)
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

    def read(self, data: Mapping[str, Any]) -> list[TestCase]:
        for key in data:
            if key != "cases":
                guess = closest(key, ["cases"])
                self.problem(
                    (key,),
                    f"unknown key {key!r}",
                    "unknown-key",
                    hint="did you mean 'cases'?" if guess else "a test file holds [[cases]] tables",
                )
        cases = data.get("cases")
        if cases is None:
            self.problem((), "no [[cases]] in the file", "missing", expected="[[cases]] tables")
            return []
        if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
            self.problem(("cases",), "cases must be [[cases]] tables", "type")
            return []
        if not cases:
            self.problem(("cases",), "the file has no cases", "empty", expected="[[cases]] tables")
        out = []
        names: dict[str, int] = {}
        for index, table in enumerate(cases):
            name = table.get("name")
            if isinstance(name, str) and name in names:
                self.problem(
                    ("cases", index, "name"),
                    f"case name {name!r} is already used by case {names[name] + 1}",
                    "duplicate",
                    hint="give every case its own name, so failures can be told apart",
                )
            elif isinstance(name, str):
                names[name] = index
            case = self.case(table, ("cases", index))
            if case is not None:
                out.append(case)
        return out

    def case(self, table: Mapping[str, Any], path: tuple[str | int, ...]) -> TestCase | None:
        ok = True
        for key in table:
            if key not in _CASE_KEYS:
                guess = closest(key, _CASE_KEYS)
                self.problem(
                    (*path, key),
                    f"unknown key {key!r}",
                    "unknown-key",
                    hint=f"did you mean {guess!r}?"
                    if guess
                    else f"known keys: {', '.join(_CASE_KEYS)}",
                )
                ok = False
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(
                (*path, "name") if "name" in table else path,
                "every case needs a name",
                "missing" if "name" not in table else "type",
                expected="a non-empty string",
            )
            ok = False
        facts = table.get("facts")
        facts_path = facts_inline = None
        if isinstance(facts, str):
            facts_path = (self.base / facts).resolve()
            if not facts_path.is_file():
                self.problem(
                    (*path, "facts"),
                    f"fact file {facts!r} not found",
                    "missing-file",
                    expected=f"a path relative to {self.source}",
                    found=str(facts_path),
                )
                ok = False
        elif isinstance(facts, dict):
            facts_inline = facts
        else:
            self.problem(
                (*path, "facts") if "facts" in table else path,
                "a case needs facts: a fact file's path, or an inline table",
                "missing" if facts is None else "type",
                expected="a string path or a [cases.facts] table",
            )
            ok = False
        before = len(self.problems)
        lists = {
            key: self.strings(table, key, path)
            for key in (*_RULE_LISTS, "actions", "not_actions", "unset")
        }
        misread = len(self.problems) > before
        if misread:
            ok = False  # a case that cannot be read as written must not run
        if not misread and not any(lists[key] for key in _RULE_LISTS):
            self.problem(
                path,
                f"case {name!r} expects nothing",
                "empty",
                expected="at least one of fires, passes, not_evaluable",
            )
            ok = False
        seen: dict[str, str] = {}
        for key in _RULE_LISTS:
            for index, rule in enumerate(lists[key]):
                if rule in seen and seen[rule] != key:
                    self.problem(
                        (*path, key, index),
                        f"{rule} is expected both in {seen[rule]} and in {key}",
                        "conflict",
                    )
                    ok = False
                seen.setdefault(rule, key)
        patch = self.table(table, "patch", path)
        append = self.table(table, "append", path)
        for dotted, records in (append or {}).items():
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                self.problem(
                    (*path, "append", dotted),
                    f"append {dotted!r} must be an array of tables",
                    "type",
                    expected='[{ type = "team_building", ... }]',
                )
                ok = False
        params = self.table(table, "params", path)
        severity = self.table(table, "severity", path)
        for rule, value in (severity or {}).items():
            if value not in SEVERITIES:
                guess = closest(str(value), SEVERITIES)
                self.problem(
                    (*path, "severity", rule),
                    f"unknown severity {value!r} for {rule}",
                    "value",
                    expected=f"one of {', '.join(SEVERITIES)}",
                    hint=f"did you mean {guess!r}?" if guess else None,
                )
                ok = False
            elif rule not in lists["fires"]:
                self.problem(
                    (*path, "severity", rule),
                    f"a severity is expected for {rule}, which the case does not expect to fire",
                    "conflict",
                    hint=f"add {rule!r} to fires",
                )
                ok = False
        reasons = self.table(table, "reasons", path)
        for rule, value in (reasons or {}).items():
            if not isinstance(value, str):
                self.problem((*path, "reasons", rule), "a reason is a string", "type")
                ok = False
            elif rule not in lists["not_evaluable"]:
                self.problem(
                    (*path, "reasons", rule),
                    f"a reason is expected for {rule}, which the case does not expect "
                    "to be not evaluable",
                    "conflict",
                    hint=f"add {rule!r} to not_evaluable",
                )
                ok = False
        if not ok or None in (patch, append, params, severity, reasons):
            return None
        found = self.positions.locate(path)
        return TestCase(
            name=str(name),
            source=self.source,
            line=found[1].line if found else None,
            facts_path=facts_path,
            facts_inline=facts_inline,
            unset=lists["unset"],
            patch=patch,
            append={k: tuple(v) for k, v in append.items()},
            params=params,
            fires=lists["fires"],
            passes=lists["passes"],
            not_evaluable=lists["not_evaluable"],
            severity=severity,
            reasons=reasons,
            actions=lists["actions"],
            not_actions=lists["not_actions"],
        )

    def strings(
        self, table: Mapping[str, Any], key: str, path: tuple[str | int, ...]
    ) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(
                (*path, key),
                f"{key} must be an array of strings",
                "type",
                expected='["GOV-01", ...]',
            )
            return ()
        return tuple(value)

    def table(self, table: Mapping[str, Any], key: str, path: tuple[str | int, ...]) -> Any:
        value = table.get(key, {})
        if not isinstance(value, dict):
            self.problem((*path, key), f"{key} must be a table", "type", expected="a TOML table")
            return None
        return value
