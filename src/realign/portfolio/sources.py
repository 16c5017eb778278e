"""Where a portfolio's partnerships come from: files, directories, globs, JSON Lines.

Sources are produced lazily, one at a time, so a portfolio of any size is
listed in constant memory: a directory is walked as it is read, and a JSON
Lines file is read line by line.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import RealignError
from ..loading import FactSource

__all__ = ["FACT_SUFFIXES", "PathError", "check_paths", "portfolio_sources"]

#: the files a directory contributes: fact files, and JSON Lines of them
FACT_SUFFIXES = (".toml", ".json", ".jsonl")


class PathError(RealignError, ValueError):
    """A portfolio path names nothing: no such file, or a glob that matches none."""


def check_paths(paths: Iterable[str | Path]) -> None:
    """Raise :class:`PathError` naming every path that names nothing, before a run starts."""
    missing = []
    for raw in paths:
        text = str(raw)
        if glob.has_magic(text):
            if next(glob.iglob(text, recursive=True), None) is None:
                missing.append(f"{text}: the pattern matches no file")
        elif not os.path.exists(text):
            missing.append(f"{text}: no such file or directory")
    if missing:
        raise PathError("; ".join(missing))


def portfolio_sources(paths: Iterable[str | Path]) -> Iterator[FactSource]:
    """Every partnership *paths* name, in a stable order.

    A path is a fact file, a directory (its fact and JSON Lines files, sorted,
    recursively), a glob (``**`` included), or a JSON Lines file with one JSON
    fact file per line. A JSON Lines source is named ``FILE[line N]``, so its
    problems point at the line.
    """
    for raw in paths:
        text = str(raw)
        if glob.has_magic(text):
            for match in sorted(glob.iglob(text, recursive=True)):
                yield from _one(Path(match))
        else:
            yield from _one(Path(text))


def _one(path: Path) -> Iterator[FactSource]:
    if path.is_dir():
        for root, directories, files in os.walk(path):
            directories[:] = sorted(d for d in directories if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(FACT_SUFFIXES) and not name.startswith("."):
                    yield from _file(Path(root) / name)
    elif path.is_file() or not path.exists():
        # A missing file becomes a source whose reading fails: an error record.
        yield from _file(path)


def _file(path: Path) -> Iterator[FactSource]:
    if path.suffix != ".jsonl":
        yield FactSource.from_path(path)
        return
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield FactSource(name=f"{path}[line {number}]", content=line, format="json")
