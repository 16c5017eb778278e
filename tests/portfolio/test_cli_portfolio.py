"""realign portfolio as a user runs it: rows, the report, bad files, --resume after a kill."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from realign.cli import main
from realign.schema import portfolio_schema
from realign.testing.generate import generate

if os.environ.get("CI"):
    import pyarrow.parquet as pq  # CI installs the dask extra: missing there is a failure
else:
    pq = pytest.importorskip("pyarrow.parquet", reason="Parquet needs the dask extra")


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 generated partnerships and 3 broken files."""
    folder = tmp_path_factory.mktemp("portfolio")
    generate(folder, 40, seed=7)
    (folder / "zz_syntax.toml").write_text("[assessment\n", encoding="utf-8")
    (folder / "zz_empty.json").write_text("{}", encoding="utf-8")
    (folder / "zz_value.json").write_text(
        (folder / "p00001.json").read_text(encoding="utf-8").replace('"period": "', '"period": "Q'),
        encoding="utf-8",
    )
    return folder


def _descendants(root: int) -> set[int]:
    """Every live descendant of process *root*, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text(encoding="ascii")
            except OSError:
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _rows(path: Path) -> list[dict[str, Any]]:
    """The rows of an output file, whatever its format."""
    if path.suffix == ".jsonl":
        return _jsonl(path)
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    return rows


def _normal(rows: list[dict[str, Any]]) -> list[str]:
    """Rows as sorted JSON lines, CSV's empty cells and joined lists read back."""
    out = []
    for row in rows:
        fixed = {}
        for key, value in row.items():
            if value == "":
                value = None
            if key in ("finding_ids", "top_actions") and isinstance(value, str | type(None)):
                value = value.split(";") if value else []
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = float(value) if "." in value else int(value)
            fixed[key] = value
        out.append(json.dumps(fixed, sort_keys=True))
    return sorted(out)


