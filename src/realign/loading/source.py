"""What a loader reads (:class:`FactSource`) and what it returns (:class:`RawFacts`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import FactError, Problem
from ._positions import Path as FieldPath
from ._positions import Position, SourceMap

__all__ = ["DEFAULT_MAX_BYTES", "FactSource", "Locator", "RawFacts"]

#: Fact files larger than this are refused before they are read. A partnership
#: is tens of kilobytes; anything near this size is a mistake, not a client.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


@attrs.frozen(kw_only=True)
class FactSource:
    """A fact file or an in-memory document, with the name used in messages."""

    name: str
    path: Path | None = None
    content: bytes | None = None
    format: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_path(cls, path: str | Path, *, format: str | None = None) -> FactSource:
        return cls(name=str(path), path=Path(path), format=format)

    @classmethod
    def from_text(cls, text: str, *, name: str = "<string>", format: str) -> FactSource:
        return cls(name=name, content=text.encode("utf-8"), format=format)

    @property
    def suffix(self) -> str:
        """The lower-case file suffix without its dot ("toml"), or "" for in-memory sources."""
        return self.path.suffix.lower().lstrip(".") if self.path is not None else ""

    def kind(self) -> str:
        """The declared format, else the suffix."""
        return (self.format or self.suffix).lower()

    def read_bytes(self) -> bytes:
        """Read the content, refusing files over :attr:`max_bytes`."""
        if self.content is not None:
            data = self.content
        else:
            assert self.path is not None
            try:
                # One open file for the size and the content: a stat and a read by
                # path would each look the path up again.
                with open(self.path, "rb", buffering=0) as file:
                    size = os.fstat(file.fileno()).st_size
                    if size > self.max_bytes:
                        self._refuse(size)
                    data = file.readall()
            except OSError as exc:
                raise FactError(
                    [
                        Problem(
                            source=self.name, code="io", message=f"cannot read file: {exc.strerror}"
                        )
                    ]
                ) from exc
        if len(data) > self.max_bytes:
            self._refuse(len(data))
        return data

    def read_text(self) -> str:
        """Read and decode the content as UTF-8, locating any invalid byte."""
        data = self.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = data[: exc.start]
            line = before.count(b"\n") + 1
            column = exc.start - (before.rfind(b"\n") + 1) + 1
            raise FactError(
                [
                    Problem(
                        source=self.name,
                        code="encoding",
                        line=line,
                        column=column,
                        message="the file is not valid UTF-8 text",
                        expected="UTF-8 encoded TOML or JSON",
                        found=f"byte 0x{data[exc.start]:02x}",
                        hint="is this a binary file?",
                    )
                ]
            ) from None
        return text.removeprefix("\ufeff")

    def _refuse(self, size: int) -> None:
        raise FactError(
            [
                Problem(
                    source=self.name,
                    code="too-large",
                    message="the file is too large to be a fact file",
                    expected=f"at most {self.max_bytes / 2**20:.0f} MiB",
                    found=f"{size / 2**20:.1f} MiB",
                )
            ]
        )


@attrs.frozen(kw_only=True)
class RawFacts:
    """A parsed document before validation, and how to find where its values were written.

    ``positions`` may be a :class:`SourceMap` or a function that builds one: realign
    only calls it when it has a problem to locate, so valid files never pay for it.
    """

    data: Mapping[str, Any]
    format: str
    positions: SourceMap | Callable[[], SourceMap] = attrs.field(factory=lambda: SourceMap({}))

    def locator(self) -> Locator:
        return Locator(self.positions)


class Locator:
    """Puts problems at their line and column, building the source map on first use."""

    def __init__(self, positions: SourceMap | Callable[[], SourceMap]) -> None:
        self._positions = positions
        self._map = positions if isinstance(positions, SourceMap) else None

    def position(self, path: FieldPath) -> Position | None:
        """Where *path*, or its nearest written ancestor, is in the text."""
        if self._map is None:
            assert not isinstance(self._positions, SourceMap)
            self._map = self._positions()
        found = self._map.locate(path)
        return found[1] if found else None

    def place(self, problems: Iterable[Problem]) -> list[Problem]:
        """The problems with their line and column filled in, in file order."""
        placed = []
        for problem in problems:
            position = None if problem.line is not None else self.position(problem.path)
            if position is not None:
                problem = attrs.evolve(problem, line=position.line, column=position.column)
            placed.append(problem)
        return sorted(placed, key=lambda p: (p.line or 0, p.column or 0, str(p.path), p.message))
