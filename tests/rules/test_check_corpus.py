"""``realign check`` on a corpus of broken rule sets, as a consultant meets it.

Each file in ``tests/data/broken_rulesets/`` holds one realistic mistake (a
sub-directory holds a mistake that spans two files); ``EXPECTED.toml`` there says
what check must report for it: the code, the line and column (checked against
the file's own text), the message, what to do about it, the rule it is in and
how many errors there are in all. Each of those is its own test, so that a
known defect of one aspect (marked ``xfail(strict=True)`` with the reason in
EXPECTED.toml) does not hide the others.

``tests/data/warning_rulesets/`` holds valid rule sets that deserve a warning:
check prints it, located, and exits 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from realign.cli import main

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "data" / "broken_rulesets"
WARNINGS = ROOT / "tests" / "data" / "warning_rulesets"
SAMPLE = ROOT / "tests" / "data" / "rulesets" / "sample.toml"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads(
    (BROKEN / "EXPECTED.toml").read_text(encoding="utf-8")
)


def corpus_entries() -> list[Path]:
    """Every case in the corpus directory: a ``.toml`` file or a sub-directory of them."""
    return sorted(
        p for p in BROKEN.iterdir() if p.is_dir() or (p.suffix == ".toml" and p.stem != "EXPECTED")
    )


def case_path(name: str) -> Path:
    return BROKEN / name if (BROKEN / name).is_dir() else BROKEN / f"{name}.toml"


def source_of(name: str) -> Path:
    """The file the expected problem is in."""
    spec = EXPECTED[name]
    return case_path(name) / spec["source"] if "source" in spec else case_path(name)


def cases(aspect: str, *, only_with: str | None = None) -> list[Any]:
    """One param per case, xfail(strict) where EXPECTED.toml records a defect of *aspect*."""
    out = []
    for name, spec in EXPECTED.items():
        if only_with is not None and only_with not in spec:
            continue
        reason = spec.get("xfail", {}).get(aspect)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_json(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    code, out, err = run(capsys, "check", "--format", "json", str(path))
    assert "Traceback" not in out + err
    document: dict[str, Any] = json.loads(out)
    document["exit"] = code
    return document


def located_lines(out: str, source: Path, line: int, column: int, severity: str) -> list[str]:
    prefix = f"{source}:{line}:{column}: {severity}: "
    return [text for text in out.splitlines() if text.startswith(prefix)]


def the_problem(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The problem of *document* that EXPECTED.toml describes for case *name*."""
    spec = EXPECTED[name]
    found = [
        p
        for p in document["problems"]
        if p["source"] == str(source_of(name))
        and (p["line"], p["column"]) == (spec["line"], spec["column"])
        and p["severity"] == "error"
        and spec["message"] in p["message"]
    ]
    assert found, f"no error at {spec['line']}:{spec['column']} about {spec['message']!r}: " + (
        json.dumps(document["problems"], indent=1)
    )
    return found[0]


# --- the corpus and its table agree ------------------------------------------------------


def test_every_corpus_file_has_an_expectation_and_back() -> None:
    names = {p.stem if p.is_file() else p.name for p in corpus_entries()}
    assert names == set(EXPECTED)
    assert len(names) >= 24


@pytest.mark.parametrize("name", list(EXPECTED), ids=list(EXPECTED))
def test_expected_position_is_where_the_text_is(name: str) -> None:
    """Guards the table itself: line:column really is where ``at`` is written in the file."""
    spec = EXPECTED[name]
    lines = source_of(name).read_text(encoding="utf-8").splitlines()
    text = lines[spec["line"] - 1]
    assert spec["column"] - 1 <= len(text)
    assert text[spec["column"] - 1 :].startswith(spec["at"]), (text, spec["at"])


def test_the_sub_directory_cases_hold_two_files_each() -> None:
    for directory in (p for p in corpus_entries() if p.is_dir()):
        assert len(list(directory.glob("*.toml"))) == 2


# --- each broken rule set ----------------------------------------------------------------


@pytest.mark.parametrize("name", cases("located"))
def test_error_is_located(capsys: pytest.CaptureFixture[str], name: str) -> None:
    """Exit 2, no traceback, and ``file:line:col: error: ... message`` on the exact spot."""
    spec = EXPECTED[name]
    code, out, err = run(capsys, "check", str(case_path(name)))
    assert code == 2
    assert "Traceback" not in out + err
    lines = located_lines(out, source_of(name), spec["line"], spec["column"], "error")
    assert any(spec["message"] in text for text in lines), out
    if "code" in spec:
        problem = the_problem(check_json(capsys, case_path(name)), name)
        assert problem["code"] == spec["code"]


