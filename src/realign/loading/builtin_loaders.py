"""The built-in TOML and JSON fact loaders, registered as a default plugin."""

from __future__ import annotations

import functools
import json
import re
import tomllib

from ..errors import FactError, Problem
from ..hookspecs import hookimpl
from ._positions import json_source_map, toml_source_map
from .source import FactSource, RawFacts

__all__ = ["realign_load_facts"]

_TOML_AT = re.compile(
    r"^(?P<what>.*?)\s*\(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


@hookimpl(trylast=True)
def realign_load_facts(source: FactSource) -> RawFacts | None:
    kind = source.kind()
    if kind == "toml":
        return _load_toml(source)
    if kind == "json":
        return _load_json(source)
    return None


def _empty(source: FactSource, text: str, fmt: str) -> None:
    if not text.strip():
        raise FactError(
            [
                Problem(
                    source=source.name,
                    code="empty",
                    line=1,
                    column=1,
                    message="the file is empty",
                    expected=f"a {fmt} fact file with at least [assessment] and [partnership]",
                )
            ]
        )


def _load_toml(source: FactSource) -> RawFacts:
    text = source.read_text()
    _empty(source, text, "TOML")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FactError([_toml_problem(source, text, exc)]) from None
    except RecursionError:
        raise FactError([_too_deep(source, "TOML")]) from None
    return RawFacts(data=data, format="toml", positions=functools.partial(toml_source_map, text))


def _toml_problem(source: FactSource, text: str, exc: tomllib.TOMLDecodeError) -> Problem:
    message = str(exc)
    match = _TOML_AT.match(message)
    line: int | None
    column: int | None
    if match and match["line"]:
        line, column = int(match["line"]), int(match["col"])
    else:
        line, column = text.count("\n") + 1, len(text) - text.rfind("\n")
    what = match["what"] if match else message
    return Problem(
        source=source.name,
        code="syntax",
        line=line,
        column=column,
        message=f"TOML syntax error: {what[:1].lower()}{what[1:]}",
        found=_excerpt(text, line),
    )


def _excerpt(text: str, line: int) -> str | None:
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    snippet = lines[line - 1].strip()
    return repr(snippet[:77] + "..." if len(snippet) > 80 else snippet)


def _load_json(source: FactSource) -> RawFacts:
    text = source.read_text()
    _empty(source, text, "JSON")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FactError(
            [
                Problem(
                    source=source.name,
                    code="syntax",
                    line=exc.lineno,
                    column=exc.colno,
                    message=f"JSON syntax error: {exc.msg[:1].lower()}{exc.msg[1:]}",
                    found=_excerpt(text, exc.lineno),
                )
            ]
        ) from None
    except _NonFiniteError as exc:
        raise FactError(
            [
                Problem(
                    source=source.name,
                    code="syntax",
                    message="JSON syntax error: non-standard number",
                    expected="a finite number",
                    found=exc.token,
                )
            ]
        ) from None
    except RecursionError:
        raise FactError([_too_deep(source, "JSON")]) from None
    if not isinstance(data, dict):
        raise FactError(
            [
                Problem(
                    source=source.name,
                    code="type",
                    line=1,
                    column=1,
                    message="the document must be a JSON object",
                    expected="an object with 'assessment' and 'partnership'",
                    found=type(data).__name__,
                )
            ]
        )
    return RawFacts(data=data, format="json", positions=functools.partial(json_source_map, text))


def _too_deep(source: FactSource, fmt: str) -> Problem:
    return Problem(
        source=source.name,
        code="syntax",
        message=f"{fmt} nesting is too deep to read",
        expected="a fact file nested a few levels deep",
        hint="is this really a fact file?",
    )


class _NonFiniteError(ValueError):
    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__(token)


def _reject_constant(token: str) -> float:
    raise _NonFiniteError(token)
