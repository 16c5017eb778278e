"""The built-in TOML and JSON fact loaders, registered as a default plugin."""

from __future__ import annotations

import functools
import json
import re
import tomllib
from collections.abc import Iterator
from typing import Any

from ..errors import FactError, Problem
from ..hookspecs import hookimpl
from ._convert import describe
from ._positions import json_source_map, toml_source_map
from .source import FactSource, RawFacts

__all__ = ["realign_load_facts", "toml_problem"]

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
        raise FactError([toml_problem(source.name, text, exc)]) from None
    except RecursionError:
        raise FactError([_too_deep(source, "TOML", text)]) from None
    return RawFacts(data=data, format="toml", positions=functools.partial(toml_source_map, text))


#: Advice for tomllib's terser messages, by the start of the message.
_TOML_ADVICE = {
    "cannot overwrite a value": "a key is written twice in one table; keep one of them",
    "cannot declare": "a table is declared twice; merge the two",
    "illegal character '\\n'": "add the closing quote",
    "invalid value": (
        'a value is missing or malformed: text needs quotes ("high"), a number a leading '
        "digit (0.5), a boolean is true or false"
    ),
    "expected '=' after a key": "write key = value",
}


def toml_problem(name: str, text: str, exc: tomllib.TOMLDecodeError) -> Problem:
    """A located problem for a TOML syntax error, with advice where tomllib gives none."""
    message = str(exc)
    match = _TOML_AT.match(message)
    line: int | None
    column: int | None
    if match and match["line"]:
        line, column = int(match["line"]), int(match["col"])
    else:
        line, column = text.count("\n") + 1, len(text) - text.rfind("\n")
    what = match["what"] if match else message
    hint = None
    if what.lower().startswith("unclosed"):
        # tomllib notices at the next statement; the consultant needs the opener.
        opener = _last_unclosed(text, _offset(text, line, column))
        if opener is not None:
            at_line, at_column = _position(text, opener)
            hint = f"the {text[opener]!r} at line {at_line}, column {at_column} is never closed"
    for start, advice in _TOML_ADVICE.items():
        if what.lower().startswith(start):
            hint = advice
    lines = text.splitlines()
    here = lines[line - 1] if 1 <= line <= len(lines) else ""
    message = f"TOML syntax error: {what[:1].lower()}{what[1:]}"
    if what.startswith("Illegal character '\\n'"):
        message = "TOML syntax error: a string is not closed before the end of the line"
    elif what.lower().startswith("cannot overwrite a value"):
        # tomllib points past the value; the consultant needs the key and its first place.
        key = here.split("=", 1)[0].strip()
        first = _earlier_key(lines, line, key)
        column = len(here) - len(here.lstrip()) + 1
        message = f"TOML syntax error: {key!r} is set twice"
        if first is not None:
            hint = f"{key!r} is first set at line {first}; keep one of them"
    elif "after a statement" in what and re.search(r"\d,\d", here):
        hint = "write decimals with a point: 1.5, not 1,5"
    return Problem(
        source=name,
        code="syntax",
        line=line,
        column=column,
        message=message,
        found=_excerpt(text, line),
        hint=hint,
    )


def _earlier_key(lines: list[str], line: int, key: str) -> int | None:
    """The line, in the same table as *line*, where *key* was first set."""
    for number in range(line - 1, 0, -1):
        stripped = lines[number - 1].strip()
        if stripped.startswith("["):
            return None
        if stripped.split("=", 1)[0].strip() == key and "=" in stripped:
            return number
    return None


def _offset(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
    return start + column - 1


def _last_unclosed(text: str, end: int) -> int | None:
    """Where the innermost bracket or brace still open at *end* was opened."""
    opened: list[int] = []
    for match in _NESTING_TOKENS.finditer(text, 0, end):
        token = match.group()
        if token in ("[", "{"):
            opened.append(match.start())
        elif token in ("]", "}") and opened:
            opened.pop()
    return opened[-1] if opened else None


def _excerpt(text: str, line: int) -> str | None:
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    snippet = lines[line - 1].strip()
    return repr(snippet[:77] + "..." if len(snippet) > 80 else snippet)


def _load_json(source: FactSource) -> RawFacts:
    text = source.read_text()
    _empty(source, text, "JSON")
    duplicated: list[tuple[dict[str, Any], str]] = []
    try:
        data = _decode_json(text, duplicated)
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
        line, column = _position(text, _first_constant(text, exc.token))
        raise FactError(
            [
                Problem(
                    source=source.name,
                    code="syntax",
                    line=line,
                    column=column,
                    message=f"JSON syntax error: {exc.token} is not a JSON number",
                    expected="a finite number",
                    found=exc.token,
                )
            ]
        ) from None
    except RecursionError:
        raise FactError([_too_deep(source, "JSON", text)]) from None
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
                    found=describe(data),
                )
            ]
        )
    raw = RawFacts(data=data, format="json", positions=functools.partial(json_source_map, text))
    # A lone surrogate can only come from a \uD800-\uDFFF escape, so most files need no walk.
    if (duplicated or ("\\" in text and _SURROGATE_ESCAPE.search(text))) and (
        problems := list(_json_value_problems(source, data, duplicated))
    ):
        raise FactError(raw.locator().place(problems))
    return raw


