"""``realign facts`` and friends, run the way a consultant runs them.

Most runs call :func:`realign.cli.main` in-process (fast, with capsys); a few
start ``python -m realign`` for real, to prove the installed entry point, the
exit status seen by a shell, and output that does not depend on the process
(hash seed).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest

import realign
from realign.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BROKEN = ROOT / "tests" / "data" / "broken"
CASE_STUDY = "examples/case_study_before.toml"
HEALTHY = "examples/healthy.toml"


def corpus() -> list[object]:
    return [pytest.param(path.name, id=path.name) for path in sorted(BROKEN.iterdir())]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root with a wide terminal, as the README's examples do."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "200")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; argparse's own exits (usage, --version) count as returns."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def run_module(*argv: str, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "realign", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def summary_line(errors: int) -> str:
    return f"{errors} error{'s' if errors != 1 else ''}; nothing was assessed."


# --- good input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "as_of", "latency"),
    [(CASE_STUDY, "2024-03-31", "76"), (HEALTHY, "2025-06-30", "14.5")],
)
def test_text_output_for_the_examples(
    capsys: pytest.CaptureFixture[str], path: str, as_of: str, latency: str
) -> None:
    code, out, err = run(capsys, "facts", path)
    assert (code, err) == (0, "")
    name = tomllib.loads((ROOT / path).read_text())["partnership"]["name"]
    lines = out.splitlines()
    assert lines[0] == name
    assert lines[1].startswith(f"{path}: assessment ")
    assert f"as of {as_of}" in lines[1]
    assert "Stated facts" in out
    assert "Derived facts" in out
    [row] = [line for line in lines if "decisions.median_latency_days_h" in line]
    assert f" {latency} " in row
    assert "Traceback" not in out


@pytest.mark.parametrize("path", [CASE_STUDY, HEALTHY])
def test_json_output_for_the_examples(capsys: pytest.CaptureFixture[str], path: str) -> None:
    code, out, err = run(capsys, "facts", path, "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["schema"] == "realign/facts@1"
    assert document["realign_version"] == realign.__version__
    assert document["source"] == path
    assert document["warnings"] == []
    stated = tomllib.loads((ROOT / path).read_text())
    assert document["partnership"]["assessment"]["id"] == stated["assessment"]["id"]
    assert len(document["partnership"]["partners"]) == len(stated["partners"])
    latency = document["derived"]["decisions.median_latency_days_h"]
    assert latency["known"] is True
    assert latency["sources"]


def test_json_output_has_the_case_studys_derived_facts(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "facts", CASE_STUDY, "--format", "json")
    derived = json.loads(out)["derived"]
    # D1 76 and D2 81 days to decide; D3 76 and D4 40 days open at as_of: median 76.
    assert derived["decisions.median_latency_days_h"]["value"] == 76.0
    assert derived["decisions.median_latency_days_h"]["sources"] == [
        f"decisions[{i}]" for i in range(4)
    ]


def test_json_output_is_byte_identical_across_runs_and_processes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ("facts", CASE_STUDY, "--format", "json")
    _, first, _ = run(capsys, *argv)
    _, second, _ = run(capsys, *argv)
    assert first == second
    seeded = [run_module(*argv, hash_seed=seed) for seed in ("0", "4242")]
    for proc in seeded:
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""
    assert seeded[0].stdout == seeded[1].stdout == first


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("name", corpus())
def test_every_broken_file_exits_2_with_located_lines(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = f"tests/data/broken/{name}"
    code, out, err = run(capsys, "facts", path)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    *problems, last = err.splitlines()
    assert problems
    assert all(line.startswith(f"{path}:") for line in problems), err
    errors = sum(": error: " in line for line in problems)
    assert errors >= 1
    assert last == summary_line(errors)


@pytest.mark.parametrize("name", corpus())
def test_every_broken_file_gives_the_errors_document_with_format_json(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = f"tests/data/broken/{name}"
    code, out, err = run(capsys, "facts", path, "--format", "json")
    assert code == 2
    document = json.loads(out)
    assert document["schema"] == "realign/errors@1"
    assert document["errors"]
    for entry in document["errors"]:
        assert entry["source"] == path
        assert entry["severity"] in ("error", "warning")
        assert entry["code"]
        assert entry["message"]
    assert err.splitlines()[-1].endswith("nothing was assessed.")


def test_errors_document_lists_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "facts", "tests/data/broken/many_problems.toml", "--format", "json")
    assert code == 2
    errors = json.loads(out)["errors"]
    assert len(errors) == 15
    assert {
        "source": "tests/data/broken/many_problems.toml",
        "line": 64,
        "column": 1,
        "path": "market_signals[0].magnitude",
        "severity": "error",
        "code": "range",
        "message": "invalid value",
        "expected": "an integer magnitude from 1 to 5",
        "found": "an integer 0",
        "hint": None,
    } in errors
    duplicate = next(e for e in errors if e["code"] == "duplicate")
    assert (duplicate["line"], duplicate["path"]) == (75, "decisions[1].id")
    assert duplicate["hint"] == "first defined at decisions[0].id (line 69)"


def test_errors_document_has_null_line_where_there_is_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(
        capsys, "facts", "tests/data/broken/missing_assessment.toml", "--format", "json"
    )
    [entry] = json.loads(out)["errors"]
    assert (entry["line"], entry["column"], entry["code"]) == (None, None, "missing")


def test_broken_file_in_a_real_process(tmp_path: Path) -> None:
    proc = run_module("facts", "tests/data/broken/many_problems.toml")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 16
    assert lines[-1] == summary_line(15)
    assert lines[0].startswith("tests/data/broken/many_problems.toml:8:14: error: ")


def test_deeply_nested_file_in_a_real_process() -> None:
    """600 nested arrays in 1 KB once overflowed tomllib's recursion: a traceback and exit 1."""
    proc = run_module("facts", "tests/data/broken/syntax_deeply_nested.toml")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2
    assert "nesting is too deep" in proc.stderr


