"""Reading the rows a killed or finished run left in ``--out``, so that ``--resume`` can go on.

A run flushes each row as it writes it, so a kill leaves at most one row cut short:
the text after the file's last newline, or, in CSV, a last record whose quoted cell
(a source name or an error message holding a newline) never closes. Anything else
that is not a row of this run's columns is an error that names its line: resuming
must not guess what a damaged file meant.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from ..errors import RealignError

__all__ = [
    "CSV_LINE_END",
    "ResumeError",
    "StoredRow",
    "check_columns",
    "drop_cut_line",
    "stored_rows",
]

#: CSV's record end, as RFC 4180 has it: with it, the writer quotes a cell holding a
#: lone carriage return, which a reader would otherwise take for the end of the record
CSV_LINE_END = "\r\n"


class ResumeError(RealignError, ValueError):
    """The output file cannot be resumed: it is not rows of this run's columns."""


class StoredRow(NamedTuple):
    """One row found in the file: its source, its status, and its text as stored."""

    source: str
    #: "ok" or "error" as the row says; "header" for CSV's; "cut" for a record a kill cut
    status: str
    text: str


def stored_rows(path: Path, columns: Sequence[str], *, as_csv: bool) -> Iterator[StoredRow]:
    """The rows of *path*, read as they are needed, each checked against *columns*."""
    try:
        if as_csv:
            yield from _csv_rows(path, list(columns))
        else:
            yield from _json_rows(path, list(columns))
    except UnicodeDecodeError as error:
        msg = f"{path}: cannot resume: the file is not UTF-8 text ({error})"
        raise ResumeError(msg) from error


def check_columns(path: Path, found: Sequence[str], columns: Sequence[str]) -> None:
    """Refuse a file whose columns are not *columns* (another catalog's, most likely)."""
    if list(found) != list(columns):
        extra = sorted(set(found) - set(columns))
        missing = sorted(set(columns) - set(found))
        msg = (
            f"{path}: cannot resume: its columns are not this run's "
            f"(only there: {', '.join(extra) or 'none'}; only here: "
            f"{', '.join(missing) or 'none'}); was it written with another catalog?"
        )
        raise ResumeError(msg)


def _not_a_row(path: Path, line: int, what: str) -> ResumeError:
    return ResumeError(
        f"{path}:{line}: cannot resume: {what}; this is not a row realign portfolio wrote "
        "(remove the line, or start a new --out file)"
    )


def _json_rows(path: Path, columns: list[str]) -> Iterator[StoredRow]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise _not_a_row(path, number, f"not JSON ({error.msg})") from error
            if not isinstance(row, dict):
                raise _not_a_row(path, number, f"a JSON {type(row).__name__}, not an object")
            check_columns(path, list(row), columns)
            yield StoredRow(*_identity(path, number, row["source"], row["status"]), line)


def _csv_rows(path: Path, columns: list[str]) -> Iterator[StoredRow]:
    status = columns.index("status")
    with path.open(encoding="utf-8", newline="") as handle:
        # Strict: a quote that never closes is an error, not a cell running to the end.
        rows = csv.reader(handle, strict=True)
        try:
            header = next(rows, None)
            if header is None:
                return
            check_columns(path, header, columns)
            yield StoredRow("", "header", _csv_line(header))
            for row in rows:
                if not row:
                    continue
                if len(row) != len(columns):
                    what = f"{len(row)} cells, where a row has {len(columns)}"
                    raise _not_a_row(path, rows.line_num, what)
                source, state = _identity(path, rows.line_num, row[0], row[status])
                yield StoredRow(source, state, _csv_line(row))
        except csv.Error as error:
            if handle.read(1) == "":  # at the end: the last record, cut by a kill
                yield StoredRow("", "cut", "")
                return
            raise _not_a_row(path, rows.line_num, f"not CSV ({error})") from error


def _identity(path: Path, line: int, source: object, status: object) -> tuple[str, str]:
    if not isinstance(source, str) or not source:
        raise _not_a_row(path, line, f"its source is {source!r}, not a name")
    if status not in ("ok", "error"):
        raise _not_a_row(path, line, f"its status is {status!r}, not 'ok' or 'error'")
    return source, str(status)


def _csv_line(cells: list[str]) -> str:
    """One CSV record as the row writer writes it (quoting only where needed)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=CSV_LINE_END).writerow(cells)
    return buffer.getvalue()


def drop_cut_line(path: Path) -> None:
    """Truncate *path* after its last newline: a line without one was cut by a kill."""
    with path.open("rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(max(0, size - 1))
        if handle.read(1) == b"\n":
            return
        # Read backwards in blocks to find the last newline.
        end = size
        while end > 0:
            start = max(0, end - io.DEFAULT_BUFFER_SIZE)
            handle.seek(start)
            block = handle.read(end - start)
            newline = block.rfind(b"\n")
            if newline >= 0:
                handle.truncate(start + newline + 1)
                return
            end = start
        handle.truncate(0)
