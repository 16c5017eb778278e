"""Portfolio rows written to a file as they come: JSON Lines, CSV or Parquet, resumable.

Every row is flushed as soon as it is written, so a run that is killed leaves
every finished partnership on disk. ``--resume`` reads the sources already
written and skips them. A line cut short by the kill is dropped first, so the
rows stay whole and none is written twice. Error rows are dropped too: their
partnerships are tried again, as their files may have been fixed.

Parquet cannot grow row by row. Its rows go to a JSON Lines journal beside the
file (``OUT.partial.jsonl``), and the Parquet file is written from the journal
when the run ends. A resumed run picks up the journal, and the rows of a Parquet
file that is already complete.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..errors import RealignError
from .records import column_kind

__all__ = ["OUT_SUFFIXES", "OutputError", "RowWriter", "arrow_type", "open_rows"]

OUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
#: rows per Parquet row group when the journal is turned into the file
_ROW_GROUP = 10_000


class OutputError(RealignError, ValueError):
    """The output file cannot be written or resumed: suffix, columns, or a missing library."""


class RowWriter:
    """Writes rows to one file; ``done`` holds the sources already there."""

    def __init__(self, path: Path, columns: Sequence[str], *, resume: bool) -> None:
        if path.suffix not in OUT_SUFFIXES:
            msg = (
                f"{path}: the output's suffix must be one of {', '.join(OUT_SUFFIXES)}, "
                f"not {path.suffix or 'none'!r}"
            )
            raise OutputError(msg)
        self.path = path
        self.columns = list(columns)
        self.parquet = path.suffix == ".parquet"
        self.done: set[str] = set()
        if self.parquet:
            _require_pyarrow(path)
        self._lines = self.journal if self.parquet else path
        if resume:
            self.done = self._resume()
        elif self.parquet:
            self.journal.unlink(missing_ok=True)
        fresh = not resume or not self._lines.exists() or self._lines.stat().st_size == 0
        self._file: IO[str] = self._lines.open("a" if resume else "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file, lineterminator="\n") if path.suffix == ".csv" else None
        if self._csv is not None and fresh:
            self._csv.writerow(self.columns)
            self._file.flush()

    @property
    def journal(self) -> Path:
        return self.path.with_name(self.path.name + ".partial.jsonl")

    def write(self, row: dict[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow(_csv_cell(row.get(c)) for c in self.columns)
        else:
            self._file.write(json.dumps({c: row.get(c) for c in self.columns}) + "\n")
        self._file.flush()

    def close(self) -> None:
        """Finish the file: for Parquet, write it from the journal and remove the journal."""
        self._file.close()
        if self.parquet:
            _journal_to_parquet(self.journal, self.path, self.columns)
            self.journal.unlink()

    def abandon(self) -> None:
        """Stop without finishing: what was written stays, for ``--resume``."""
        self._file.close()

    # -- resuming ---------------------------------------------------------------------

    def _resume(self) -> set[str]:
        if self.parquet and self.path.exists():
            # A finished Parquet file: its rows move to the journal, which grows from there.
            import pyarrow.parquet as pq

            table = pq.read_table(self.path)
            self._check_columns(table.column_names)
            with self.journal.open("a", encoding="utf-8") as journal:
                for row in table.to_pylist():
                    journal.write(json.dumps(row) + "\n")
            self.path.unlink()
        if not self._lines.exists():
            return set()
        _drop_cut_line(self._lines)
        done: set[str] = set()
        failed = 0
        for source, ok, _ in self._records():
            if ok:
                done.add(source)
            else:
                failed += 1
        if failed:
            # A partnership that failed is tried again: its file may have been fixed
            # since. Its error row goes, so that the file never holds two rows of it.
            temporary = self._lines.with_name(self._lines.name + ".resume")
            with temporary.open("w", encoding="utf-8", newline="") as out:
                out.writelines(text for _, ok, text in self._records(header=True) if ok)
            os.replace(temporary, self._lines)
        return done

    def _records(self, *, header: bool = False) -> Iterator[tuple[str, bool, str]]:
        """The file's rows, read as they are needed: source, whether it was assessed, text.

        With *header*, a CSV file's header comes first, as an assessed row of its own.
        """
        status = self.columns.index("status")
        if self.path.suffix != ".csv":
            with self._lines.open(encoding="utf-8") as handle:
                for line in handle:
                    row = json.loads(line)
                    self._check_columns(list(row))
                    yield row["source"], row["status"] == "ok", line
            return
        with self._lines.open(encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle)
            first = next(rows, None)
            if first is None:
                return
            self._check_columns(first)
            if header:
                yield "", True, _csv_line(first)
            for row in rows:
                if row:
                    yield row[0], row[status] == "ok", _csv_line(row)

    def _check_columns(self, found: Sequence[str]) -> None:
        if list(found) != self.columns:
            extra = sorted(set(found) - set(self.columns))
            missing = sorted(set(self.columns) - set(found))
            msg = (
                f"{self.path}: cannot resume: its columns are not this run's "
                f"(only there: {', '.join(extra) or 'none'}; only here: "
                f"{', '.join(missing) or 'none'}); was it written with another catalog?"
            )
            raise OutputError(msg)


def open_rows(path: str | Path, columns: Sequence[str], *, resume: bool = False) -> RowWriter:
    """A writer of rows with *columns* to *path*, by its suffix; see :class:`RowWriter`."""
    return RowWriter(Path(path), columns, resume=resume)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    return value


def _csv_line(cells: list[str]) -> str:
    """One CSV record as this module writes it (quoting only where needed, "\\n" after)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def _drop_cut_line(path: Path) -> None:
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


def _require_pyarrow(path: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        msg = (
            f"{path}: writing Parquet needs pyarrow: pip install 'realign[dask]' "
            "(or pyarrow alone); or choose a .jsonl or .csv output"
        )
        raise OutputError(msg) from None


def arrow_type(column: str) -> Any:
    """The Arrow type of a row column, for Parquet and Dask alike."""
    import pyarrow as pa

    return {
        "text": pa.string(),
        "real": pa.float64(),
        "count": pa.int64(),
        "list": pa.list_(pa.string()),
    }[column_kind(column)]


def _arrow_schema(columns: Sequence[str]) -> Any:
    import pyarrow as pa

    return pa.schema([(column, arrow_type(column)) for column in columns])


def _journal_rows(journal: Path) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    with journal.open(encoding="utf-8") as handle:
        for line in handle:
            batch.append(json.loads(line))
            if len(batch) == _ROW_GROUP:
                yield batch
                batch = []
    if batch:
        yield batch


def _journal_to_parquet(journal: Path, path: Path, columns: Sequence[str]) -> None:
    """Write the journal's rows as Parquet, a row group at a time, then move it into place."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(columns)
    partial = path.with_name(path.name + ".writing")
    with pq.ParquetWriter(partial, schema) as writer:
        wrote = False
        for batch in _journal_rows(journal):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            wrote = True
        if not wrote:
            writer.write_table(schema.empty_table())
    partial.replace(path)
