"""The realign loader for ``.csvfacts.toml`` manifests (entry point ``csv``).

The manifest names a TOML or JSON fact file and CSV exports of pulse surveys and
KPI series. The loader reads the fact file with realign's own loader, reads the
CSV files, merges their rows into the plain data and returns it, so realign
validates the merged document exactly as it validates a fact file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from realign import FactError, FactSource, Problem, RawFacts, hookimpl
from realign.errors import closest
from realign.loading import Position, SourceMap, builtin_loaders, structure_partnership

from .manifest import MANIFEST_SUFFIX, Listed, Manifest, read_manifest
from .tables import KPI, PULSE, PULSE_ITEMS, CsvRow, read_table

__all__ = ["realign_load_facts"]

FieldPath = tuple[str | int, ...]


@hookimpl
def realign_load_facts(source: FactSource) -> RawFacts | None:
    if not _is_manifest(source):
        return None
    manifest = read_manifest(source)
    return _Merge(manifest).run()


def _is_manifest(source: FactSource) -> bool:
    if source.kind() == "csvfacts":
        return True
    # A format the caller declared wins over the name: "--input-format toml" on a
    # manifest asks for it to be read as a plain fact file.
    if source.format is not None:
        return False
    return source.path is not None and source.path.name.lower().endswith(MANIFEST_SUFFIX)


@attrs.frozen
class _FromCsv:
    row: CsvRow


@attrs.frozen
class _FromFacts:
    path: FieldPath


_Origin = _FromCsv | _FromFacts


class _Merge:
    """One merge of CSV rows into a fact file, remembering where each record came from."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.problems: list[Problem] = []
        self.facts_name = str(manifest.facts.path)
        self.raw: RawFacts | None = None
        # Where each record of the merged document was written, for the records
        # whose index differs from the fact file's or that come from a CSV row.
        self.pulse_origins: list[_Origin] = []
        self.series_origins: dict[tuple[int, int], _Origin] = {}

    def run(self) -> RawFacts:
        self.raw = self._load_facts()
        pulse_rows = self._read_all(self.manifest.pulse_surveys, PULSE)
        kpi_rows = self._read_all(self.manifest.kpi_series, KPI)
        if self.raw is None:
            raise FactError(self.problems)
        data = dict(self.raw.data)
        kpi_index = self._kpi_index(data, kpi_rows)
        if self.problems:
            raise FactError(self.problems)
        if self.manifest.pulse_surveys:
            data["pulse_surveys"] = self._merge_pulse(data, pulse_rows)
        if kpi_rows:
            data["kpis"] = self._merge_kpis(data, kpi_rows, kpi_index)
        if self.problems:
            raise FactError(self.problems)
        self._validate(data)
        return RawFacts(data=data, format="csvfacts", positions=self._manifest_positions)

    # --- reading -----------------------------------------------------------------------

    def _load_facts(self) -> RawFacts | None:
        listed = self.manifest.facts
        name = listed.path.name.lower()
        if name.endswith(MANIFEST_SUFFIX) or listed.path.suffix.lower() not in (".toml", ".json"):
            self.problems.append(
                self.manifest.problem(
                    listed,
                    "the fact file must be a TOML or JSON fact file",
                    code="format",
                    expected="a .toml or .json file (not another manifest)",
                    found=repr(str(listed.path)),
                )
            )
            return None
        if not listed.path.is_file():
            self.problems.append(self._not_found(listed, "fact file"))
            return None
        try:
            # realign's own TOML and JSON loader: its syntax messages and source map.
            return builtin_loaders.realign_load_facts(
                source=FactSource.from_path(listed.path, format=listed.path.suffix[1:].lower())
            )
        except FactError as error:
            self.problems.extend(error.problems)
            return None

    def _not_found(self, listed: Listed, what: str) -> Problem:
        return self.manifest.problem(
            listed,
            f"the {what} {str(listed.path)!r} does not exist",
            code="io",
            hint="file names in the manifest are relative to the manifest's directory",
        )

    def _read_all(self, files: tuple[Listed, ...], layout: Any) -> list[CsvRow]:
        rows: list[CsvRow] = []
        for listed in files:
            if not listed.path.is_file():
                self.problems.append(self._not_found(listed, f"{layout.what} CSV file"))
                continue
            found, problems = read_table(FactSource.from_path(listed.path), layout)
            rows.extend(found)
            self.problems.extend(problems)
        return rows

    def _kpi_index(self, data: Mapping[str, Any], rows: list[CsvRow]) -> dict[str, int]:
        """Each KPI id of the fact file at its index; reports unknown ids and repeated rows."""
        kpis = data.get("kpis", [])
        index: dict[str, int] = {}
        if isinstance(kpis, list):
            for k, kpi in enumerate(kpis):
                if isinstance(kpi, Mapping) and isinstance(kpi.get("id"), str):
                    index.setdefault(kpi["id"], k)
        first: dict[tuple[str, str], CsvRow] = {}
        for row in rows:
            kpi_id = row.cells.get("kpi_id")
            if kpi_id is None:
                self.problems.append(
                    row.problem("kpi_id", "the KPI id is empty", code="missing", expected="an id")
                )
                continue
            if kpi_id not in index:
                guess = _suggest(kpi_id, index)
                self.problems.append(
                    row.problem(
                        "kpi_id",
                        f"unknown KPI id {kpi_id!r}",
                        code="reference",
                        expected=f"a KPI of {self.facts_name}: " + (", ".join(index) or "none"),
                        found=repr(kpi_id),
                        hint=f"did you mean {guess!r}?" if guess else None,
                    )
                )
            period = row.cells.get("period")
            if period is None:
                continue
            earlier = first.setdefault((kpi_id, period), row)
            if earlier is not row:
                self.problems.append(
                    row.problem(
                        "period",
                        f"a second row for KPI {kpi_id!r} in period {period!r}",
                        code="duplicate",
                        hint=f"the first is {_csv_place(earlier)}; keep one of them",
                    )
                )
        return index

    # --- merging -----------------------------------------------------------------------

    def _merge_pulse(self, data: Mapping[str, Any], rows: list[CsvRow]) -> list[Any]:
        kept: list[Any] = []
        if self.manifest.mode == "append":
            existing = data.get("pulse_surveys", [])
            if not isinstance(existing, list):
                self.problems.append(self._not_array(("pulse_surveys",)))
                return []
            kept = list(existing)
            self.pulse_origins = [_FromFacts(("pulse_surveys", i)) for i in range(len(kept))]
        for row in rows:
            kept.append(_pulse_record(row.cells))
            self.pulse_origins.append(_FromCsv(row))
        return kept

    def _merge_kpis(
        self, data: Mapping[str, Any], rows: list[CsvRow], index: Mapping[str, int]
    ) -> list[Any]:
        kpis = list(data["kpis"])
        points: dict[int, list[CsvRow]] = {}
        for row in rows:
            points.setdefault(index[row.cells["kpi_id"]], []).append(row)
        for k, named in points.items():
            series: list[Any] = []
            if self.manifest.mode == "append":
                existing = kpis[k].get("series", [])
                if not isinstance(existing, list):
                    self.problems.append(self._not_array(("kpis", k, "series")))
                    continue
                series = list(existing)
                for j in range(len(series)):
                    self.series_origins[k, j] = _FromFacts(("kpis", k, "series", j))
            for row in named:
                self.series_origins[k, len(series)] = _FromCsv(row)
                series.append({key: row.cells[key] for key in KPI.names[1:] if key in row.cells})
            kpis[k] = {**kpis[k], "series": series}
        return kpis

    def _not_array(self, path: FieldPath) -> Problem:
        position = self._fact_position(path)
        return Problem(
            source=self.facts_name,
            line=position.line if position else None,
            column=position.column if position else None,
            path=path,
            code="type",
            message="CSV rows cannot be appended here",
            expected="an array of tables",
            hint='or set mode = "replace" in the manifest',
        )

    # --- validating and locating -------------------------------------------------------

    def _validate(self, data: Mapping[str, Any]) -> None:
        """Validate the merged data now, to report its errors in the files they come from.

        realign validates the returned data again, but it can only name one source
        (the manifest) for every problem; here each one is put back in the fact file
        or at the CSV row and column it came from. Leniency is unknown to a loader,
        so unknown keys are left to realign, which reports them as the caller asked.
        """
        try:
            structure_partnership(RawFacts(data=data, format="csvfacts"), source="", lenient=True)
        except FactError as error:
            placed = [self._relocate(p) for p in error.problems]
            raise FactError(sorted(placed, key=_order)) from None

    def _origin(self, path: FieldPath) -> tuple[_Origin, FieldPath]:
        """Where the record at *path* was written, and the rest of the path inside it."""
        i = path[1] if len(path) >= 2 and path[0] == "pulse_surveys" else None
        if isinstance(i, int) and i < len(self.pulse_origins):
            return self.pulse_origins[i], path[2:]
        if len(path) >= 4 and path[0] == "kpis" and path[2] == "series":
            k, j = path[1], path[3]
            if isinstance(k, int) and isinstance(j, int) and (k, j) in self.series_origins:
                return self.series_origins[k, j], path[4:]
        return _FromFacts(path), ()

    def _relocate(self, problem: Problem) -> Problem:
        origin, rest = self._origin(problem.path)
        message = _PLACES.sub(self._describe, problem.message)
        hint = _PLACES.sub(self._describe, problem.hint) if problem.hint else None
        if isinstance(origin, _FromCsv):
            column = _column_of(rest)
            located = origin.row.problem(column, message, code=problem.code)
            return attrs.evolve(
                problem,
                source=located.source,
                line=located.line,
                column=located.column,
                message=located.message,
                hint=hint,
            )
        position = self._fact_position(origin.path + rest)
        return attrs.evolve(
            problem,
            source=self.facts_name,
            line=position.line if position else None,
            column=position.column if position else None,
            message=message,
            hint=hint,
        )

    def _describe(self, match: re.Match[str]) -> str:
        """A place in the merged document, followed by where the user wrote it."""
        text = match.group(0)
        if match["pulse"] is not None:
            path: FieldPath = ("pulse_surveys", int(match["pulse"]))
        else:
            path = ("kpis", int(match["kpi"]), "series", int(match["point"]))
        origin, _ = self._origin(path)
        if isinstance(origin, _FromCsv):
            return f"{text} ({_csv_place(origin.row)})"
        position = self._fact_position(origin.path)
        return f"{text} ({self.facts_name} line {position.line})" if position else text

    def _fact_position(self, path: FieldPath) -> Position | None:
        return self.raw.locator().position(path) if self.raw is not None else None

    def _manifest_positions(self) -> SourceMap:
        # realign reports what it still finds (unknown keys of the fact file) under
        # the manifest's name: point at the line that brings the fact file in.
        listed = self.manifest.facts
        if listed.line is None:
            return SourceMap({})
        return SourceMap({(): Position(listed.line, listed.column or 1)})


