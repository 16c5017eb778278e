"""Portfolio rows written to a file as they come: JSON Lines, CSV or Parquet, resumable.

Every row is flushed as soon as it is written, so a run that is killed leaves
every finished partnership on disk. ``--resume`` reads the sources already
written and skips them (:mod:`.resume` reads them). A row cut short by the kill
is dropped first, so the rows stay whole and none is written twice. The error
rows of partnerships the run covers are dropped too: those are tried again, as
their files may have been fixed.

Parquet cannot grow row by row. Its rows go to a JSON Lines journal beside the
file (``OUT.partial.jsonl``), and the Parquet file is written from the journal
when the run ends. A resumed run picks up the journal, and the rows of a Parquet
file that is already complete.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Container, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..errors import RealignError
from .records import column_kind
from .resume import CSV_LINE_END, StoredRow, check_columns, drop_cut_line, stored_rows

__all__ = ["OUT_SUFFIXES", "OutputError", "RowWriter", "arrow_type", "open_rows"]

OUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
#: rows per Parquet row group when the journal is turned into the file
_ROW_GROUP = 10_000


class OutputError(RealignError, ValueError):
    """The output file cannot be written or resumed: suffix, columns, or a missing library."""


class RowWriter:
    """Writes rows to one file; ``done`` holds the sources already there."""

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        *,
        resume: bool,
        retry: Callable[[], Container[str]] | None = None,
    ) -> None:
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
            self.done = self._resume(retry)
        elif self.parquet:
            self.journal.unlink(missing_ok=True)
        fresh = not resume or not self._lines.exists() or self._lines.stat().st_size == 0
        self._file: IO[str] = self._lines.open("a" if resume else "w", encoding="utf-8", newline="")
        self._csv = (
            csv.writer(self._file, lineterminator=CSV_LINE_END) if path.suffix == ".csv" else None
        )
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

    def _resume(self, retry: Callable[[], Container[str]] | None) -> set[str]:
        if self.parquet and self.path.exists():
            if self.journal.exists():
                # Killed after the Parquet file was finished from the journal and before
                # the journal went (or while its rows moved back): the file has them all.
                self.journal.unlink()
            # A finished Parquet file: its rows move to the journal, which grows from there.
            import pyarrow.parquet as pq

            table = pq.read_table(self.path)
            check_columns(self.path, table.column_names, self.columns)
            with self.journal.open("a", encoding="utf-8") as journal:
                for row in table.to_pylist():
                    journal.write(json.dumps(row) + "\n")
            self.path.unlink()
        if not self._lines.exists():
            return set()
        drop_cut_line(self._lines)
        done: set[str] = set()
        failed: set[str] = set()
        cut = False
        for row in self._stored():
            if row.status == "ok":
                done.add(row.source)
            elif row.status == "error":
                failed.add(row.source)
            cut = cut or row.status == "cut"
        # A partnership that failed is tried again, as its file may have been fixed
        # since: its error row goes, so that the file never holds two rows of it.
        # Partnerships this run does not cover keep theirs.
        covered = retry() if retry is not None and failed else None
        again = failed if covered is None else {source for source in failed if source in covered}
        if again or cut:
            temporary = self._lines.with_name(self._lines.name + ".resume")
            with temporary.open("w", encoding="utf-8", newline="") as out:
                out.writelines(
                    row.text
                    for row in self._stored()
                    if row.status != "cut" and not (row.status == "error" and row.source in again)
                )
            os.replace(temporary, self._lines)
        return done | (failed - again)

    def _stored(self) -> Iterator[StoredRow]:
        return stored_rows(self._lines, self.columns, as_csv=self.path.suffix == ".csv")


def open_rows(
    path: str | Path,
    columns: Sequence[str],
    *,
    resume: bool = False,
    retry: Callable[[], Container[str]] | None = None,
) -> RowWriter:
    """A writer of rows with *columns* to *path*, by its suffix; see :class:`RowWriter`.

    With *resume*, the rows already in *path* stay, and their sources are in the
    writer's ``done``, except those of partnerships that failed: their error rows
    are dropped, so that they are assessed again. *retry*, when given, says which
    sources the run covers (called only if the file has error rows); the error
    rows of other sources stay.
    """
    return RowWriter(Path(path), columns, resume=resume, retry=retry)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    return value


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