def test_broken_files_become_error_rows_and_exit_2(
    portfolio: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rows.jsonl"
    code = main(["portfolio", str(portfolio), "--jobs", "2", "--out", str(out), "--format", "json"])
    assert code == 2
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    jsonschema.validate(report, portfolio_schema())
    assert report["partnerships"] == {"total": 43, "assessed": 40, "failed": 3, "scored": 40}
    assert f"{portfolio / 'zz_syntax.toml'}:1:" in captured.err
    assert "3 of 43 partnerships could not be assessed" in captured.err
    assert "Traceback" not in captured.err
    rows = _jsonl(out)
    assert len(rows) == 43
    assert len({row["source"] for row in rows}) == 43
    errors = [row for row in rows if row["status"] == "error"]
    assert sorted(Path(row["source"]).name for row in errors) == [
        "zz_empty.json",
        "zz_syntax.toml",
        "zz_value.json",
    ]
    assert all(row["error"] and row["overall"] is None for row in errors)
    ok = [row for row in rows if row["status"] == "ok"]
    assert all(row["partnership_id"] and row["overall"] is not None for row in ok)


def test_jsonl_csv_and_parquet_hold_the_same_rows(portfolio: Path, tmp_path: Path) -> None:
    rows = {}
    for suffix in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"rows.{suffix}"
        assert main(["portfolio", str(portfolio), "--jobs", "1", "--out", str(out)]) == 2
        rows[suffix] = _rows(out)
        if suffix == "parquet":
            assert not (tmp_path / "rows.parquet.partial.jsonl").exists()
    assert _normal(rows["jsonl"]) == _normal(rows["csv"]) == _normal(rows["parquet"])


def test_fail_on_exits_1_when_nothing_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "good"
    generate(folder, 6, seed=3)
    assert main(["portfolio", str(folder), "--jobs", "1", "--fail-on", "critical"]) in (0, 1)
    assert main(["portfolio", str(folder), "--jobs", "1", "--fail-on", "info"]) == 1
    assert main(["portfolio", str(folder), "--jobs", "1"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--resume"], "--resume continues the file --out names"),
        (["--out", "rows.xlsx"], "must be one of .jsonl, .csv, .parquet"),
        (["--jobs", "0"], "--jobs takes a number of worker processes"),
    ],
)
def test_bad_usage_exits_2(
    portfolio: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    arguments = [str(tmp_path / a) if a.startswith("rows.") else a for a in arguments]
    assert main(["portfolio", str(portfolio), *arguments]) == 2
    assert message in capsys.readouterr().err


def test_a_path_that_names_nothing_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["portfolio", str(tmp_path / "nope"), str(tmp_path / "*.toml")]) == 2
    err = capsys.readouterr().err
    assert "nope: no such file or directory" in err
    assert "*.toml: the pattern matches no file" in err


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_resume_after_a_kill_finishes_without_duplicates(tmp_path: Path, suffix: str) -> None:
    folder = tmp_path / "big"
    generate(folder, 240, seed=11)
    out = tmp_path / f"rows.{suffix}"
    lines = out if suffix != "parquet" else tmp_path / "rows.parquet.partial.jsonl"
    command = [sys.executable, "-m", "realign", "portfolio", str(folder), "--out", str(out)]
    with subprocess.Popen(
        [*command, "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        # Kill it halfway: once some rows are on disk, and well before the end.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if lines.exists() and lines.read_bytes().count(b"\n") >= 60:
                break
            time.sleep(0.05)
        helpers = _descendants(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()
    # Its workers and fork server notice and go: nothing of the run is left waiting.
    assert helpers, "the run had worker processes"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in helpers):
        time.sleep(0.1)
    left = sorted(pid for pid in helpers if _alive(pid) and "resource_tracker" not in _command(pid))
    assert left == [], [_command(pid) for pid in left]
    written = lines.read_bytes().count(b"\n")
    assert 60 <= written < 240, written
    finished = subprocess.run(
        [*command, "--jobs", "2", "--resume"], capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stderr
    rows = _rows(out)
    sources = [row["source"] for row in rows]
    assert len(sources) == len(set(sources)) == 240
    # And they are the rows of a run that was never interrupted.
    clean = tmp_path / f"clean.{suffix}"
    assert main(["portfolio", str(folder), "--jobs", "1", "--out", str(clean)]) == 0
    assert _normal(rows) == _normal(_rows(clean))


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_resume_tries_failed_partnerships_again(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "few"
    generate(folder, 4, seed=5)
    good = sorted(folder.glob("*.json"))[0].read_text(encoding="utf-8")
    fixed_later = folder / "zz_fixed_later.json"
    fixed_later.write_text("{not json", encoding="utf-8")
    still_broken = folder / "zz_still_broken.toml"
    still_broken.write_text("[assessment\n", encoding="utf-8")
    out = tmp_path / f"rows.{suffix}"
    command = ["portfolio", str(folder), "--jobs", "1", "--out", str(out)]
    assert main(command) == 2
    first = {row["source"]: row["status"] for row in _rows(out)}
    assert first[str(fixed_later)] == first[str(still_broken)] == "error"
    fixed_later.write_text(good.replace('"id": "', '"id": "fixed-', 1), encoding="utf-8")
    assert main([*command, "--resume"]) == 2  # one is still broken
    rows = _rows(out)
    sources = [row["source"] for row in rows]
    assert len(sources) == len(set(sources)) == 6
    status = {row["source"]: row["status"] for row in rows}
    assert status[str(fixed_later)] == "ok"
    assert status[str(still_broken)] == "error"
    # The partnerships assessed the first time were not assessed again.
    assert {s for s, v in first.items() if v == "ok"} <= {s for s, v in status.items() if v == "ok"}
    assert "realign: 1 of 2 partnerships could not be assessed" in capsys.readouterr().err


def test_a_cut_last_line_is_dropped_before_resuming(tmp_path: Path) -> None:
    folder = tmp_path / "few"
    generate(folder, 5, seed=2)
    out = tmp_path / "rows.jsonl"
    assert main(["portfolio", str(folder), "--jobs", "1", "--out", str(out)]) == 0
    whole = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(whole[:3]) + whole[3][: len(whole[3]) // 2], encoding="utf-8")
    assert main(["portfolio", str(folder), "--jobs", "1", "--out", str(out), "--resume"]) == 0
    assert sorted(out.read_text(encoding="utf-8").splitlines(keepends=True)) == sorted(whole)


def test_resuming_a_file_of_another_catalog_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "few"
    generate(folder, 3, seed=2)
    out = tmp_path / "rows.csv"
    out.write_text("source,status,other\n", encoding="utf-8")
    assert main(["portfolio", str(folder), "--out", str(out), "--resume"]) == 2
    assert "cannot resume: its columns are not this run's" in capsys.readouterr().err


def test_two_thousand_generated_partnerships_to_parquet_and_an_html_report(
    tmp_path: Path, parse_html: Callable[[str], Any]
) -> None:
    folder = tmp_path / "many"
    generated = subprocess.run(
        [sys.executable, "-m", "realign", "generate", "--n", "2000", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    out, report = tmp_path / "rows.parquet", tmp_path / "report.html"
    run = subprocess.run(
        [
            sys.executable, "-m", "realign", "portfolio", str(folder), "--jobs", "2",
            "--out", str(out), "--format", "html", "-o", str(report),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    table = pq.read_table(out)
    assert table.num_rows == 2000
    assert len(set(table.column("partnership_id").to_pylist())) == 2000

    page = parse_html(report.read_text(encoding="utf-8"))
    assert "script" not in page.tags
    assert page.tags.count("svg") >= 1
    assert "Partnerships: 2000; 2000 assessed, 0 not assessed." in report.read_text(
        encoding="utf-8"
    )


@pytest.mark.dask
def test_dask_local_gives_the_pool_s_rows(portfolio: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    pooled, on_dask = tmp_path / "pool.jsonl", tmp_path / "dask.jsonl"
    assert main(["portfolio", str(portfolio), "--jobs", "2", "--out", str(pooled)]) == 2
    assert (
        main(["portfolio", str(portfolio), "--dask", "local", "--jobs", "2", "--out", str(on_dask)])
        == 2
    )
    assert sorted(on_dask.read_text().splitlines()) == sorted(pooled.read_text().splitlines())


def test_a_pool_that_fails_stops_the_run_with_exit_2_and_keeps_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from realign.portfolio import WorkerError, command
    from realign.portfolio.records import assess_one
    from realign.testing import engine_with

    folder = tmp_path / "few"
    generate(folder, 3, seed=4)
    engine = engine_with(backend="python")

    def failing(sources: Any, **_: Any) -> Any:
        for source in list(sources)[:2]:
            yield assess_one(engine, source, detail="summary")
        raise WorkerError("the worker processes cannot build the engine: ImportError: gone")

    monkeypatch.setattr(command, "assess_many", failing)
    out = tmp_path / "rows.jsonl"
    assert main(["portfolio", str(folder), "--jobs", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the worker processes cannot build the engine: ImportError: gone" in err
    assert "Traceback" not in err
    assert len(_rows(out)) == 2  # what was written stays, for --resume