def test_broken_input_on_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (BROKEN / "range_nps.toml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, err = run(capsys, "facts", "-")
    assert (code, out) == (2, "")
    assert err.splitlines()[0].startswith("<stdin>:35:1: error: pulse_surveys[0].recommend_nps: ")


def test_nonexistent_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "facts", "no/such/facts.toml")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "no/such/facts.toml: error: cannot read file: No such file or directory",
        summary_line(1),
    ]


def test_directory_instead_of_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "facts.toml"
    folder.mkdir()
    code, _, err = run(capsys, "facts", str(folder))
    assert code == 2
    assert f"{folder}: error: cannot read file" in err
    assert "Traceback" not in err


# --- options ----------------------------------------------------------------------------


def test_lenient_loads_a_file_with_an_unknown_key(capsys: pytest.CaptureFixture[str]) -> None:
    path = "tests/data/broken/unknown_key_nested.toml"
    strict, _, _ = run(capsys, "facts", path)
    assert strict == 2
    code, out, err = run(capsys, "facts", path, "--lenient")
    assert (code, err) == (0, "")
    assert (
        f"{path}:34:1: warning: objectives[0].priorty: unknown key 'priorty'; "
        "did you mean 'priority'?"
    ) in out
    code, out, _ = run(capsys, "facts", path, "--lenient", "--format", "json")
    assert code == 0
    [warning] = json.loads(out)["warnings"]
    assert (warning["severity"], warning["code"], warning["line"]) == ("warning", "unknown-key", 34)


def test_input_format_overrides_the_suffix(capsys: pytest.CaptureFixture[str]) -> None:
    yaml_named = "tests/data/broken/unsupported_suffix.yaml"
    assert run(capsys, "facts", yaml_named)[0] == 2
    code, out, _ = run(capsys, "facts", yaml_named, "--input-format", "toml")
    assert code == 0
    assert "Corvid Software" in out
    code, _, err = run(capsys, "facts", CASE_STUDY, "--input-format", "json")
    assert code == 2
    assert err.startswith(f"{CASE_STUDY}:1:1: error: JSON syntax error")


def test_schema_facts_is_a_valid_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "schema", "facts")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    assert {"assessment", "partnership", "partners"} <= set(schema["properties"])
    assert set(schema["required"]) >= {"assessment", "partnership"}


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"realign {realign.__version__}\n")
    proc = run_module("--version")
    assert (proc.returncode, proc.stdout) == (0, f"realign {realign.__version__}\n")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ((), "the following arguments are required: COMMAND"),
        (("assess-all",), "invalid choice: 'assess-all'"),
        (("facts",), "the following arguments are required: FILE"),
        (("facts", CASE_STUDY, "--format", "xml"), "invalid choice: 'xml'"),
        (("facts", CASE_STUDY, "--input-format", "yaml"), "invalid choice: 'yaml'"),
        (("schema", "rules"), "invalid choice: 'rules'"),
    ],
    ids=[
        "no-command",
        "unknown-command",
        "missing-file",
        "bad-format",
        "bad-input-format",
        "bad-schema",
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], says: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("usage: realign")
    assert says in err
    assert "Traceback" not in err
