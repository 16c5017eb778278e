"""The documentation stays current with the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

import realign
from realign.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_every_derived_fact_is_documented(examples_dir: Path) -> None:
    documented = (ROOT / "docs" / "facts.md").read_text(encoding="utf-8")
    names: set[str] = set()
    for example in ("healthy.toml", "case_study_before.toml"):
        facts = realign.load_facts(examples_dir / example)
        names |= {re.sub(r"\[\d+\]", "[i]", name) for name in facts.derived}
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert missing == []


def test_readme_quick_start_is_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "realign assess examples/" in commands[0]
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    test_command = re.search(r"```sh\n.*?\n(.*?)\n```", section, re.S)
    assert test_command is not None
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == test_command.group(1)


def test_readme_quick_start_assessment_runs(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)\n", section, re.S)
    assert block is not None
    argv = shlex.split(block.group(1).split(".venv/bin/realign ", 1)[1])
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        code = main(argv)
    out = capsys.readouterr().out
    assert code == 0
    assert "findings" in out
    assert "Area health" in out
    assert "Realignment plan" in out
    assert "ALN-02" in out


def test_readme_python_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Every Python block of the README runs, from the repository root."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "41.4 red" in out
    assert "GOV-03" in out


def test_readme_says_why_each_dependency_is_here() -> None:
    import tomllib

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Dependencies", 1)[1]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=!~\[ ]", requirement, maxsplit=1)[0]
        assert f"| {name} |" in table, name