@pytest.mark.parametrize("name", cases("fix", only_with="fix"))
def test_error_says_how_to_fix_it(capsys: pytest.CaptureFixture[str], name: str) -> None:
    spec = EXPECTED[name]
    document = check_json(capsys, case_path(name))
    advice = [
        f"{p['expected'] or ''} {p['hint'] or ''}"
        for p in document["problems"]
        if p["source"] == str(source_of(name)) and p["severity"] == "error"
    ]
    assert any(spec["fix"] in text for text in advice), advice


@pytest.mark.parametrize("name", cases("rule", only_with="rule"))
def test_error_names_its_rule(capsys: pytest.CaptureFixture[str], name: str) -> None:
    spec = EXPECTED[name]
    code, out, _ = run(capsys, "check", str(case_path(name)))
    assert code == 2
    # The line only: a wrong column is test_error_is_located's to report.
    prefix = f"{source_of(name)}:{spec['line']}:"
    lines = [text for text in out.splitlines() if text.startswith(prefix) and ": error: " in text]
    assert lines, out
    assert any(spec["rule"] in text for text in lines), lines


@pytest.mark.parametrize("name", cases("errors"))
def test_one_mistake_is_not_a_cascade(capsys: pytest.CaptureFixture[str], name: str) -> None:
    """The number of errors is the number of mistakes: all of them, and nothing made up."""
    document = check_json(capsys, case_path(name))
    assert document["exit"] == 2
    errors = [p for p in document["problems"] if p["severity"] == "error"]
    assert document["errors"] == len(errors)
    assert len(errors) == EXPECTED[name]["errors"], json.dumps(errors, indent=1)


