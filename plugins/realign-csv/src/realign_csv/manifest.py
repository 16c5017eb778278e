"""The ``.csvfacts.toml`` manifest: which fact file and which CSV files to merge, and how."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import attrs

from realign import FactError, FactSource, Problem
from realign.errors import closest
from realign.loading import builtin_loaders

__all__ = ["MANIFEST_SUFFIX", "Manifest", "read_manifest"]

#: A manifest is a TOML file whose name ends like this; a source may also declare
#: the format "csvfacts" whatever its name.
MANIFEST_SUFFIX = ".csvfacts.toml"
_KEYS = ("facts", "pulse_surveys", "kpi_series", "mode")
_MODES = ("append", "replace")


@attrs.frozen(kw_only=True)
class Listed:
    """A file named in the manifest, with the name messages use and where it was named."""

    path: Path
    line: int | None
    column: int | None


@attrs.frozen(kw_only=True)
class Manifest:
    name: str
    facts: Listed
    pulse_surveys: tuple[Listed, ...]
    kpi_series: tuple[Listed, ...]
    mode: Literal["append", "replace"]

    def problem(self, listed: Listed, message: str, **fields: Any) -> Problem:
        """A problem about a listed file, located where the manifest names it."""
        return Problem(
            source=self.name, line=listed.line, column=listed.column, message=message, **fields
        )


def read_manifest(source: FactSource) -> Manifest:
    """Read and check the manifest, raising one FactError with every defect."""
    content = source.read_bytes()
    if not content.strip():
        raise FactError(
            [
                Problem(
                    source=source.name,
                    code="empty",
                    line=1,
                    column=1,
                    message="the csvfacts manifest is empty",
                    expected='at least facts = "<fact file>"',
                )
            ]
        )
    # realign's TOML loader gives the same syntax messages and source map as for
    # fact files; nothing in it is specific to facts once the file is not empty.
    raw = builtin_loaders.realign_load_facts(
        source=attrs.evolve(source, content=content, format="toml")
    )
    assert raw is not None
    data, locator = raw.data, raw.locator()
    base = source.path.parent if source.path is not None else Path()
    problems: list[Problem] = []

    def at(path: tuple[str | int, ...]) -> tuple[int | None, int | None]:
        position = locator.position(path)
        return (position.line, position.column) if position else (None, None)

    def problem(path: tuple[str | int, ...], message: str, **fields: Any) -> None:
        line, column = at(path)
        problems.append(
            Problem(source=source.name, line=line, column=column, message=message, **fields)
        )

    for key in data:
        if key not in _KEYS:
            guess = closest(key, _KEYS)
            problem(
                (key,),
                f"unknown key {key!r} in the manifest",
                code="unknown-key",
                expected="facts, pulse_surveys, kpi_series or mode",
                hint=f"did you mean {guess!r}?" if guess else None,
            )

    def listed(path: tuple[str | int, ...], value: object) -> Listed | None:
        if not isinstance(value, str) or not value.strip():
            problem(
                path,
                "invalid file name",
                code="type",
                expected="a file name relative to the manifest",
                found=repr(value),
            )
            return None
        line, column = at(path)
        return Listed(path=base / value, line=line, column=column)

    facts = None
    if "facts" not in data:
        problems.append(
            Problem(
                source=source.name,
                code="missing",
                message="the manifest does not name its fact file",
                expected='facts = "<a .toml or .json fact file>"',
            )
        )
    else:
        facts = listed(("facts",), data["facts"])
    lists = {key: _files(data, key, listed, problem) for key in ("pulse_surveys", "kpi_series")}
    mode = data.get("mode", "append")
    if mode not in _MODES:
        guess = closest(str(mode), _MODES)
        problem(
            ("mode",),
            "unknown mode",
            code="enum",
            expected='"append" or "replace"',
            found=repr(mode),
            hint=f"did you mean {guess!r}?" if guess else None,
        )
    if problems or facts is None:
        raise FactError(problems)
    return Manifest(
        name=source.name,
        facts=facts,
        pulse_surveys=lists["pulse_surveys"],
        kpi_series=lists["kpi_series"],
        mode=mode,
    )


def _files(
    data: Any,
    key: str,
    listed: Callable[[tuple[str | int, ...], object], Listed | None],
    problem: Callable[..., None],
) -> tuple[Listed, ...]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problem(
            (key,),
            "invalid list of CSV files",
            code="type",
            expected='an array of file names, such as ["pulse.csv"]',
            found=repr(value),
        )
        return ()
    found = (listed((key, index), item) for index, item in enumerate(value))
    return tuple(item for item in found if item is not None)
