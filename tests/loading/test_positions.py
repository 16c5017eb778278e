"""Tests for the position scanners behind validation error locations."""

from __future__ import annotations

import datetime
import json
import re
import tomllib
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

import pytest
import toml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from realign.loading._positions import (
    Path,
    Position,
    SourceMap,
    json_source_map,
    toml_source_map,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLE = FilePath(__file__).resolve().parents[2] / "examples" / "case_study_before.toml"


def at(source_map: SourceMap, path: Path) -> tuple[int, int]:
    position = source_map.get(path)
    assert position is not None, f"{path!r} not recorded"
    return position.line, position.column


def paths(data: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every key and element path of parsed data, parents before children."""
    items: Any = ()
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def offset(text: str, position: Position) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: position.line - 1]) + position.column - 1


_TOML_KEY = re.compile(r"""[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*'""")


def toml_key_at(text: str, position: Position) -> str:
    """Decode, with tomllib, the single TOML key written at ``position``."""
    match = _TOML_KEY.match(text, offset(text, position))
    assert match is not None
    (key,) = tomllib.loads(f"{match.group()} = 0")
    return str(key)


# --- TOML, hand-written ---------------------------------------------------------------


def test_table_headers_record_each_segment() -> None:
    sm = toml_source_map("[a.b]\nx = 1\n\n[ a . 'c d' ]\ny = 2\n")
    assert at(sm, ("a",)) == (1, 2)
    assert at(sm, ("a", "b")) == (1, 4)
    assert at(sm, ("a", "b", "x")) == (2, 1)
    assert at(sm, ("a", "c d")) == (4, 7)
    assert at(sm, ("a", "c d", "y")) == (5, 1)


def test_explicit_table_overrides_implicit_parent() -> None:
    sm = toml_source_map("[a.b]\n[a]\nk = 1\n")
    assert at(sm, ("a",)) == (2, 2)


def test_arrays_of_tables_count_per_array_path() -> None:
    text = "[[a]]\n[[a.b]]\nk = 1\n[[a.b]]\n[[a]]\n[[ a.b ]]\n[a.b.c]\nz = 1\n"
    data = tomllib.loads(text)
    assert data["a"][1]["b"][0]["c"] == {"z": 1}
    sm = toml_source_map(text)
    assert at(sm, ("a",)) == (1, 3)
    assert at(sm, ("a", 0)) == (1, 3)
    assert at(sm, ("a", 0, "b")) == (2, 5)
    assert at(sm, ("a", 0, "b", 0)) == (2, 5)
    assert at(sm, ("a", 0, "b", 0, "k")) == (3, 1)
    assert at(sm, ("a", 0, "b", 1)) == (4, 5)
    assert at(sm, ("a", 1)) == (5, 3)
    assert at(sm, ("a", 1, "b", 0)) == (6, 6)
    assert at(sm, ("a", 1, "b", 0, "c")) == (7, 6)
    assert at(sm, ("a", 1, "b", 0, "c", "z")) == (8, 1)
    assert ("a", 2) not in sm


def test_dotted_and_quoted_keys() -> None:
    text = 'a.b = 1\n"x y" . \'z\' = 2\n"q\\"\\u00e9" = 3\n"" = 4\n1234 = 5\n'
    assert tomllib.loads(text)['q"é'] == 3
    sm = toml_source_map(text)
    assert at(sm, ("a",)) == (1, 1)
    assert at(sm, ("a", "b")) == (1, 3)
    assert at(sm, ("x y",)) == (2, 1)
    assert at(sm, ("x y", "z")) == (2, 9)
    assert at(sm, ('q"é',)) == (3, 1)
    assert at(sm, ("",)) == (4, 1)
    assert at(sm, ("1234",)) == (5, 1)


def test_inline_tables() -> None:
    text = (
        "[[objectives]]\npriority = { corvid = 3, ironbridge = 5 }\nx = {a.b = {c = 1}, d = {}}\n"
    )
    sm = toml_source_map(text)
    assert at(sm, ("objectives", 0, "priority")) == (2, 1)
    assert at(sm, ("objectives", 0, "priority", "corvid")) == (2, 14)
    assert at(sm, ("objectives", 0, "priority", "ironbridge")) == (2, 26)
    assert at(sm, ("objectives", 0, "x", "a", "b", "c")) == (3, 13)
    assert at(sm, ("objectives", 0, "x", "d")) == (3, 21)


def test_arrays() -> None:
    text = (
        'agreed_by = ["corvid", "ironbridge"]\n'
        "nested = [[1, 2], [], [ [3] ]]\n"
        "multi = [  # comment with [brackets] and = signs\n"
        "  1,\n"
        "  # between elements\n"
        '  "two",  # trailing\n'
        "]\n"
        "after = true\n"
    )
    sm = toml_source_map(text)
    assert at(sm, ("agreed_by", 0)) == (1, 14)
    assert at(sm, ("agreed_by", 1)) == (1, 24)
    assert at(sm, ("nested", 0, 1)) == (2, 15)
    assert at(sm, ("nested", 1)) == (2, 19)
    assert at(sm, ("nested", 2, 0, 0)) == (2, 26)
    assert at(sm, ("multi", 0)) == (4, 3)
    assert at(sm, ("multi", 1)) == (6, 3)
    assert ("multi", 2) not in sm
    assert at(sm, ("after",)) == (8, 1)


def test_array_of_inline_tables_spanning_lines() -> None:
    text = (
        "[governance.steering_committee]\n"
        "members = [\n"
        '  { partner = "x", role = "CEO" },\n'
        '  { partner = "y", role = "COO" },\n'
        "]\n"
    )
    sm = toml_source_map(text)
    base = ("governance", "steering_committee", "members")
    assert at(sm, (*base, 0)) == (3, 3)
    assert at(sm, (*base, 0, "partner")) == (3, 5)
    assert at(sm, (*base, 1, "role")) == (4, 20)


def test_strings_comments_and_scalars() -> None:
    text = (
        's = "a # [b] = \\" c"  # comment [x]\n'
        "l = 'C:\\path [x] = #'\n"
        'mb = """\nline [t]\nk = "v" # not a comment\n\\"""\n""""\n'
        "ml = '''\n[not.a.table]\n''''\n"
        'e = ""\n'
        'ee = """"""\n'
        "n = [1_000, 0xff, -3.5e+2, inf, -nan, true, false]\n"
        "dt = [1979-05-27 07:32:00Z, 1979-05-27T00:32:00.999-07:00, 07:32:00, 1979-05-27]\n"
        "ld = 1979-05-27 07:32:00 # local\n"
        "last = 1\n"
    )
    data = tomllib.loads(text)
    assert data["mb"] == 'line [t]\nk = "v" # not a comment\n"""\n"'
    sm = toml_source_map(text)
    assert at(sm, ("l",)) == (2, 1)
    assert at(sm, ("mb",)) == (3, 1)
    assert at(sm, ("ml",)) == (8, 1)
    assert ("not",) not in sm
    assert ("k",) not in sm
    assert at(sm, ("e",)) == (11, 1)
    assert at(sm, ("ee",)) == (12, 1)
    assert at(sm, ("n", 6)) == (13, 45)
    assert at(sm, ("dt", 1)) == (14, 29)
    assert at(sm, ("dt", 2)) == (14, 60)
    assert at(sm, ("dt", 3)) == (14, 70)
    assert at(sm, ("last",)) == (16, 1)
    assert all(path in sm for path in paths(data))


def test_crlf_and_unicode_columns() -> None:
    text = '[t]\r\na = 1\r\nb = { "🎉" = 1, c = 2 }\r\narr = [\r\n  "é", 2,\r\n]\r\n'
    assert tomllib.loads(text)["t"]["b"]["c"] == 2
    sm = toml_source_map(text)
    assert at(sm, ("t", "a")) == (2, 1)
    assert at(sm, ("t", "b", "🎉")) == (3, 7)
    assert at(sm, ("t", "b", "c")) == (3, 16)
    assert at(sm, ("t", "arr", 1)) == (5, 8)


def test_toml_stops_at_text_it_cannot_follow() -> None:
    sm = toml_source_map("a = 1\nb = [1, 2\nc = 3\n")
    assert ("a",) in sm
    assert ("b", 1) in sm
    assert ("c",) not in sm
    assert len(toml_source_map("= 1\n")) == 0
    assert len(toml_source_map("")) == 0


# --- JSON, hand-written ---------------------------------------------------------------


def test_json_keys_elements_and_root() -> None:
    text = '  \n  {"a": [1, {"b": null}, "x"], "c": {"d": -1.5e3, "e": true}}'
    sm = json_source_map(text)
    assert at(sm, ()) == (2, 3)
    assert at(sm, ("a",)) == (2, 4)
    assert at(sm, ("a", 0)) == (2, 10)
    assert at(sm, ("a", 1)) == (2, 13)
    assert at(sm, ("a", 1, "b")) == (2, 14)
    assert at(sm, ("a", 2)) == (2, 26)
    assert at(sm, ("c", "e")) == (2, 51)


def test_json_indented() -> None:
    text = json.dumps({"objectives": [{"priority": {"corvid": 3}}], "x": []}, indent=2)
    sm = json_source_map(text)
    assert at(sm, ("objectives",)) == (2, 3)
    assert at(sm, ("objectives", 0)) == (3, 5)
    assert at(sm, ("objectives", 0, "priority")) == (4, 7)
    assert at(sm, ("objectives", 0, "priority", "corvid")) == (5, 9)
    assert at(sm, ("x",)) == (9, 3)


def test_json_escapes_and_characters() -> None:
    text = '{"\\u00e9\\"k": 1, "\\ud83c\\udf89": {"x": 2}, "ü": [3], "\\\\": 4}'
    sm = json_source_map(text)
    assert at(sm, ('é"k',)) == (1, 2)
    assert at(sm, ("🎉", "x")) == (1, 35)
    assert at(sm, ("ü", 0)) == (1, 50)
    assert at(sm, ("\\",)) == (1, 54)


def test_json_duplicate_keys_keep_the_last_like_json_loads() -> None:
    sm = json_source_map('{"a": 1,\n "a": 2}')
    assert at(sm, ("a",)) == (2, 2)


def test_json_stops_at_text_it_cannot_follow() -> None:
    sm = json_source_map('{"a": 1, "b": [1, 2 "c": 3}')
    assert ("b", 1) in sm
    assert ("c",) not in sm
    assert len(json_source_map(" \n ")) == 0


# --- Both -----------------------------------------------------------------------------


def test_source_map_lookup() -> None:
    sm = toml_source_map("[a]\nb = { c = 1 }\n")
    assert sm.get(("a", "b", "c")) == Position(2, 7)
    assert sm.get(("a", "x")) is None
    assert sm.locate(("a", "b", "zzz", 0)) == (("a", "b"), Position(2, 1))
    assert sm.locate(("a", "b", "c")) == (("a", "b", "c"), Position(2, 7))
    assert sm.locate(("nope",)) is None
    assert len(sm) == 3
    assert ("a",) in sm
    assert "a" not in sm
    assert json_source_map("[1]").locate((5, "x")) == ((), Position(1, 1))
    assert SourceMap({}).locate(()) is None


def test_byte_order_mark_is_skipped_but_counted() -> None:
    assert at(toml_source_map("\ufeffa = 1\n"), ("a",)) == (1, 2)
    assert at(json_source_map('\ufeff{"a": 1}'), ("a",)) == (1, 3)


def test_nesting_is_followed_to_a_depth_no_fact_file_reaches() -> None:
    value: Any = 0
    for _ in range(15):
        value = {"k": [value]}
    text = json.dumps(value, indent=1)
    sm = json_source_map(text)
    assert all(path in sm for path in paths(value))
    toml_text = "a = " + text.replace('"k":', "k =").replace("\n", " ")
    assert tomllib.loads(toml_text) == {"a": value}
    toml_sm = toml_source_map(toml_text)
    assert all(("a", *path) in toml_sm for path in paths(value))
    deep = json_source_map("[" * 100 + "]" * 100)
    assert 0 < len(deep) < 100


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"a":' * 100_000,
        "a = " + "[" * 100_000,
        "a = " + "{b=" * 100_000,
        ".".join(["a"] * 100_000) + " = 1",
        "[" + ".".join(["a"] * 100_000) + "]",
        'a = "\\U0011FFFF"\n"\\U0011FFFF" = 1',
        '{"\\ud800": 1, "\\x": 2}',
        '"""' + "x" * 10_000,
    ],
)
def test_hostile_text_does_not_raise(text: str) -> None:
    toml_source_map(text)
    json_source_map(text)


def test_case_study_example() -> None:
    if not EXAMPLE.exists():
        pytest.skip(f"{EXAMPLE} not present")
    text = EXAMPLE.read_text(encoding="utf-8")
    sm = toml_source_map(text)
    assert at(sm, ("objectives", 2, "priority", "corvid")) == (74, 14)
    assert at(sm, ("governance", "steering_committee", "members", 1, "role")) == (84, 50)
    assert at(sm, ("governance", "steering_committee")) == (78, 13)
    assert at(sm, ("objectives", 2)) == (66, 3)
    data = tomllib.loads(text)
    for path in paths(data):
        position = sm.get(path)
        assert position is not None, path
        if isinstance(path[-1], str):
            assert toml_key_at(text, position) == path[-1]


# --- Properties -----------------------------------------------------------------------

# Control characters are left out because toml.dumps cannot write them.
_TRICKY = " \"'.=[]{}#,\\ü🎉"
_PRINTABLE = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"])
_CHARACTERS = _PRINTABLE | st.sampled_from(_TRICKY)
keys = st.text(_CHARACTERS, max_size=6) | st.from_regex(r"[a-z_][a-z0-9_-]{0,5}", fullmatch=True)
strings = st.text(_CHARACTERS | st.sampled_from("\n\t"), max_size=12)
scalars = (
    st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | strings
    | st.dates()
    | st.datetimes().map(lambda moment: moment.replace(microsecond=0))
)
# Any nesting, for JSON.
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=16,
)
# toml.dumps garbles tables inside arrays unless they form an array of tables.
arrays = st.recursive(
    st.lists(scalars, max_size=4), lambda inner: st.lists(scalars | inner, max_size=3), max_leaves=8
)
documents = st.recursive(
    st.dictionaries(keys, scalars | arrays, max_size=4),
    lambda tables: st.dictionaries(
        keys, scalars | arrays | tables | st.lists(tables, min_size=1, max_size=3), max_size=4
    ),
    max_leaves=6,
)
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


