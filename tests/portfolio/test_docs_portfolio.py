"""docs/portfolio.md keeps up with the code: its columns are the rows', its example runs."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from realign.portfolio import row_columns
from realign.testing.generate import generate

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "portfolio.md").read_text(encoding="utf-8")


def test_the_column_table_lists_every_column_in_order() -> None:
    table = DOC.split("## Rows (`--out`)", 1)[1].split("\n\n## ", 1)[0]
    named = [
        name
        for cell in re.findall(r"^\| (.+?) \|", table, re.M)[1:]
        for name in re.findall(r"`([^`]+)`", cell)
    ]
    expected = row_columns(["{area}"])
    expected = [c for i, c in enumerate(expected) if c not in expected[:i]]
    collapsed = []
    for column in expected:
        if column.startswith("{area}_"):
            if "{area}_score" not in collapsed:
                collapsed += ["{area}_score", "{area}_light", "{area}_trend"]
        else:
            collapsed.append(column)
    assert named == collapsed


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path / "demo", 6, seed=1)
    monkeypatch.chdir(tmp_path)
    [block] = re.findall(r"```python\n(.*?)```", DOC, re.S)
    exec(compile(block, "docs/portfolio.md", "exec"), {})


def test_the_dask_task_sizes_are_the_code_s() -> None:
    pytest.importorskip("distributed")
    from realign.portfolio import on_dask

    default = inspect.signature(on_dask.assess_on_dask).parameters["chunk_size"].default
    first = on_dask._FIRST_CHUNK
    sizes = f"thread's first task takes {first} partnerships, and the size doubles up to {default}"
    assert sizes in " ".join(DOC.split())


def test_the_deaths_before_a_probe_are_the_code_s() -> None:
    from realign.portfolio.pool import PROBE_AFTER_DEATHS

    words = {2: "two", 3: "three", 4: "four", 5: "five"}
    flat = " ".join(DOC.split())
    assert f"After {words[PROBE_AFTER_DEATHS]} such deaths in a row" in flat
