"""Errors raised by realign, and the located problems they carry.

::

    RealignError
     ├── FactError (ValueError)        a fact file could not be read or is invalid;
     │                                 carries every Problem found, not only the first
     └── PluginError (RuntimeError)    a plugin failed to load or raised in a hook

A :class:`Problem` is one located finding about an input: the source, the line
and column where known, the field path, what was expected and what was found,
and a "did you mean" hint where one helps. Warnings use the same type.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Literal

import attrs

__all__ = [
    "FactError",
    "PluginError",
    "Problem",
    "RealignError",
    "closest",
    "format_path",
]

PathPart = str | int


def format_path(path: Sequence[PathPart]) -> str:
    """Render a field path the way a consultant reads it: ``objectives[2].priority.corvid``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier() or part.replace("-", "_").isidentifier():
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like *word*, if any is close enough to be a likely typo."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


@attrs.frozen(kw_only=True)
class Problem:
    """One located error or warning about an input file."""

    source: str
    message: str
    code: str
    path: tuple[PathPart, ...] = ()
    line: int | None = None
    column: int | None = None
    expected: str | None = None
    found: str | None = None
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"

    @property
    def location(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: "
        if self.path:
            text += f"{format_path(self.path)}: "
        text += self.message
        details = []
        if self.expected is not None:
            details.append(f"expected {self.expected}")
        if self.found is not None:
            details.append(f"found {self.found}")
        if details:
            text += f" ({', '.join(details)})"
        if self.hint:
            text += f"; {self.hint}"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "line": self.line,
            "column": self.column,
            "path": format_path(self.path),
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
            "hint": self.hint,
        }


class RealignError(Exception):
    """Base class of every error realign raises on purpose."""


class FactError(RealignError, ValueError):
    """A fact file could not be loaded; :attr:`problems` lists every error found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        count = len(errors)
        source = self.problems[0].source if self.problems else "input"
        msg = f"{source}: {count} error{'s' if count != 1 else ''}\n" + "\n".join(
            str(p) for p in self.problems
        )
        super().__init__(msg)


class PluginError(RealignError, RuntimeError):
    """A plugin could not be loaded, or failed inside a hook; :attr:`plugin` names it."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}")
