"""--resume reads what a run left: whole rows stay, cut ones and errors go."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realign.portfolio import row_columns
from realign.portfolio.output import open_rows
from realign.portfolio.resume import ResumeError, stored_rows

COLUMNS = row_columns(["culture"])
#: names a file system allows, and the cells that CSV must quote
names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=1,
    max_size=12,
)
statuses = st.sampled_from(["ok", "error"])
rows_drawn = st.lists(st.tuples(names, statuses), max_size=8, unique_by=lambda r: r[0])
suffixes = st.sampled_from([".jsonl", ".csv"])
#: a fresh directory per example (tmp_path is one per test, not per Hypothesis example)
_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _row(source: str, status: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(source=source, status=status, finding_ids=[], top_actions=[])
    if status == "error":
        row["error"] = f'{source}:1:1: error: broken\n{source}:2:1: error: also, "quoted"'
    else:
        row.update(overall=0.5, findings=2, finding_ids=["GOV-01", "CUL-08"])
    return row


def _write(path: Path, rows: list[tuple[str, str]]) -> None:
    writer = open_rows(path, COLUMNS)
    for source, status in rows:
        writer.write(_row(source, status))
    writer.abandon()  # as a killed run leaves it: no Parquet step, nothing more


def _stored(path: Path) -> list[tuple[str, str]]:
    as_csv = path.suffix == ".csv"
    return [(r.source, r.status) for r in stored_rows(path, COLUMNS, as_csv=as_csv)
            if r.status != "header"]  # fmt: skip


@_SETTINGS
@given(rows=rows_drawn, suffix=suffixes)
def test_a_resumed_file_keeps_exactly_the_rows_of_assessed_partnerships(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str]], suffix: str
) -> None:
    folder = tmp_path_factory.mktemp("resume")
    out, reference = folder / f"rows{suffix}", folder / f"ok{suffix}"
    _write(out, rows)
    assert _stored(out) == rows  # every name reads back, commas, quotes and newlines too
    writer = open_rows(out, COLUMNS, resume=True)
    writer.abandon()
    assert writer.done == {source for source, status in rows if status == "ok"}
    # The file now holds the assessed rows, byte for byte as a run of only them writes them.
    _write(reference, [(source, status) for source, status in rows if status == "ok"])
    assert out.read_bytes() == reference.read_bytes()


@_SETTINGS
@given(rows=rows_drawn, suffix=suffixes, cut=st.floats(0, 1))
def test_a_file_cut_anywhere_resumes_to_whole_rows(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, str]],
    suffix: str,
    cut: float,
) -> None:
    out = tmp_path_factory.mktemp("cut") / f"rows{suffix}"
    _write(out, rows)
    whole = out.read_bytes()
    out.write_bytes(whole[: round(len(whole) * cut)])
    writer = open_rows(out, COLUMNS, resume=True)
    writer.abandon()
    kept = _stored(out)
    # What is left is the assessed rows of a prefix of the run, each whole.
    prefix = next(
        rows[:n] for n in range(len(rows), -1, -1) if kept == [r for r in rows[:n] if r[1] == "ok"]
    )
    assert writer.done == {source for source, _ in prefix if _ == "ok"}
    assert all(status == "ok" for _, status in kept)


def test_error_rows_of_partnerships_the_run_does_not_cover_stay(tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    rows = [("a", "ok"), ("b", "error"), ("c", "error")]
    _write(out, rows)
    writer = open_rows(out, COLUMNS, resume=True, retry=lambda: {"a", "b"})
    writer.abandon()
    assert _stored(out) == [("a", "ok"), ("c", "error")]
    assert writer.done == {"a", "c"}  # c is not this run's: it is not assessed either


def test_a_parquet_file_and_its_journal_left_by_a_kill_resume_without_duplicates(
    tmp_path: Path,
) -> None:
    pytest.importorskip("pyarrow")
    out = tmp_path / "rows.parquet"
    writer = open_rows(out, COLUMNS)
    for source in ("a", "b"):
        writer.write(_row(source, "ok"))
    journal = writer.journal.read_bytes()
    writer.close()
    # Killed after the Parquet file was written and before its journal was removed.
    writer.journal.write_bytes(journal)
    resumed = open_rows(out, COLUMNS, resume=True)
    resumed.close()
    import pyarrow.parquet as pq

    assert [r["source"] for r in pq.read_table(out).to_pylist()] == ["a", "b"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("blank.jsonl", "\n", "rows.jsonl:1: cannot resume: not JSON"),
        ("array.jsonl", "[1, 2]\n", "rows.jsonl:1: cannot resume: a JSON list, not an object"),
        ("status.jsonl", "STATUS\n", "rows.jsonl:1: cannot resume: its status is 'done'"),
        ("short.csv", "HEADER\nx\n", "rows.csv:2: cannot resume: 1 cells, where a row has"),
        ("quote.csv", 'HEADER\nx,"n"a"\nROW\n', "rows.csv:2: cannot resume: not CSV"),
        ("bytes.csv", b"HEADER\n\xff\xfe,ok\n", "rows.csv: cannot resume: the file is not UTF-8"),
    ],
)
def test_a_damaged_file_is_refused_with_its_line(
    tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    out = tmp_path / f"rows{Path(name).suffix}"
    header = ",".join(COLUMNS)
    row = {**dict.fromkeys(COLUMNS), "source": "s", "status": "done"}
    ok_row = ",".join("s" if c == "source" else "ok" if c == "status" else "" for c in COLUMNS)
    if isinstance(content, str):
        content = (
            content.replace("HEADER", header)
            .replace("STATUS", json.dumps(row))
            .replace("ROW", ok_row)
            .encode()
        )
    else:
        content = content.replace(b"HEADER", header.encode())
    out.write_bytes(content)
    with pytest.raises(ResumeError) as raised:
        open_rows(out, COLUMNS, resume=True)
    assert message in str(raised.value)
    assert str(raised.value).startswith(str(out))
