"""Every example in docs/rulesets.md runs, and does what the page says it does.

The page follows these conventions (its last section states them for readers too):

* Every ```toml block is a complete rule-set file. The HTML comments after it, up to
  the next fenced block, say what it must do, and a block that says nothing fails:

  - ``<!-- expect FACTS [--param NAME=VALUE ...]: fired A, B; passed C; not_evaluable D -->``
    assesses ``examples/FACTS.toml`` on both backends; every rule of the block is listed
    (``disabled E`` for a rule with ``enabled = false``).
  - ``<!-- expect-finding FACTS [--param ...] RULE: severity=high matches=2 message="..." -->``
    (also ``actions=A,B``, empty for none).
  - ``<!-- expect-reason FACTS [--param ...] RULE: "words the reason contains" -->``
  - ``<!-- expect-error [--param ...]: CODE LOCATION -->`` and ``expect-warning``:
    ``realign check`` reports exactly these problems, at ``LINE:COL`` of the block,
    ``FILE:LINE:COL`` of a named block, or ``<params>`` for a param override. The
    check runs without params too, and must then be clean unless errors are expected.
  - ``<!-- file: NAME.toml -->`` names a block; ``<!-- with: NAME.toml, ... -->`` checks
    and assesses a block together with named blocks (they come first).
  - ``<!-- xfail BACKEND: reason -->`` (``python``, ``durable_rules`` or ``check``) marks a
    known engine bug: that part must fail until the bug is fixed.

* Every ```python block runs in a directory holding the named blocks and ``examples/``;
  a ```text block right after it is its exact standard output. A ```sh block followed
  by a ```text block holds ``realign`` commands, which run there too and must print it.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import json
import os
import re
import shlex
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

import realign
from realign import Engine, get_plugin_manager
from realign.cli import main as cli_main
from realign.rules import syntax
from realign.rules.functions import builtin_functions
from realign.rules.ruleset import _SECTIONS, parse_ruleset_text

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "rulesets.md"
EXAMPLES = ROOT / "examples"
BACKENDS = ("python", "durable_rules")
STATUSES = ("fired", "passed", "not_evaluable", "disabled")
BLOCK_FILE = "example.toml"

_FENCE = re.compile(r"^```(\w*)\s*$")
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_PARAMS = r"(?P<params>(?:\s+--param\s+\S+)*)"
_DIRECTIVES = {
    "expect": re.compile(rf"expect\s+(?P<facts>[\w-]+){_PARAMS}\s*:\s*(?P<body>.+)", re.S),
    "expect-finding": re.compile(
        rf"expect-finding\s+(?P<facts>[\w-]+){_PARAMS}\s+(?P<rule>\S+)\s*:\s*(?P<body>.+)", re.S
    ),
    "expect-reason": re.compile(
        rf"expect-reason\s+(?P<facts>[\w-]+){_PARAMS}\s+(?P<rule>\S+)\s*:\s*(?P<body>.+)", re.S
    ),
    "expect-error": re.compile(rf"expect-error{_PARAMS}\s*:\s*(?P<code>\S+)\s+(?P<where>\S+)"),
    "expect-warning": re.compile(rf"expect-warning{_PARAMS}\s*:\s*(?P<code>\S+)\s+(?P<where>\S+)"),
    "file": re.compile(r"file\s*:\s*(?P<name>[\w.-]+\.toml)"),
    "with": re.compile(r"with\s*:\s*(?P<names>.+)"),
    "xfail": re.compile(r"xfail\s+(?P<part>python|durable_rules|check)\s*:\s*(?P<reason>.+)", re.S),
}

Params = tuple[tuple[str, str], ...]


@attrs.frozen
class Block:
    """One fenced block of the page and the directives that follow it."""

    index: int
    line: int
    lang: str
    text: str
    heading: str
    directives: tuple[tuple[str, dict[str, str]], ...] = ()
    output: str | None = None

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")
        return f"{self.index:02d}-{slug[:40]}-L{self.line}"

    def all(self, kind: str) -> list[dict[str, str]]:
        return [fields for name, fields in self.directives if name == kind]

    @property
    def name(self) -> str | None:
        names = self.all("file")
        return names[0]["name"] if names else None

    def xfail(self, part: str) -> str | None:
        reasons = [d["reason"].strip() for d in self.all("xfail") if d["part"] == part]
        return reasons[0] if reasons else None


def _parse_params(text: str) -> Params:
    pairs = re.findall(r"--param\s+(\S+)", text or "")
    return tuple((name, value) for name, _, value in (p.partition("=") for p in pairs))


def _read_doc() -> tuple[list[Block], list[str]]:
    """The page's fenced blocks with their directives, and every problem with its layout."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    problems: list[str] = []
    heading = ""
    gaps: list[tuple[int, str]] = []  # (index of the block before, text after it)
    i = 0
    gap_start = 0
    while i < len(lines):
        if lines[i].startswith("#"):
            heading = lines[i].lstrip("#").strip()
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        gaps.append((len(blocks) - 1, "\n".join(lines[gap_start:i])))
        start = i
        i += 1
        body: list[str] = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            problems.append(f"line {start + 1}: the fenced block is never closed")
        blocks.append(
            Block(len(blocks), start + 1, match.group(1), "\n".join(body) + "\n", heading)
        )
        i += 1
        gap_start = i
    gaps.append((len(blocks) - 1, "\n".join(lines[gap_start:])))
    for before, text in gaps:
        for comment in _COMMENT.findall(text):
            directive = _directive(comment.strip())
            if directive is None:
                problems.append(f"not a directive: <!--{comment}-->")
            elif before < 0 or blocks[before].lang != "toml":
                problems.append(f"a directive with no ```toml block before it: <!--{comment}-->")
            else:
                block = blocks[before]
                blocks[before] = attrs.evolve(block, directives=(*block.directives, directive))
    for position, block in enumerate(blocks):
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        if block.lang in ("python", "sh") and following is not None and following.lang == "text":
            blocks[position] = attrs.evolve(block, output=following.text)
    return blocks, problems