#: A reference to a record of the merged document inside a message or hint.
_PLACES = re.compile(
    r"(?:pulse_surveys\[(?P<pulse>\d+)\]|kpis\[(?P<kpi>\d+)\]\.series\[(?P<point>\d+)\])"
    r"(?:\.\w+)*"
)


def _suggest(word: str, known: Mapping[str, int]) -> str | None:
    # Spreadsheets change case freely ("k2"), which difflib alone scores too low.
    same = [name for name in known if name.casefold() == word.casefold()]
    return same[0] if same else closest(word, known)


def _column_of(rest: FieldPath) -> str | None:
    """The CSV column holding the field at *rest* inside a pulse wave or KPI point."""
    if rest[:1] == ("items",):
        item = rest[1] if len(rest) > 1 else None
        return item if isinstance(item, str) and item in PULSE_ITEMS else None
    if rest and isinstance(rest[0], str):
        return rest[0]
    return None


def _pulse_record(cells: Mapping[str, Any]) -> dict[str, Any]:
    record = {key: value for key, value in cells.items() if key not in PULSE_ITEMS}
    items = {key: cells[key] for key in PULSE_ITEMS if key in cells}
    if items:
        record["items"] = items
    return record


def _csv_place(row: CsvRow) -> str:
    return f"{row.file} row {row.row}"


def _order(problem: Problem) -> tuple[str, int, int]:
    return (problem.source, problem.line or 0, problem.column or 0)