@PROPERTY
@given(documents)
def test_toml_dumps_paths_are_all_recorded(document: dict[str, Any]) -> None:
    try:
        text = toml.dumps(document)
        parsed = tomllib.loads(text)
    except Exception:  # toml.dumps cannot write every document
        parsed = None
    assume(parsed == document)
    sm = toml_source_map(text)
    for path in paths(document):
        position = sm.get(path)
        assert position is not None, path
        if isinstance(path[-1], str):
            assert toml_key_at(text, position) == path[-1], path


class _TomlWriter:
    """Write data as TOML, drawing each syntax choice that toml.dumps never makes."""

    def __init__(self, data: st.DataObject, newline: str) -> None:
        self.data = data
        self.nl = newline
        self.lines: list[str] = []

    def choose(self, options: list[str]) -> str:
        return self.data.draw(st.sampled_from(options))

    def key(self, key: str) -> str:
        forms = [json.dumps(key, ensure_ascii=False)]
        if re.fullmatch(r"[A-Za-z0-9_-]+", key):
            forms.append(key)
        if "'" not in key:
            forms.append(f"'{key}'")
        return self.choose(forms)

    def string(self, text: str) -> str:
        forms = [json.dumps(text, ensure_ascii=False)]
        if "'" not in text and "\n" not in text:
            forms.append(f"'{text}'")
        if "'''" not in text:
            # A newline right after the opening quotes is not part of the string.
            forms.append(f"'''\n{text}'''")
        basic = text.replace("\\", "\\\\").replace('"', '\\"')
        forms.append(f'"""\n{basic}"""')
        return self.choose(forms)

    def value(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime.datetime):
            return value.isoformat(sep=self.choose(["T", " "]))
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, dict):
            pairs = [f"{self.key(key)} = {self.value(item)}" for key, item in value.items()]
            return "{" + self.choose([" ", ""]) + ", ".join(pairs) + " }"
        separator = self.choose([", ", f",{self.nl}  ", f",  # x = [1]{self.nl}  "])
        trailing = self.choose(["", ",", f",{self.nl}"]) if value else ""
        return "[" + separator.join(self.value(item) for item in value) + trailing + "]"

    def table(self, header: list[str], table: dict[str, Any]) -> None:
        later: list[tuple[list[str], Any]] = []
        for key, value in table.items():
            written = self.key(key)
            how = self.choose(["inline", "header", "dotted"])
            if isinstance(value, dict) and how == "header":
                later.append(([*header, written], value))
            elif isinstance(value, dict) and value and how == "dotted":
                for inner_key, inner in value.items():
                    self.lines.append(f"{written} . {self.key(inner_key)} = {self.value(inner)}")
            elif (
                isinstance(value, list)
                and value
                and how != "inline"
                and all(isinstance(item, dict) for item in value)
            ):
                later.append(([*header, written], value))
            else:
                self.lines.append(f"{written}={self.value(value)}  # = [x]")
        for keys, value in later:
            if isinstance(value, list):
                for item in value:
                    self.lines.append(f"[[{'.'.join(keys)}]]")
                    self.table(keys, item)
            else:
                self.lines.append(f"[ {' . '.join(keys)} ]  # [[x]]")
                self.table(keys, value)