def _decode_json(text: str, duplicated: list[tuple[dict[str, Any], str]]) -> Any:
    """The document in *text*, adding to *duplicated* each key written twice in one object.

    json keeps the last of two equal keys without a word; TOML refuses them. Seeing
    every key pair costs a third of the parse, so the text is first read plainly,
    counting the entries of its objects. A repeated key leaves its object with
    fewer entries than the text has key-value colons; when the entries match an
    upper bound on those colons, no key repeats, and only otherwise is the text
    read again pair by pair.
    """
    entries = 0

    def count(obj: dict[str, Any]) -> dict[str, Any]:
        nonlocal entries
        entries += len(obj)
        return obj

    data = json.loads(text, parse_constant=_reject_constant, object_hook=count)
    colons = text.count(":")
    if entries == colons or entries == colons - len(_QUOTED_COLON.findall(text)):
        return data
    return _decode_json_pairwise(text, duplicated)


def _decode_json_pairwise(text: str, duplicated: list[tuple[dict[str, Any], str]]) -> Any:
    """:func:`_decode_json` seeing every key pair: the reference it must agree with."""

    def build_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        # dict() keeps the first position and the last value of a repeated key.
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    # The object itself, not its id: an object a later duplicate key
                    # replaces is dropped, and its id could pass to another one.
                    duplicated.append((obj, key))
                seen.add(key)
        return obj

    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=build_object)


#: A colon followed by what cannot start a JSON value, so inside a string: the
#: parser takes a key's colon only when a value (after spaces) comes next.
_QUOTED_COLON = re.compile(r':(?=[ \t\n\r]*[^ \t\n\r"{\[\-0-9tfnNI])')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _json_value_problems(
    source: FactSource, data: dict[str, Any], duplicated: list[tuple[dict[str, Any], str]]
) -> Iterator[Problem]:
    """Duplicate keys, and strings no UTF-8 file can hold (lone surrogates from escapes)."""
    duplicate_keys: dict[int, list[str]] = {}
    for obj, key in duplicated:
        duplicate_keys.setdefault(id(obj), []).append(key)
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key in duplicate_keys.get(id(node), ()):
                yield Problem(
                    source=source.name,
                    code="duplicate",
                    path=(*path, key),
                    message=f"key {key!r} appears more than once in the same object",
                    hint="only one value can be kept; remove the other",
                )
            for key, value in node.items():
                if _SURROGATE.search(key):
                    yield _surrogate_problem(source, (*path, key), key)
                stack.append(((*path, key), value))
        elif isinstance(node, list):
            stack.extend(((*path, index), value) for index, value in enumerate(node))
        elif isinstance(node, str) and _SURROGATE.search(node):
            yield _surrogate_problem(source, path, node)


def _surrogate_problem(source: FactSource, path: tuple[str | int, ...], text: str) -> Problem:
    return Problem(
        source=source.name,
        code="encoding",
        path=path,
        found=ascii(text),
        message="a \\u escape names half of a surrogate pair, which is not a character",
        expected="a complete character, such as \\ud83d\\ude00 written together",
    )


_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')
_NESTING_TOKENS = re.compile(
    r'"""[\s\S]*?"""'  # TOML multi-line basic string
    r"|'''[\s\S]*?'''"  # TOML multi-line literal string
    r'|"(?:[^"\\\n]|\\.)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|[\[\]{}]"
)
#: Fact files nest about five levels; past this the reader gives up.
NESTING_LIMIT = 64


def _first_constant(text: str, token: str) -> int:
    for match in _JSON_TOKENS.finditer(text):
        if match.group(1) == token:
            return match.start()
    return 0


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _too_deep(source: FactSource, fmt: str, text: str) -> Problem:
    depth = 0
    offset = 0
    for match in _NESTING_TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > NESTING_LIMIT:
                offset = match.start()
                break
        elif token in ("]", "}"):
            depth -= 1
    line, column = _position(text, offset)
    return Problem(
        source=source.name,
        code="syntax",
        line=line,
        column=column,
        message=f"{fmt} nesting is too deep to read: it passes {NESTING_LIMIT} levels here",
        expected="a fact file nested a few levels deep",
        hint="is this really a fact file?",
    )


class _NonFiniteError(ValueError):
    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__(token)


def _reject_constant(token: str) -> float:
    raise _NonFiniteError(token)