def _directive(text: str) -> tuple[str, dict[str, str]] | None:
    for kind in sorted(_DIRECTIVES, key=len, reverse=True):
        if not text.startswith(kind):
            continue
        match = _DIRECTIVES[kind].fullmatch(text)
        if match is None:
            return None
        return kind, {k: (v or "") for k, v in match.groupdict().items()}
    return None


BLOCKS, LAYOUT_PROBLEMS = _read_doc()
TOML_BLOCKS = [b for b in BLOCKS if b.lang == "toml"]
NAMED = {b.name: b for b in TOML_BLOCKS if b.name}


def _parts(block: Block) -> list[Block]:
    out = []
    for directive in block.all("with"):
        for name in re.split(r"[,\s]+", directive["names"].strip()):
            out.append(NAMED[name])
    return out


def _write(block: Block, directory: Path) -> list[str]:
    """Write the block and its parts into *directory*; their names, parts first."""
    names = []
    for part in _parts(block):
        assert part.name is not None
        (directory / part.name).write_text(part.text, encoding="utf-8")
        names.append(part.name)
    (directory / BLOCK_FILE).write_text(block.text, encoding="utf-8")
    return [*names, BLOCK_FILE]


def _is_covered(block: Block) -> bool:
    if block.all("expect") or block.all("expect-error"):
        return True
    return block.name is not None and any(
        block in _parts(other) for other in TOML_BLOCKS if other is not block
    )


# --- the page's layout ---------------------------------------------------------------


def test_page_layout_is_well_formed() -> None:
    assert LAYOUT_PROBLEMS == []
    assert len(TOML_BLOCKS) >= 30


def test_every_toml_block_says_what_it_does() -> None:
    silent = [f"line {b.line}" for b in TOML_BLOCKS if not _is_covered(b)]
    assert silent == [], "toml blocks without <!-- expect ... --> or <!-- expect-error ... -->"


def test_named_blocks_are_unique_and_exist() -> None:
    names = [b.name for b in TOML_BLOCKS if b.name]
    assert len(names) == len(set(names))
    for block in TOML_BLOCKS:
        for directive in block.all("with"):
            for name in re.split(r"[,\s]+", directive["names"].strip()):
                assert name in NAMED, f"line {block.line}: no block named {name}"


# --- realign check on every block ----------------------------------------------------


def _check_cases() -> Iterator[Any]:
    for block in TOML_BLOCKS:
        if not (block.all("expect") or block.all("expect-error")):
            continue
        reason = block.xfail("check")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(block, id=block.id, marks=marks)