@PROPERTY
@given(documents, st.sampled_from(["\n", "\r\n"]), st.data())
def test_varied_toml_syntax_paths_are_all_recorded(
    document: dict[str, Any], newline: str, data: st.DataObject
) -> None:
    writer = _TomlWriter(data, newline)
    writer.table([], document)
    text = newline.join(writer.lines) + newline
    assert tomllib.loads(text) == document
    sm = toml_source_map(text)
    for path in paths(document):
        position = sm.get(path)
        assert position is not None, path
        if isinstance(path[-1], str):
            assert toml_key_at(text, position) == path[-1], path


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


@PROPERTY
@given(values, st.sampled_from([None, 2]), st.booleans())
def test_json_dumps_paths_are_all_recorded(value: Any, indent: int | None, ascii_: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_, default=_jsonable)
    parsed = json.loads(text)
    sm = json_source_map(text)
    decoder = json.JSONDecoder()
    assert at(sm, ()) == (1, 1)
    for path in paths(parsed):
        position = sm.get(path)
        assert position is not None, path
        found, _ = decoder.raw_decode(text, offset(text, position))
        if isinstance(path[-1], str):
            assert found == path[-1], path
        else:
            container = parsed
            for step in path:
                container = container[step]
            assert found == container, path


def _positions_are_in_text(text: str, sm: SourceMap, data_paths: list[Path]) -> None:
    lines = text.split("\n")
    for path in data_paths:
        position = sm.get(path)
        if position is not None:
            assert 1 <= position.line <= len(lines)
            assert 1 <= position.column <= len(lines[position.line - 1])


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(_TRICKY + "ab1-:\r\"'") | st.characters(), max_size=60))
def test_arbitrary_text_never_raises(text: str) -> None:
    toml_source_map(text)
    json_source_map(text)


@settings(max_examples=100, deadline=None)
@given(documents, st.data())
def test_damaged_documents_never_raise(document: dict[str, Any], data: st.DataObject) -> None:
    try:
        text = toml.dumps(document)
    except Exception:  # toml.dumps cannot write every document
        text = ""
    for candidate in (text, json.dumps(document, indent=2, default=_jsonable)):
        cut = data.draw(st.integers(0, len(candidate)))
        junk = data.draw(st.text(st.sampled_from(_TRICKY), max_size=3))
        damaged = candidate[:cut] + junk + candidate[cut:]
        for sm in (toml_source_map(damaged), json_source_map(damaged)):
            _positions_are_in_text(damaged, sm, list(paths(document)))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_binary_garbage_never_raises(raw: bytes) -> None:
    for text in (raw.decode("latin-1"), raw.decode("utf-8", "replace")):
        toml_source_map(text)
        json_source_map(text)
