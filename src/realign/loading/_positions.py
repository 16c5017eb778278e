"""Map field paths of TOML and JSON documents to their line and column.

``tomllib`` and ``json`` return plain data without positions, yet validation
reports must point at the line that needs fixing.  The scanners here re-read
the text just closely enough to learn where each key and array element is
written.  They never validate: the document was (or will be) parsed by the
real parser, so on text they cannot follow they stop and keep what they have.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re

import attrs

__all__ = ["Path", "Position", "SourceMap", "json_source_map", "toml_source_map"]

Path = tuple[str | int, ...]
_Offsets = dict[Path, int]  # character index of each path, before lines are counted
_Keys = list[tuple[str, int]]  # segments of a dotted key with their indexes

# Every recorded path is a separate tuple, so hostile nesting would cost
# memory and time proportional to its depth for each element.  Fact files nest
# about six deep; anything past this is not a fact file, and scanning stops.
_MAX_DEPTH = 32


@attrs.frozen
class Position:
    """A 1-based line and column; the column counts characters, not bytes."""

    line: int
    column: int


@attrs.frozen
class SourceMap:
    """Where each path of a parsed document is written in its source text."""

    # Excluded from the hash because a dict is unhashable; equality still
    # compares it.
    _positions: dict[Path, Position] = attrs.field(hash=False)

    def get(self, path: Path) -> Position | None:
        """Return the position recorded for exactly ``path``."""
        return self._positions.get(path)

    def locate(self, path: Path) -> tuple[Path, Position] | None:
        """Return the longest recorded prefix of ``path`` and its position.

        Validation often complains about a missing field, which has no
        position of its own; its nearest written ancestor is the best hint.
        """
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            position = self._positions.get(prefix)
            if position is not None:
                return prefix, position
        return None

    def __len__(self) -> int:
        return len(self._positions)

    def __contains__(self, path: object) -> bool:
        return path in self._positions


class _Stop(Exception):
    """The text cannot be followed any further; keep what was recorded."""


# Regexes consume whole runs so that the Python loop runs once per token, not
# once per character.  Repetitions are written as "normal* (special normal*)*"
# so that a failed match cannot backtrack exponentially.
_NEWLINE = re.compile(r"\n")
_WS = re.compile(r"[ \t]*")
_WS_NL = re.compile(r"[ \t\r\n]*(?:#[^\n]*[ \t\r\n]*)*")
_LINE_END = re.compile(r"[ \t\r]*(?:#[^\n]*)?(?:\n|\Z)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"([^"\\\n]*(?:\\.[^"\\\n]*)*)"')
_LITERAL = re.compile(r"'([^'\n]*)'")
_ML_BASIC = re.compile(r'"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"{3,5}')
_ML_LITERAL = re.compile(r"'''[^']*(?:'(?!'')[^']*)*'{3,5}")
# A local date-time may use a space instead of "T"; without the first group
# the scalar would end at that space.
_SCALAR = re.compile(r"""(?:\d{4}-\d{2}-\d{2} (?=\d{2}:))?[^\s,\[\]{}#="']+""")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
_J_WS = re.compile(r"[ \t\r\n]*")
_J_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"')
_J_SCALAR = re.compile(r'[^\s,:\[\]{}"]+')


def toml_source_map(text: str) -> SourceMap:
    """Map every key, table header and array element of TOML ``text``.

    Headers and dotted keys record each segment at that segment's position;
    array elements are recorded at their first character.
    """
    offsets: _Offsets = {}
    with contextlib.suppress(_Stop):
        _scan_toml(text, offsets)
    return _build(text, offsets)


def json_source_map(text: str) -> SourceMap:
    """Map every key (at its opening quote) and element of JSON ``text``."""
    offsets: _Offsets = {}
    with contextlib.suppress(_Stop):
        _scan_json(text, offsets)
    return _build(text, offsets)


def _build(text: str, offsets: _Offsets) -> SourceMap:
    starts = [0]
    starts.extend(match.end() for match in _NEWLINE.finditer(text))
    positions: dict[Path, Position] = {}
    for path, offset in offsets.items():
        if offset >= len(text) or text[offset] in "\r\n":
            # Damaged text can leave a scanner at a line's end; that places nothing.
            continue
        line = bisect.bisect_right(starts, offset)
        positions[path] = Position(line, offset - starts[line - 1] + 1)
    return SourceMap(positions)


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Return where a run of ``pattern`` (which may be empty) ends."""
    match = pattern.match(text, pos)
    return pos if match is None else match.end()


def _skip_bom(text: str) -> int:
    # Text read without "utf-8-sig" keeps the mark; columns still count it.
    return 1 if text.startswith("\ufeff") else 0


def _unescape(match: re.Match[str]) -> str:
    short, long, simple = match.groups()
    if simple is not None:
        if simple not in _SIMPLE_ESCAPES:
            raise _Stop
        return _SIMPLE_ESCAPES[simple]
    code = int(short if short is not None else long, 16)
    if code > 0x10FFFF:
        raise _Stop
    return chr(code)


def _toml_keys(text: str, pos: int) -> tuple[_Keys, int]:
    """Read a possibly dotted key; return its segments with their offsets."""
    keys: _Keys = []
    while True:
        pos = _skip(_WS, text, pos)
        first = text[pos : pos + 1]
        if first == '"':
            match = _BASIC.match(text, pos)
            if match is None:
                raise _Stop
            keys.append((_ESCAPE.sub(_unescape, match.group(1)), pos))
        else:
            match = (_LITERAL if first == "'" else _BARE_KEY).match(text, pos)
            if match is None:
                raise _Stop
            keys.append((match.group(1) if first == "'" else match.group(), pos))
        pos = _skip(_WS, text, match.end())
        if not text.startswith(".", pos):
            return keys, pos
        if len(keys) >= _MAX_DEPTH:
            raise _Stop
        pos += 1


def _record_keys(base: Path, keys: _Keys, offsets: _Offsets) -> Path:
    if len(base) + len(keys) > _MAX_DEPTH:
        raise _Stop
    # Implicit parents keep their first mention; the key itself is explicit.
    path = base
    for name, offset in keys[:-1]:
        path += (name,)
        offsets.setdefault(path, offset)
    name, offset = keys[-1]
    path += (name,)
    offsets[path] = offset
    return path


def _toml_header(
    keys: _Keys,
    array: bool,
    counts: dict[Path, int],
    offsets: _Offsets,
) -> Path:
    """Resolve ``[a.b]`` or ``[[a.b]]`` to the path of the table it opens."""
    path: Path = ()
    last = len(keys) - 1
    for index, (name, offset) in enumerate(keys):
        path += (name,)
        if len(path) > _MAX_DEPTH:
            raise _Stop
        if index < last:
            offsets.setdefault(path, offset)
            # A header walks through an array of tables into its last element.
            if path in counts:
                path += (counts[path] - 1,)
        elif array:
            count = counts.get(path, 0)
            counts[path] = count + 1
            offsets.setdefault(path, offset)
            path += (count,)
            offsets[path] = offset
        else:
            offsets[path] = offset
    return path


def _scan_toml(text: str, offsets: _Offsets) -> None:
    counts: dict[Path, int] = {}  # elements so far of each array of tables
    table: Path = ()
    pos = _skip_bom(text)
    while True:
        pos = _skip(_WS_NL, text, pos)
        if pos >= len(text):
            return
        if text.startswith("[", pos):
            array = text.startswith("[[", pos)
            keys, pos = _toml_keys(text, pos + (2 if array else 1))
            closer = "]]" if array else "]"
            if not text.startswith(closer, pos):
                raise _Stop
            pos += len(closer)
            table = _toml_header(keys, array, counts, offsets)
        else:
            keys, pos = _toml_keys(text, pos)
            if not text.startswith("=", pos):
                raise _Stop
            path = _record_keys(table, keys, offsets)
            pos = _value(text, _skip(_WS, text, pos + 1), path, offsets, toml=True)
        match = _LINE_END.match(text, pos)
        if match is None:
            raise _Stop
        pos = match.end()


def _value(text: str, pos: int, path: Path, offsets: _Offsets, toml: bool) -> int:
    """Skip the value at ``pos``, recording what is nested in it."""
    # An explicit stack instead of recursion: hostile nesting must not raise.
    # Each frame is a container path and the index of its current element, or
    # -1 for a table/object.  Trailing commas are accepted in both syntaxes.
    ws, member = (_WS_NL, _toml_member) if toml else (_J_WS, _json_member)
    stack: list[tuple[Path, int]] = []
    while True:
        first = text[pos : pos + 1]
        if first in ("[", "{"):
            if len(path) >= _MAX_DEPTH:
                raise _Stop
            pos = _skip(ws, text, pos + 1)
            if not text.startswith("]" if first == "[" else "}", pos):
                stack.append((path, 0 if first == "[" else -1))
                path, pos = member(text, pos, path, stack[-1][1], offsets)
                continue
            pos += 1
        else:
            if not toml:
                atom = _J_STRING if first == '"' else _J_SCALAR
            elif first == '"':
                atom = _ML_BASIC if text.startswith('"""', pos) else _BASIC
            elif first == "'":
                atom = _ML_LITERAL if text.startswith("'''", pos) else _LITERAL
            else:
                atom = _SCALAR
            match = atom.match(text, pos)
            if match is None:
                raise _Stop
            pos = match.end()
        # The value is complete: close finished containers, find the next one.
        while stack:
            container, index = stack[-1]
            closer = "]" if index >= 0 else "}"
            pos = _skip(ws, text, pos)
            if text.startswith(",", pos):
                pos = _skip(ws, text, pos + 1)
                if not text.startswith(closer, pos):
                    if index >= 0:
                        index += 1
                        stack[-1] = (container, index)
                    path, pos = member(text, pos, container, index, offsets)
                    break
            elif not text.startswith(closer, pos):
                raise _Stop
            stack.pop()
            pos += 1
        else:
            return pos


def _toml_member(
    text: str, pos: int, container: Path, index: int, offsets: _Offsets
) -> tuple[Path, int]:
    """Record the next array element or inline-table key; return its path."""
    if index >= 0:
        path = (*container, index)
        offsets[path] = pos
        return path, pos
    keys, pos = _toml_keys(text, pos)
    if not text.startswith("=", pos):
        raise _Stop
    path = _record_keys(container, keys, offsets)
    return path, _skip(_WS, text, pos + 1)


def _scan_json(text: str, offsets: _Offsets) -> None:
    pos = _skip(_J_WS, text, _skip_bom(text))
    if pos < len(text):
        offsets[()] = pos
        _value(text, pos, (), offsets, toml=False)


def _json_member(
    text: str, pos: int, container: Path, index: int, offsets: _Offsets
) -> tuple[Path, int]:
    """Record the next array element or object key; return its path."""
    if index >= 0:
        path = (*container, index)
        offsets[path] = pos
        return path, pos
    match = _J_STRING.match(text, pos)
    if match is None:
        raise _Stop
    raw = match.group()
    if "\\" in raw:
        try:
            key = json.loads(raw, strict=False)
        except ValueError:
            raise _Stop from None
    else:
        key = raw[1:-1]
    # Later duplicates win, as they do in json.loads.
    path = (*container, key)
    offsets[path] = pos
    pos = _skip(_J_WS, text, match.end())
    if not text.startswith(":", pos):
        raise _Stop
    return path, _skip(_J_WS, text, pos + 1)
