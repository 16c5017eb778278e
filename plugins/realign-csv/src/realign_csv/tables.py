"""The two CSV layouts and a reader that reports every defect of a file at once."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

import attrs

from realign import FactError, FactSource, Problem
from realign.errors import closest

__all__ = [
    "KPI",
    "PULSE",
    "PULSE_ITEMS",
    "CsvRow",
    "Layout",
    "read_table",
]

Kind = Literal["text", "number", "date"]


@attrs.frozen(kw_only=True)
class Layout:
    """The columns a CSV file must have, in the documented order, with their kinds."""

    what: str
    columns: tuple[tuple[str, Kind], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


#: The six Likert items of a pulse wave, which go into its ``items`` table.
PULSE_ITEMS = (
    "trust",
    "communication",
    "decision_clarity",
    "priority_alignment",
    "value_fairness",
    "commitment",
)

PULSE = Layout(
    what="pulse-survey",
    columns=(
        ("respondent_org", "text"),
        ("period", "text"),
        ("date", "date"),
        ("invited", "number"),
        ("responses", "number"),
        *((item, "number") for item in PULSE_ITEMS),
        ("recommend_nps", "number"),
    ),
)

KPI = Layout(
    what="KPI",
    columns=(("kpi_id", "text"), ("period", "text"), ("target", "number"), ("actual", "number")),
)


@attrs.frozen(kw_only=True)
class CsvRow:
    """One data row: where it was written and its stated cells, already converted.

    ``cells`` leaves out empty cells, which mean "not stated".
    """

    file: str
    row: int
    columns: Mapping[str, int]
    cells: Mapping[str, Any]

    def problem(self, column: str | None, message: str, **fields: Any) -> Problem:
        """A problem located at this row and, when given, at *column*."""
        return _problem(self.file, self.row, column, self.columns, message, **fields)


def _problem(
    file: str,
    row: int,
    column: str | None,
    columns: Mapping[str, int],
    message: str,
    **fields: Any,
) -> Problem:
    if column is not None:
        message = f"column {column!r}: {message}"
    index = columns.get(column) if column is not None else None
    return Problem(source=file, line=row, column=index, message=message, **fields)


_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_table(source: FactSource, layout: Layout) -> tuple[list[CsvRow], list[Problem]]:
    """Read every row of *source*; the rows that could be read and all problems found.

    A row with a bad cell is left out of the rows, so its defects are reported
    once, here, and not again by the validation of the merged document.
    """
    try:
        text = source.read_text()
    except FactError as error:
        return [], list(error.problems)
    records = csv.reader(io.StringIO(text, newline=""))
    rows: list[CsvRow] = []
    problems: list[Problem] = []
    try:
        header = next(records, None)
        if header is None or not any(cell.strip() for cell in header):
            problems.append(
                _problem(
                    source.name,
                    1,
                    None,
                    {},
                    f"the {layout.what} CSV file has no header row",
                    code="missing",
                    expected="the header " + ",".join(layout.names),
                    found="an empty first row",
                )
            )
            return [], problems
        columns = _header(source.name, header, layout, problems)
        kinds = dict(layout.columns)
        # Counting the records, blank ones too, keeps the row equal to the line
        # number a spreadsheet shows, unless a quoted cell spans lines.
        for number, record in enumerate(records, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                problems.append(
                    _problem(
                        source.name,
                        number,
                        None,
                        {},
                        f"the row has {len(record)} cells but the header has {len(header)}",
                        code="syntax",
                        expected=f"{len(header)} comma-separated cells",
                        found=f"{len(record)} cells",
                        hint="a cell that contains a comma must be quoted",
                    )
                )
                continue
            cells: dict[str, Any] = {}
            row_problems = []
            for name, index in columns.items():
                value, problem = _cell(record[index - 1], kinds[name])
                if problem is not None:
                    expected, hint = problem
                    row_problems.append(
                        _problem(
                            source.name,
                            number,
                            name,
                            columns,
                            f"not {expected.split(' written')[0]}",
                            code="type",
                            expected=expected,
                            found=repr(record[index - 1]),
                            hint=hint,
                        )
                    )
                elif value is not None:
                    cells[name] = value
            problems.extend(row_problems)
            if not row_problems:
                rows.append(CsvRow(file=source.name, row=number, columns=columns, cells=cells))
    except csv.Error as exc:
        problems.append(
            _problem(
                source.name,
                records.line_num,
                None,
                {},
                f"CSV syntax error: {exc}",
                code="syntax",
            )
        )
    return rows, problems


def _header(
    file: str, header: list[str], layout: Layout, problems: list[Problem]
) -> dict[str, int]:
    """Map each known column to its 1-based index, reporting every header defect."""
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for index, raw in enumerate(header, start=1):
        name = raw.strip()
        if name in columns:
            problems.append(
                Problem(
                    source=file,
                    line=1,
                    column=index,
                    message=f"column {name!r} appears twice in the header",
                    code="duplicate",
                    hint=f"it is first column {columns[name]}; keep one of them",
                )
            )
        elif name in layout.names:
            columns[name] = index
        else:
            unknown.append((index, name))
    missing = [name for name in layout.names if name not in columns]
    for index, name in unknown:
        guess = closest(name, missing) or closest(name, layout.names)
        hint = f"did you mean {guess!r}?" if guess else None
        if len(header) == 1 and ";" in name:
            hint = "the file seems to separate cells with ';'; realign-csv reads ','"
        problems.append(
            Problem(
                source=file,
                line=1,
                column=index,
                message=f"unknown column {name!r} in the header",
                code="unknown-key",
                expected=f"the {layout.what} columns " + ", ".join(layout.names),
                found=repr(name),
                hint=hint,
            )
        )
    if missing:
        problems.append(
            Problem(
                source=file,
                line=1,
                message="the header lacks the column"
                + ("s " if len(missing) > 1 else " ")
                + ", ".join(repr(name) for name in missing),
                code="missing",
                expected=f"the {layout.what} columns " + ", ".join(layout.names),
                found=", ".join(cell.strip() for cell in header),
                hint="keep every column; leave a cell empty when its value is not known",
            )
        )
    return columns


def _cell(raw: str, kind: Kind) -> tuple[Any, tuple[str, str | None] | None]:
    """The cell's value (None when empty), or what was expected and a hint."""
    text = raw.strip()
    if not text:
        return None, None
    if kind == "text":
        return text, None
    if kind == "date":
        if _DATE.fullmatch(text):
            try:
                return date.fromisoformat(text), None
            except ValueError:
                pass
        return None, ("a date written YYYY-MM-DD", None)
    if _INTEGER.fullmatch(text):
        return int(text), None
    if _DECIMAL.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
            return number, None
    hint = "write decimals with a point: 2.5, not 2,5" if _DECIMAL_COMMA.fullmatch(text) else None
    return None, ("a number", hint)