def test_three_mistakes_in_three_rules_are_all_reported(capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / "three_independent_mistakes.toml"
    code, out, _ = run(capsys, "check", str(path))
    assert code == 2
    for (line, column), what in {
        (10, 12): "rule GOV-01: 'hihg' is not a valid severity",
        (18, 9): "rule GOV-02: governance has no field 'decision_protocl'",
        (26, 35): "rule GOV-03: cannot compare a date (e.opened) with a number (30)",
    }.items():
        assert any(what in text for text in located_lines(out, path, line, column, "error")), out
    assert out.rstrip().endswith("1 file, 3 rules: 3 errors, 0 warnings")


def test_three_mistakes_in_one_rule_are_all_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad severity does not stop the rule's condition and actions from being checked."""
    path = BROKEN / "one_rule_three_mistakes.toml"
    code, out, _ = run(capsys, "check", str(path))
    assert code == 2
    for (line, column), what in {
        (10, 12): "rule GOV-25: 'hgh' is not a valid severity",
        (11, 9): "rule GOV-25: unknown name 'governence'",
        (12, 12): "rule GOV-25: unknown action 'ACT-5'; did you mean 'ACT-05'?",
    }.items():
        assert any(what in text for text in located_lines(out, path, line, column, "error")), out


@pytest.mark.parametrize(
    "name", ["one_rule_three_mistakes", "unknown_action_id", "unknown_param_in_condition"]
)
def test_a_misspelt_use_does_not_also_warn_unused(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    document = check_json(capsys, case_path(name))
    assert document["errors"] == EXPECTED[name]["errors"]
    assert document["warnings"] == 0, json.dumps(document["problems"], indent=1)


def test_found_keeps_an_excerpt_that_adds_to_the_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Where ``found`` adds something (an excerpt of the condition), it stays."""
    document = check_json(capsys, case_path("quoted_date"))
    (problem,) = document["problems"]
    assert problem["found"] == "\"e.opened > '2024-01-01'\""


def test_found_is_not_a_repeat_of_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    repeats = []
    for entry in corpus_entries():
        for problem in check_json(capsys, entry)["problems"]:
            found = problem["found"]
            if not found or found[0] not in "'\"":
                continue
            word = found[1:-1].strip("'\"")
            if word and f"'{word}'" in problem["message"]:
                repeats.append(f"{problem['message']} (found {found})")
    assert not repeats, "\n".join(repeats)


# --- the same files, as a user sees them -------------------------------------------------


def run_module(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "realign", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "name", ["toml_syntax_bare_value", "multiline_condition", "duplicate_rule_id_across_files"]
)
def test_a_real_process_exits_2_without_a_traceback(name: str) -> None:
    spec = EXPECTED[name]
    result = run_module("check", str(case_path(name)))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""
    lines = located_lines(result.stdout, source_of(name), spec["line"], spec["column"], "error")
    assert any(spec["message"] in text for text in lines), result.stdout


def test_the_installed_command_exits_2_without_a_traceback() -> None:
    command = Path(sys.executable).with_name("realign")
    if not command.exists():
        pytest.skip("no realign console script next to this interpreter")
    path = case_path("unknown_fact_field")
    result = subprocess.run(
        [str(command), "check", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{path}:12:9: error: rules[0].when: rule GOV-02: e has no field" in result.stdout


# --- positions survive the way a file was saved ------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "multiline_condition",
        "bad_severity_typo",
        "param_default_wrong_type",
        "unclosed_array",
        "multiline_backslash_condition",
        "condition_array_second_item",
        "enum_impossible_value",
        "non_ascii_before_mistake",
        "requires_condition_mistake",
        "message_unbalanced_brace",
        "toml_syntax_bare_value",
    ],
)
def test_windows_line_endings_keep_the_position(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    spec = EXPECTED[name]
    copy = tmp_path / f"{name}.toml"
    copy.write_bytes(case_path(name).read_bytes().replace(b"\n", b"\r\n"))
    code, out, _ = run(capsys, "check", str(copy))
    assert code == 2
    assert located_lines(out, copy, spec["line"], spec["column"], "error"), out


def test_a_byte_order_mark_is_not_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "sample.toml"
    copy.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes())
    code, out, _ = run(capsys, "check", str(copy))
    assert (code, out.splitlines()[-1]) == (0, "1 file, 7 rules: 0 errors, 0 warnings")


# --- other ways to get it wrong on the command line --------------------------------------


def test_a_missing_file_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "governance.toml"
    code, out, err = run(capsys, "check", str(path))
    assert code == 2
    assert "Traceback" not in out + err
    assert f"{path}: error: cannot read the file" in out


def test_a_directory_without_rule_sets_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "notes.md").write_text("not a rule set\n", encoding="utf-8")
    code, out, err = run(capsys, "check", str(tmp_path))
    assert (code, out) == (2, "")
    assert f"{tmp_path}: no rule-set files (*.toml) in this directory" in err


def test_an_unknown_param_override_gets_a_did_you_mean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "check", str(SAMPLE), "--param", "recuring_min=4")
    assert code == 2
    assert "Traceback" not in out + err
    assert (
        "<params>: error: recuring_min: no param 'recuring_min' to override; "
        "did you mean 'recurring_min'?"
    ) in out


def test_a_param_override_of_the_wrong_type_is_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "check", str(SAMPLE), "--param", "recurring_min=four")
    assert code == 2
    assert "param 'recurring_min' is an integer (expected a whole number, found 'four')" in out


# --- valid rule sets ---------------------------------------------------------------------


def test_the_sample_rule_set_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(SAMPLE))
    assert (code, out, err) == (0, "1 file, 7 rules: 0 errors, 0 warnings\n", "")


WARNING_CASES: dict[str, dict[str, Any]] = {
    "unused_param": {
        "code": "unused",
        "line": 6,
        "column": 9,
        "at": "sla_days]",
        "message": "param 'sla_days' is not used by any rule",
        "fix": "remove it, or use it in a condition",
    },
    "unused_action": {
        "code": "unused",
        "line": 18,
        "column": 3,
        "at": "actions]]",
        "message": "action 'ACT-06' is not recommended by any rule",
    },
    "never_true_condition": {
        "code": "never-true",
        "line": 12,
        "column": 1,
        "at": 'when = "p.headcount > 500',
        "message": "rule ALN-01 can never fire: 'p.headcount > 500' and 'p.headcount < 300' "
        "contradict each other",
        "fix": "check the comparison directions",
    },
    "never_true_across_array": {
        "code": "never-true",
        "line": 12,
        "column": 1,
        "at": "when = [",
        "message": "rule ALN-02 can never fire: 'p.internal_alignment_score >= 4' and "
        "'p.internal_alignment_score <= 2' contradict each other",
        "fix": "check the comparison directions",
    },
    "cross_product_join": {
        "code": "cross-product",
        "line": 11,
        "column": 1,
        "at": "for = {",
        "message": "rule ALN-03 joins {o} and {k} with no condition relating them",
        "fix": "add a join key",
    },
    "unknown_area_typo": {
        "code": "value",
        "line": 9,
        "column": 8,
        "at": '"governence"',
        "message": "rule GOV-01: unknown area 'governence'",
        "fix": "did you mean 'governance'?",
    },
}


def warning_cases() -> list[Any]:
    return [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=spec["xfail"])] if "xfail" in spec else [],
        )
        for name, spec in WARNING_CASES.items()
    ]


def test_every_warning_file_has_an_expectation() -> None:
    assert {p.stem for p in WARNINGS.glob("*.toml")} == set(WARNING_CASES)


@pytest.mark.parametrize("name", list(WARNING_CASES))
def test_warning_position_is_where_the_text_is(name: str) -> None:
    spec = WARNING_CASES[name]
    text = (WARNINGS / f"{name}.toml").read_text(encoding="utf-8").splitlines()[spec["line"] - 1]
    assert text[spec["column"] - 1 :].startswith(spec["at"]), (text, spec["at"])


def test_the_summary_counts_one_rule_in_the_singular(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(WARNINGS / "unused_param.toml"))
    assert (code, out.splitlines()[-1]) == (0, "1 file, 1 rule: 0 errors, 1 warning")


@pytest.mark.parametrize("name", warning_cases())
def test_warning_is_printed_located_and_exits_0(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    spec = WARNING_CASES[name]
    path = WARNINGS / f"{name}.toml"
    code, out, err = run(capsys, "check", str(path))
    assert code == 0
    assert "Traceback" not in out + err
    lines = located_lines(out, path, spec["line"], spec["column"], "warning")
    assert any(spec["message"] in text for text in lines), out
    assert out.rstrip().endswith(": 0 errors, 1 warning")
    document = check_json(capsys, path)
    assert (document["exit"], document["errors"], document["warnings"]) == (0, 0, 1)
    (problem,) = document["problems"]
    assert (problem["severity"], problem["code"]) == ("warning", spec["code"])
    assert (problem["line"], problem["column"]) == (spec["line"], spec["column"])
    if "fix" in spec:
        assert spec["fix"] in (problem["hint"] or "")


# --- --format json -----------------------------------------------------------------------


def test_json_report_of_a_broken_rule_set(capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / "three_independent_mistakes.toml"
    document = check_json(capsys, path)
    assert document["exit"] == 2
    assert document["schema"] == "realign/check@1"
    assert document["files"] == [str(path)]
    assert (document["rules"], document["errors"], document["warnings"]) == (3, 3, 0)
    keys = {"source", "line", "column", "path", "severity", "code", "message"}
    keys |= {"expected", "found", "hint"}
    for problem in document["problems"]:
        assert set(problem) == keys
        assert isinstance(problem["line"], int)
        assert isinstance(problem["column"], int)
    assert [(p["line"], p["column"], p["code"], p["path"]) for p in document["problems"]] == [
        (10, 12, "value", "rules[0].severity"),
        (18, 9, "unknown-field", "rules[1].when"),
        (26, 35, "type", "rules[2].when"),
    ]
    assert document["problems"][1]["hint"] == "did you mean 'decision_protocol'?"


def test_json_report_of_two_files_in_a_directory(capsys: pytest.CaptureFixture[str]) -> None:
    directory = case_path("duplicate_param_across_files")
    document = check_json(capsys, directory)
    assert document["files"] == [str(directory / "culture.toml"), str(directory / "risk.toml")]
    (problem,) = document["problems"]
    assert problem["source"] == str(directory / "risk.toml")
    assert (problem["line"], problem["column"], problem["code"]) == (6, 9, "duplicate")


def test_json_report_of_a_valid_rule_set(capsys: pytest.CaptureFixture[str]) -> None:
    document = check_json(capsys, SAMPLE)
    assert document == {
        "schema": "realign/check@1",
        "files": [str(SAMPLE)],
        "rules": 7,
        "errors": 0,
        "warnings": 0,
        "problems": [],
        "exit": 0,
    }