def _expected_problems(block: Block) -> dict[Params, list[tuple[str, str, str]]]:
    out: dict[Params, list[tuple[str, str, str]]] = {(): []}
    for severity in ("error", "warning"):
        for fields in block.all(f"expect-{severity}"):
            params = _parse_params(fields["params"])
            out.setdefault(params, []).append((severity, fields["code"], fields["where"]))
    return out


def _where(problem: Mapping[str, Any]) -> str:
    source = str(problem["source"])
    if problem["line"] is None:
        return source
    place = f"{problem['line']}:{problem['column']}"
    return place if source == BLOCK_FILE else f"{source}:{place}"


def _run_check(files: list[str], params: Params) -> tuple[int, dict[str, Any]]:
    args = ["check", "--format", "json"]
    for name, value in params:
        args += ["--param", f"{name}={value}"]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = cli_main([*args, *files])
    return code, json.loads(stdout.getvalue())


@pytest.mark.parametrize("block", list(_check_cases()))
def test_realign_check_reports_what_the_page_says(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _write(block, tmp_path)
    monkeypatch.chdir(tmp_path)
    for params, expected in _expected_problems(block).items():
        code, report = _run_check(files, params)
        found = sorted((p["severity"], p["code"], _where(p)) for p in report["problems"])
        assert found == sorted(expected), (params, report["problems"])
        errors = any(severity == "error" for severity, _, _ in expected)
        assert code == (2 if errors else 0)


# --- assessments on both backends ----------------------------------------------------


@functools.cache
def _plugin_manager() -> Any:
    return get_plugin_manager(load_entrypoints=False)


@functools.cache
def _facts(name: str) -> realign.FactSet:
    return realign.load_facts(EXAMPLES / f"{name}.toml", plugin_manager=_plugin_manager())


def _assess_cases() -> Iterator[Any]:
    for block in TOML_BLOCKS:
        if not block.all("expect"):
            continue
        for backend in BACKENDS:
            reason = block.xfail(backend)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(block, backend, id=f"{block.id}-{backend}", marks=marks)


def _statuses(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for clause in body.split(";"):
        status, _, ids = clause.strip().partition(" ")
        assert status in STATUSES, f"unknown status {status!r}"
        for rule in re.split(r"[,\s]+", ids.strip()):
            assert rule not in out, f"{rule} is listed twice"
            out[rule] = status
    return out


def _assessments(block: Block, backend: Any, tmp_path: Path) -> Iterator[tuple[str, Any, Any]]:
    """Each directive with the assessment it talks about, one engine per param set."""
    files = [tmp_path / name for name in _write(block, tmp_path)]
    engines: dict[Params, Engine] = {}
    for kind in ("expect", "expect-finding", "expect-reason"):
        for fields in block.all(kind):
            params = _parse_params(fields["params"])
            if params not in engines:
                engines[params] = Engine(
                    files,
                    plugin_manager=_plugin_manager(),
                    params=dict(params),
                    backend=backend,
                )
            engine = engines[params]
            yield kind, fields, (engine, engine.assess(_facts(fields["facts"])))


@pytest.mark.parametrize(("block", "backend"), list(_assess_cases()))
def test_examples_assess_as_the_page_says(block: Block, backend: str, tmp_path: Path) -> None:
    for kind, fields, (engine, assessment) in _assessments(block, backend, tmp_path):
        where = f"line {block.line}, {kind} {fields['facts']}{fields['params']}"
        if kind == "expect":
            expected = _statuses(fields["body"])
            disabled = {rule for rule, status in expected.items() if status == "disabled"}
            actual = {finding.rule: "fired" for finding in assessment.findings}
            actual |= {n.rule: "not_evaluable" for n in assessment.not_evaluable}
            actual |= dict.fromkeys(assessment.passed, "passed")
            live = {rule: s for rule, s in expected.items() if s != "disabled"}
            assert actual == live, where
            catalog = {rule.id: rule.enabled for rule in engine.catalog.rules}
            assert {rule: catalog.get(rule) for rule in disabled} == dict.fromkeys(
                disabled, False
            ), where
        elif kind == "expect-finding":
            finding = assessment.finding(fields["rule"])
            for key, value in (item.split("=", 1) for item in shlex.split(fields["body"])):
                actual_value = {
                    "severity": finding.severity,
                    "matches": str(len(finding.evidence)),
                    "message": finding.message,
                    "actions": ",".join(finding.actions),
                }[key]
                assert actual_value == value, f"{where}: {key}"
        else:
            reasons = {n.rule: n.reason for n in assessment.not_evaluable}
            wanted = shlex.split(fields["body"])[0]
            assert wanted in reasons[fields["rule"]], where


def test_both_backends_give_the_same_assessment_for_every_example(tmp_path: Path) -> None:
    """Beyond the statuses the page states: findings, messages and evidence agree too."""
    for block in TOML_BLOCKS:
        if not block.all("expect") or block.xfail("durable_rules") or block.xfail("python"):
            continue
        results = {}
        for backend in BACKENDS:
            directory = tmp_path / f"{block.index}-{backend}"
            directory.mkdir()
            results[backend] = [
                assessment.to_dict()
                for kind, _, (_, assessment) in _assessments(block, backend, directory)
                if kind == "expect"
            ]
        assert results["python"] == results["durable_rules"], f"line {block.line}"


# --- python examples -----------------------------------------------------------------


def _python_cases() -> Iterator[Any]:
    for block in BLOCKS:
        if block.lang == "python":
            yield pytest.param(block, id=block.id)


@pytest.mark.parametrize("block", list(_python_cases()))
def test_python_examples_run(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for named in NAMED.values():
        assert named.name is not None
        (tmp_path / named.name).write_text(named.text, encoding="utf-8")
    os.symlink(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    stdout = io.StringIO()
    code = compile(block.text, f"{DOC}:{block.line}", "exec")
    with contextlib.redirect_stdout(stdout):
        exec(code, {"__name__": "__doc_example__"})
    if block.output is not None:
        assert stdout.getvalue() == block.output


def _command_cases() -> Iterator[Any]:
    for block in BLOCKS:
        if block.lang == "sh" and block.output is not None:
            yield pytest.param(block, id=block.id)


@pytest.mark.parametrize("block", list(_command_cases()))
def test_commands_print_what_the_page_shows(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for named in NAMED.values():
        assert named.name is not None
        (tmp_path / named.name).write_text(named.text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        for line in block.text.splitlines():
            command = shlex.split(line)
            assert command[0] == "realign", f"line {block.line}: only realign commands run"
            cli_main(command[1:])
    assert stdout.getvalue() == block.output


# --- the page keeps up with the code -------------------------------------------------


def _problem_codes() -> set[str]:
    """Every problem code the rule-set checker can report, read from its source."""
    positional = {"problem": 2, "add": 3, "Issue": 3, "_warning": 4, "fail": 2}
    sources = [*sorted((ROOT / "src" / "realign" / "rules").glob("*.py"))]
    sources.append(ROOT / "src" / "realign" / "engine" / "engine.py")
    codes: set[str] = {"type"}  # Lowerer.fail's default
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    codes.add(str(keyword.value.value))
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            index = positional.get(name)
            if index is not None and len(node.args) > index:
                arg = node.args[index]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.add(arg.value)
    return codes


def test_every_problem_code_is_documented() -> None:
    codes = _problem_codes()
    assert {"syntax", "cycle", "never-true", "cross-product", "unused", "unknown-field"} <= codes
    page = DOC.read_text(encoding="utf-8")
    assert sorted(c for c in codes if f"`{c}`" not in page) == []


def test_every_builtin_function_is_documented_with_its_signature() -> None:
    page = DOC.read_text(encoding="utf-8")
    functions = builtin_functions()
    assert len(functions) >= 10
    missing = [f.signature for f in functions if f"`{f.signature}`" not in page]
    assert missing == []


def test_every_aggregate_keyword_and_key_is_documented() -> None:
    page = DOC.read_text(encoding="utf-8")
    words = {*syntax.AGGREGATES, *syntax.KEYWORDS}
    for keys in _SECTIONS.values():
        words |= set(keys)
    written = ("`{}`", "`[{}]`", "`[[{}]]`")
    missing = [w for w in words if not any(form.format(w) in page for form in written)]
    assert sorted(missing) == []


def test_every_named_block_parses_as_a_rule_set() -> None:
    for block in NAMED.values():
        parsed = parse_ruleset_text(block.text, source=str(block.name))
        assert parsed.header is not None, block.line
