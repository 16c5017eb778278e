"""docs/trend.md says what realign trend does: its commands run, its fields are the document's."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from realign.cli import main
from realign.scoring import ScoringModel
from realign.testing import engine_with

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "trend.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def test_the_console_commands_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    [console] = _blocks("console")
    for line in console.splitlines():
        words = shlex.split(line.removeprefix("$ ").split("#")[0])
        assert words[0] == "realign"
        if "q*.toml" in words:
            continue  # the reader's own files
        args = [
            name
            for word in words[1:]
            for name in (
                sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(word)) if "*" in word else [word]
            )
        ]
        if "-o" in args:
            args[args.index("-o") + 1] = str(tmp_path / args[args.index("-o") + 1])
        assert main(args) == 0, line
    capsys.readouterr()


def test_the_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    [block] = _blocks("python")
    exec(compile(block, "docs/trend.md", "exec"), {})


def test_the_thresholds_are_the_scoring_model_s() -> None:
    model = ScoringModel()
    assert f"the last four scores strictly fall, by at least {model.run_total:g} points" in DOC
    assert model.run == 4
    assert f"a fall of {model.step:g} points or more" in DOC


def test_the_document_fields_are_the_ones_written(examples_dir: Path) -> None:
    document = engine_with(backend="python").trend([examples_dir / "healthy.toml"]).to_dict()
    [layout] = _blocks("text")
    described = set(re.findall(r"^([a-z_]+)(?:\[\])?\s", layout, re.M))
    assert described == set(document)
    period = document["periods"][-1]
    for key in period:
        assert re.search(rf"\b{key}\b", layout), key
    for key in period["findings"]:
        assert re.search(rf"\b{key}\b", layout), key
