"""Reading fact files: loader plugins, strict structuring, and located problems."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pluggy

from ..errors import FactError, Problem, format_path
from ..isolation import each_result, plugin_failed
from ..model import Partnership
from ._checks import check_partnership
from ._convert import describe, issues_from, leaf_problem, make_converter, unknown_keys
from ._fast import fast_partnership
from ._positions import Position, SourceMap
from .source import DEFAULT_MAX_BYTES, FactSource, Locator, RawFacts

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FactSource",
    "LoadedPartnership",
    "Position",
    "RawFacts",
    "SourceMap",
    "load_partnership",
    "read_raw",
    "structure_partnership",
]

Path_ = tuple[str | int, ...]
_CONVERTER = make_converter()
_REQUIRED_TABLES = ("assessment", "partnership")


@attrs.frozen(kw_only=True)
class LoadedPartnership:
    """A validated partnership and the warnings its file produced."""

    partnership: Partnership
    source: str
    warnings: tuple[Problem, ...] = ()


def load_partnership(
    source: FactSource | str | Path,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
    lenient: bool = False,
) -> LoadedPartnership:
    """Load and validate one fact file.

    Args:
        source: a path, or a :class:`FactSource` for in-memory documents.
        plugin_manager: the plugins to load with; defaults to the built-ins and the
            installed plugins, as :func:`realign.get_plugin_manager` builds them.
        lenient: report unknown keys as warnings instead of errors.

    Raises:
        FactError: listing every problem in the file, each located.
    """
    if not isinstance(source, FactSource):
        source = FactSource.from_path(source)
    if plugin_manager is None:
        from ..plugins import get_plugin_manager

        plugin_manager = get_plugin_manager()
    raw = read_raw(source, plugin_manager)
    if raw is None:
        raise FactError(
            [
                Problem(
                    source=source.name,
                    code="format",
                    message="no loader reads this kind of file",
                    expected="a .toml or .json file (or a format a plugin provides)",
                    found=repr(source.kind() or "no suffix"),
                )
            ]
        )
    return structure_partnership(raw, source=source.name, lenient=lenient)


def read_raw(source: FactSource, plugin_manager: pluggy.PluginManager) -> RawFacts | None:
    """What the first loader that reads *source* makes of it, or None if none does.

    A loader that raises, or returns something other than :class:`RawFacts`, is
    reported under its plugin's name and the next loader is asked; a
    :class:`FactError` is the verdict on the file and propagates.
    """
    for plugin, raw in each_result(plugin_manager, "realign_load_facts", source=source):
        if raw is None:
            continue
        if isinstance(raw, RawFacts):
            return raw
        plugin_failed(
            plugin_manager,
            plugin,
            f"realign_load_facts returned {type(raw).__name__}, not RawFacts or None",
        )
    return None


def structure_partnership(
    raw: RawFacts, *, source: str, lenient: bool = False
) -> LoadedPartnership:
    """Validate parsed data into a :class:`Partnership`, reporting every problem at once."""
    facts = fast_partnership(raw.data)
    if facts is not None:
        locator = raw.locator()
        where = _describer(locator)
        if not check_partnership(facts, failed_ids={}, where=where):
            return LoadedPartnership(partnership=facts, source=source)
    # Something is wrong, or unusual: the detailed path finds and locates every problem.
    return _structure_detailed(raw, source=source, lenient=lenient)


def _structure_detailed(raw: RawFacts, *, source: str, lenient: bool = False) -> LoadedPartnership:
    """:func:`structure_partnership` without the fast path: the reference behaviour.

    The fast path must always agree with this; tests compare the two directly.
    """
    problems: list[Problem] = []
    data = raw.data
    for path, key, guess in unknown_keys(data, Partnership):
        problems.append(
            Problem(
                source=source,
                code="unknown-key",
                path=path,
                message=f"unknown key {key!r}",
                hint=f"did you mean {guess!r}?" if guess else None,
                severity="warning" if lenient else "error",
            )
        )
    parts = _structure_parts(data, source)
    problems.extend(parts.problems)
    locator = raw.locator()
    facts: Partnership | None = None
    if all(name in parts.values for name in _REQUIRED_TABLES):
        facts = Partnership(**parts.values)
        where = _describer(locator)
        issues = check_partnership(
            facts, failed_ids=parts.failed_ids, broken=parts.broken, where=where
        )
        for issue in issues:
            problems.append(
                Problem(
                    source=source,
                    code=issue.code,
                    path=issue.path,
                    message=issue.message,
                    expected=issue.expected,
                    found=issue.found,
                    hint=issue.hint,
                )
            )
    located = locator.place(problems)
    if facts is None or any(p.severity == "error" for p in located):
        raise FactError(located)
    return LoadedPartnership(partnership=facts, source=source, warnings=tuple(located))


@attrs.frozen
class _Parts:
    values: dict[str, Any]
    # Ids of records that could not be read: references to them are not dangling.
    failed_ids: dict[str, frozenset[str]]
    # Collections that are not arrays at all: nothing is known about their ids.
    broken: frozenset[str]
    problems: list[Problem]


def _structure_parts(data: Mapping[str, Any], source: str) -> _Parts:
    """Structure each top-level entry, and each record of a collection, on its own.

    Keeping the parts that succeed lets the whole-file checks still run, so a
    single bad record never hides the problems of the rest.
    """
    parts = _Parts({}, {}, frozenset(), [])
    broken: set[str] = set()
    for field in attrs.fields(Partnership):
        name = field.name
        if name not in data:
            if name in _REQUIRED_TABLES:
                parts.problems.append(
                    Problem(
                        source=source,
                        code="missing",
                        message=f"required table [{name}] is missing",
                        expected=f"a [{name}] table",
                    )
                )
            continue
        value = data[name]
        field_type: Any = field.type
        if not isinstance(field.default, tuple):
            record = _structure_record(value, field_type, (name,), source, parts.problems)
            if record is not None:
                parts.values[name] = record
            continue
        if not isinstance(value, list):
            parts.problems.append(
                Problem(
                    source=source,
                    code="type",
                    path=(name,),
                    message="invalid value",
                    expected=f"an array of tables, written [[{name}]]",
                    found=describe(value),
                )
            )
            broken.add(name)
            continue
        (item_type, *_) = field_type.__args__
        good, bad_ids = [], set()
        for index, item in enumerate(value):
            record = _structure_record(item, item_type, (name, index), source, parts.problems)
            if record is not None:
                good.append(record)
            elif isinstance(item, Mapping) and isinstance(item.get("id"), str):
                bad_ids.add(item["id"])
        parts.values[name] = tuple(good)
        parts.failed_ids[name] = frozenset(bad_ids)
    return attrs.evolve(parts, broken=frozenset(broken))


def _structure_record(
    value: Any, record_type: Any, path: Path_, source: str, problems: list[Problem]
) -> Any:
    """Structure one record, adding its problems; None if it cannot be read at all.

    A record with bad optional fields is read again without them, so that it still
    takes part in the whole-file checks (its other problems are still reported).
    """
    try:
        return _CONVERTER.structure(value, record_type)
    except Exception as exc:
        issues = list(issues_from(exc, path))
    problems.extend(leaf_problem(source, p, e) for p, e in issues)
    if not isinstance(value, Mapping):
        return None
    bad = {p[len(path)] for p, _ in issues if len(p) > len(path)}
    try:
        return _CONVERTER.structure({k: v for k, v in value.items() if k not in bad}, record_type)
    except Exception:
        return None


def _describer(locator: Locator) -> Any:
    def where(path: Path_) -> str:
        position = locator.position(path)
        text = format_path(path)
        return f"{text} (line {position.line})" if position else text

    return where
