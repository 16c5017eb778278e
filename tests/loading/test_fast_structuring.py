"""The fast structuring path and the detailed one agree: same partnership, same problems.

``structure_partnership`` reads a file through ``loading._fast`` first and hands
anything that path refuses to ``_structure_detailed``, the reference behaviour,
which finds and locates every problem. These tests run both on the same input
and require identical results: partnerships equal field by field, down to the
type of every value and the order of every mapping, or the very same problems
(file, line, column, path, expected, found, hint, severity and order).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pluggy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import realign
from realign import FactError, FactSource, LoadedPartnership, RawFacts
from realign.loading import _structure_detailed, builtin_loaders, structure_partnership
from realign.loading._checks import _accepted, _Context, _dangling, _distinct, _duplicates
from realign.loading._fast import _Dates, _Generator, _Refused, _slots, fast_partnership
from realign.loading.dump import dump_partnership, jsonable, to_data
from realign.model import HealthCheck, Meeting, Partnership, scales
from realign.testing import generate
from realign.testing.strategies import partnerships

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "data" / "broken"
EXAMPLES = ROOT / "examples"
POOL_SIZE = 24

Structure = Callable[..., LoadedPartnership]


# --- comparing the two paths ------------------------------------------------------------


def assert_same(a: Any, b: Any, where: str = "partnership") -> None:
    """Equal, and of the same types all the way down (``4 == 4.0``, ``Stage.X == "x"``)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if attrs.has(type(a)):
        for field in attrs.fields(type(a)):
            assert_same(getattr(a, field.name), getattr(b, field.name), f"{where}.{field.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, tuple):
        assert len(a) == len(b), f"{where}: {len(a)} vs {len(b)} items"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{index}]")
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def _outcome(structure: Structure, raw: RawFacts, lenient: bool) -> LoadedPartnership | FactError:
    try:
        return structure(raw, source="case.toml", lenient=lenient)
    except FactError as exc:
        return exc


def assert_agree(raw: RawFacts, *, lenient: bool = False) -> LoadedPartnership | FactError:
    """Both paths give the same partnership, or raise the same problems; returns the result."""
    fast = _outcome(structure_partnership, raw, lenient)
    detailed = _outcome(_structure_detailed, raw, lenient)
    if isinstance(detailed, FactError):
        assert isinstance(fast, FactError), "the fast path accepted what the detailed one refuses"
        assert fast.problems == detailed.problems
        assert str(fast) == str(detailed)
        return detailed
    assert isinstance(fast, LoadedPartnership), [str(p) for p in getattr(fast, "problems", ())]
    assert_same(fast.partnership, detailed.partnership)
    assert fast.partnership == detailed.partnership
    assert fast.warnings == detailed.warnings
    assert fast.source == detailed.source
    return detailed


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return realign.get_plugin_manager(load_entrypoints=False)


def _read(source: FactSource, pm: pluggy.PluginManager) -> RawFacts:
    raw = pm.hook.realign_load_facts(source=source)
    assert raw is not None
    return raw  # type: ignore[no-any-return]


# --- valid files take the fast path ----------------------------------------------------------


@pytest.fixture(scope="module")
def pool(pm: pluggy.PluginManager) -> list[FactSource]:
    """The benchmark's generated partnerships, as JSON and as TOML."""
    sources = []
    for seed in range(POOL_SIZE):
        text = generate.to_json(generate.partnership_data(seed))
        sources.append(FactSource.from_text(text, name=f"p{seed}.json", format="json"))
        partnership = realign.load_partnership(sources[-1], plugin_manager=pm).partnership
        toml_text = dump_partnership(partnership, "toml")
        sources.append(FactSource.from_text(toml_text, name=f"p{seed}.toml", format="toml"))
    return sources


def test_generated_files_take_the_fast_path_to_the_same_partnership(
    pool: list[FactSource], pm: pluggy.PluginManager
) -> None:
    for source in pool:
        raw = _read(source, pm)
        assert fast_partnership(raw.data) is not None, f"{source.name} missed the fast path"
        loaded = assert_agree(raw)
        assert isinstance(loaded, LoadedPartnership)
        assert loaded.warnings == ()
        end_to_end = realign.load_partnership(source, plugin_manager=pm)
        assert_same(end_to_end.partnership, loaded.partnership)


@pytest.mark.parametrize("name", ["healthy.toml", "case_study_before.toml"])
def test_the_examples_take_the_fast_path(name: str, pm: pluggy.PluginManager) -> None:
    source = FactSource.from_path(EXAMPLES / name)
    raw = _read(source, pm)
    assert fast_partnership(raw.data) is not None
    assert isinstance(assert_agree(raw), LoadedPartnership)
    as_json = jsonable(tomllib.loads(source.read_text()))
    json_raw = _read(FactSource.from_text(json.dumps(as_json), format="json"), pm)
    assert fast_partnership(json_raw.data) is not None
    assert isinstance(assert_agree(json_raw), LoadedPartnership)


@given(partnerships())
def test_generated_partnerships_read_back_alike_on_both_paths(partnership: Partnership) -> None:
    data = to_data(partnership)
    for raw in (RawFacts(data=data, format="toml"), RawFacts(data=jsonable(data), format="json")):
        fast = fast_partnership(raw.data)
        assert fast is not None
        assert fast == partnership
        loaded = assert_agree(raw)
        assert isinstance(loaded, LoadedPartnership)
        assert_same(fast, loaded.partnership)


# --- broken files: the same problems -------------------------------------------------------


def _corpus() -> list[Path]:
    return sorted(p for p in BROKEN.iterdir() if p.is_file())


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
@pytest.mark.parametrize("lenient", [False, True])
def test_every_broken_file_reports_the_same_problems(
    path: Path, lenient: bool, pm: pluggy.PluginManager
) -> None:
    source = FactSource.from_path(path)
    try:
        raw = pm.hook.realign_load_facts(source=source)
    except FactError:
        # Refused while parsing (syntax, encoding, nesting): neither path is reached.
        with pytest.raises(FactError):
            realign.load_partnership(source, plugin_manager=pm, lenient=lenient)
        return
    if raw is None:  # a format no loader reads
        return
    outcome = assert_agree(raw, lenient=lenient)
    if not lenient:
        assert isinstance(outcome, FactError), f"{path.name} loads cleanly"


def test_the_corpus_is_there() -> None:
    assert len(_corpus()) >= 40


# --- mutated files: whatever the change, the paths agree ------------------------------------


class _Str(str):
    __slots__ = ()


class _Dict(dict):  # type: ignore[type-arg]
    pass


_NEAR_MISSES = [
    "",
    " x",
    "x ",
    "a\tb",
    "corvid",
    "joint",
    "2024-Q1",
    "2024-Q5",
    "EUR",
    "eur",
    "2024-01-01",
    "2024-02-30",
    "2024-1-1",
    "2024-01-01T00:00:00",
    "co_sell",
    "Co_Sell",
    "sponsor",
    "steering_comittee",
]

_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-200, 200),
    st.sampled_from([2**53, 2**53 + 1, 2**60, 10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, 1.0, 4.0, 5.0, 5.5, 100.0, 100.5, -1.0]),
    st.sampled_from(_NEAR_MISSES),
    st.text(max_size=8),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.lists(st.sampled_from(["corvid", 1, None]), max_size=2),
    st.dictionaries(st.sampled_from(["id", "x", "corvid"]), st.integers(0, 6), max_size=2),
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def _mutate(data: dict[str, Any], draw: Callable[[Any], Any]) -> None:
    """One change at one drawn place: a junk value, a deletion, an extra key or record…"""
    paths = list(_paths(data))
    leaves = [p for p in paths if not isinstance(_at(data, p), dict | list)]
    # Mostly a scalar: that is where scales, patterns, dates and vocabularies are checked.
    path = draw(st.sampled_from(leaves if draw(st.integers(0, 3)) else paths))
    parent, key = _at(data, path[:-1]), path[-1]
    value = parent[key]
    change = draw(st.sampled_from(["junk", "junk", "delete", "extra", "repeat", "copy", "retype"]))
    if change == "junk":
        parent[key] = draw(_JUNK)
    elif change == "delete":
        del parent[key]
    elif change == "extra":
        target = value if isinstance(value, dict) else parent
        if isinstance(target, dict):
            target[draw(st.sampled_from(["extra", "nme", "idd", "Id"]))] = 1
    elif change == "repeat" and isinstance(parent, list):
        parent.append(copy.deepcopy(value))
    elif change == "copy":
        parent[key] = copy.deepcopy(_at(data, draw(st.sampled_from(list(_paths(data))))))
    elif change == "retype":
        # What no TOML or JSON file holds, but a plugin's loader or a test case may.
        if isinstance(value, list):
            parent[key] = tuple(value)
        elif isinstance(value, dict):
            parent[key] = _Dict(value)
        elif isinstance(value, str):
            parent[key] = _Str(value)


@pytest.fixture(scope="module")
def bases() -> list[RawFacts]:
    out = []
    for name in ("healthy.toml", "case_study_before.toml"):
        data = tomllib.loads((EXAMPLES / name).read_text(encoding="utf-8"))
        out.append(RawFacts(data=data, format="toml"))
        out.append(RawFacts(data=jsonable(data), format="json"))
    return out


@settings(max_examples=400)
@given(data=st.data())
def test_any_change_to_a_valid_file_gives_the_same_result_on_both_paths(
    bases: list[RawFacts], data: st.DataObject
) -> None:
    base = data.draw(st.sampled_from(bases))
    facts = copy.deepcopy(dict(base.data))
    for _ in range(data.draw(st.integers(1, 3))):
        _mutate(facts, data.draw)
    assert_agree(RawFacts(data=facts, format=base.format), lenient=data.draw(st.booleans()))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("partners", 0, "headcount"), 10**400),  # too large for a float: "invalid"
        (("partners", 0, "headcount"), 2**60),  # valid, beyond the fast path's limit
        (("partners", 0, "internal_alignment_score"), 10**400),
        (("partners", 0, "internal_alignment_score"), 4),  # read as 4.0
        (("partners", 0, "internal_alignment_score"), float("nan")),
        (("partners", 0, "internal_alignment_score"), True),
        (("partnership", "value_at_stake"), {"amount": 10**400, "currency": "EUR"}),
        (("partnership", "value_at_stake"), {"amount": 2, "currency": "EUR"}),
        (("partnership", "start_date"), dt.datetime(2020, 1, 1, 5, 0)),
        (("partnership", "start_date"), "2020-02-30"),
        # A date text the fast path has read before, as a str subclass and as a date.
        (("partnership", "start_date"), _Str("2024-01-01")),
        (("partnership", "start_date"), dt.date(2024, 1, 1)),
        (("partnership", "start_date"), dt.datetime(2024, 1, 1)),
        (("partnership", "start_date"), None),
        (("partnership", "stage"), _Str("launch")),
        (("governance",), None),
        (("culture",), None),
        (("meetings",), None),
        (("meetings",), ()),
        (("assessment", "period"), _Str("2024-Q1")),
        (("assessment", "period"), "2024-Q5"),
        (("assessment", "period"), "２０２４-Q1"),
        (("assessment", "id"), " A1"),
        (("assessment", "id"), ""),
        (("partners", 0, "id"), "corvid\x00"),
        (("partners", 0, "id"), 7),
        (("partnership", "value_at_stake"), {"amount": 1, "currency": "eur"}),
        (("assessment", "as_of"), "２０２４-０１-０１"),
    ],
    ids=repr,
)
def test_edge_values_give_the_same_result_on_both_paths(
    bases: list[RawFacts], path: tuple[Any, ...], value: Any
) -> None:
    for base in bases:
        facts = copy.deepcopy(dict(base.data))
        if path[0] == "partners" or path[:2] == ("partnership", "value_at_stake"):
            facts.setdefault("partners", [{"id": "p1", "name": "P"}, {"id": "p2", "name": "Q"}])
        _at(facts, path[:-1])[path[-1]] = value
        assert_agree(RawFacts(data=facts, format=base.format))


# --- the generator meets classes the model does not have (yet) ----------------------------


def _refused(structure: Callable[[Any], Any], data: Any) -> bool:
    try:
        structure(data)
    except Exception:  # _Refused, or whatever __init__ raised: the detailed path decides
        return True
    return False


def test_a_validator_the_fast_path_does_not_know_still_runs() -> None:
    def even(_: object, __: attrs.Attribute[Any], value: int) -> None:
        if value % 2:
            raise ValueError("odd")

    @attrs.frozen(kw_only=True)
    class Pair:
        number: int = attrs.field(validator=even)
        count: scales.Count = attrs.field(validator=scales.bounded(scales.Count))

    structure = _Generator().structure(Pair)
    assert structure({"number": 2, "count": 1}) == Pair(number=2, count=scales.Count(1))
    assert _refused(structure, {"number": 3, "count": 1})
    assert _refused(structure, {"number": 2, "count": -1})


def test_a_converter_or_post_init_is_honoured() -> None:
    @attrs.frozen(kw_only=True)
    class Converted:
        name: str = attrs.field(converter=str.upper)

    @attrs.define(kw_only=True)
    class Hooked:
        name: str
        seen: list[str] = attrs.field(factory=list)

        def __attrs_post_init__(self) -> None:
            self.seen.append(self.name)

    assert _Generator().structure(Converted)({"name": "ab"}) == Converted(name="AB")
    assert _Generator().structure(Hooked)({"name": "ab"}).seen == ["ab"]


def test_a_field_type_without_fast_code_is_left_to_the_detailed_path() -> None:
    @attrs.frozen(kw_only=True)
    class Odd:
        tags: frozenset[str] = frozenset()
        either: int | str | None = None

    structure = _Generator().structure(Odd)
    assert structure({}) == Odd()
    assert _refused(structure, {"tags": ["a"]})
    assert _refused(structure, {"either": 1})


def test_validated_model_classes_are_built_without_init_only_when_that_is_safe() -> None:
    # Meeting's validators are all scale checks the fast path makes itself;
    # HealthCheck.scores has its own validator, so it is built through __init__.
    assert set(_slots(Meeting)) == {f.name for f in attrs.fields(Meeting)}
    assert _slots(HealthCheck) == {}


# --- the pieces that changed for speed keep their meaning ---------------------------------


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**53, 2**1000, 2**1024, -(2**1024), 10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(["2024-Q1", "EUR", " a", "a\x00b", _Str("x"), 1 + 0j]),
)


def _verdict(test: Callable[[object], bool], value: object) -> object:
    try:
        return test(value)
    except Exception as exc:  # the general test raises on ints too large for a float
        return type(exc)


@given(kind=st.sampled_from(list(scales.BOUNDS)), value=_VALUES)
def test_bounds_accept_exactly_what_the_general_test_accepts(kind: object, value: object) -> None:
    bound = scales.BOUNDS[kind]
    assert _verdict(bound.accepts, value) == _verdict(bound._general, value)


@pytest.mark.parametrize(
    ("kind", "value", "accepted"),
    [
        (scales.Likert, 1, True),
        (scales.Likert, 5.0, True),
        (scales.Likert, 5.0000001, False),
        (scales.Likert, float("nan"), False),
        (scales.Likert, True, False),
        (scales.Count, 0, True),
        (scales.Count, 2**1000 + 1, True),
        (scales.Count, 1.0, False),
        (scales.Count, False, False),
        (scales.Amount, 0, True),
        (scales.Amount, float("inf"), False),
        (scales.Amount, -0.1, False),
        (scales.Identifier, _Str("a b"), True),
        (scales.Identifier, "a\x7fb", False),
    ],
    ids=repr,
)
def test_bound_edges(kind: object, value: object, accepted: bool) -> None:
    assert scales.BOUNDS[kind].accepts(value) is accepted


def test_an_int_too_large_for_a_float_still_raises_in_a_bound_check() -> None:
    # As before: the loader reports it as an invalid value rather than out of range.
    with pytest.raises(OverflowError):
        scales.BOUNDS[scales.Count].accepts(10**400)


@given(st.lists(st.one_of(st.none(), st.integers(0, 5), st.tuples(st.integers(0, 2)))))
def test_distinct_is_true_exactly_when_no_duplicate_is_reported(keys: list[object]) -> None:
    ctx = _Context(facts=None, failed_ids={}, broken=frozenset(), where=str)  # type: ignore[arg-type]
    reported = list(_duplicates(ctx, (((i,), k) for i, k in enumerate(keys)), "id"))
    assert _distinct(keys) == (not reported)


@given(
    known=st.one_of(st.none(), st.frozensets(st.sampled_from(["a", "b", "joint"]))),
    value=st.one_of(st.none(), st.sampled_from(["a", "b", "c", "joint"])),
    joint=st.booleans(),
)
def test_accepted_holds_exactly_the_references_that_do_not_dangle(
    known: frozenset[str] | None, value: str | None, joint: bool
) -> None:
    dangles = list(_dangling(("x",), value, known, "partner", joint=joint))
    assert (value in _accepted(known, joint=joint)) == (not dangles)


def test_json_keys_written_twice_are_each_reported_and_the_last_value_kept(
    pm: pluggy.PluginManager,
) -> None:
    text = (EXAMPLES / "healthy.toml").read_text(encoding="utf-8")
    data = jsonable(tomllib.loads(text))
    body = json.dumps(data, indent=1)
    first = '"name": '
    at = body.index(first, body.index('"partners"'))
    repeated = body[:at] + '"name": "one",\n"name": "two",\n' + body[at:]
    source = FactSource.from_text(repeated, name="twice.json", format="json")
    with pytest.raises(FactError) as caught:
        _read(source, pm)
    problems = caught.value.problems
    assert [p.code for p in problems] == ["duplicate", "duplicate"]
    assert {p.path for p in problems} == {("partners", 0, "name")}
    assert all(p.line is not None for p in problems)
    once = json.loads(repeated)
    assert once["partners"][0]["name"] == data["partners"][0]["name"]


@pytest.mark.parametrize("kind", list(scales.BOUNDS), ids=repr)
def test_a_bound_still_pickles_and_copies(kind: object) -> None:
    bound = scales.BOUNDS[kind]
    for again in (pickle.loads(pickle.dumps(bound)), copy.deepcopy(bound)):
        assert again == bound
        for value in (-1, 0, 3, 4.5, 101, "EUR", "2024-Q1", "corvid", None):
            assert again.accepts(value) is bound.accepts(value)


# --- reading JSON once: repeated keys are still found -----------------------------------------


def _ordered(node: Any) -> Any:
    """*node* with every mapping as a list of pairs, so that key order counts in ==."""
    if isinstance(node, dict):
        return ("{", [(key, _ordered(value)) for key, value in node.items()])
    if isinstance(node, list):
        return ("[", [_ordered(value) for value in node])
    return (type(node).__name__, node)


def _repeated_at(data: Any, duplicated: list[tuple[dict[str, Any], str]]) -> list[tuple[Any, ...]]:
    """Where each reported repeated key is, as a path: object ids mean nothing across parses."""
    where: dict[int, tuple[Any, ...]] = {}
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            where[id(node)] = path
            stack.extend(((*path, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), value) for index, value in enumerate(node))
    # An object that a repeated key of its parent replaced is in no path.
    return sorted(
        ((*where.get(id(obj), ("<replaced>",)), key) for obj, key in duplicated), key=repr
    )


def _decoded(decode: Callable[[str, list[tuple[dict[str, Any], str]]], Any], text: str) -> Any:
    duplicated: list[tuple[dict[str, Any], str]] = []
    try:
        data = decode(text, duplicated)
    except (ValueError, RecursionError) as exc:
        return type(exc), str(exc)
    return _ordered(data), _repeated_at(data, duplicated)


def assert_decoded_alike(text: str) -> Any:
    """The one-pass reading gives the pair-by-pair one's data, key order and repeated keys."""
    once = _decoded(builtin_loaders._decode_json, text)
    assert once == _decoded(builtin_loaders._decode_json_pairwise, text)
    return once


_KEYS = st.sampled_from(["a", "b", "id", "a:b", 'a"', "a\\", ":", "", " ", "é", "ok: yes"])
_STRINGS = st.one_of(
    _KEYS,
    st.sampled_from(['"a": 1', "x:y", "10:30", ": true", ":-1", ': "', "{:}", "\\", ":\u00e9"]),
    st.text(alphabet=':"\\ {}[],0a-tn\té', max_size=6),
)
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from([0.5, -1.5]), _STRINGS
)
#: A JSON value as written, so that an object may hold a key twice: ("obj", [(key, value)]).
_WRITTEN = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.tuples(st.just("arr"), st.lists(inner, max_size=3)),
        st.tuples(st.just("obj"), st.lists(st.tuples(_KEYS, inner), max_size=4)),
    ),
    max_leaves=12,
)


@attrs.frozen
class _Style:
    """How a JSON text is written: spacing, and how strings spell their characters."""

    colon: str = ": "
    comma: str = ", "
    ensure_ascii: bool = True
    # A colon in a string may be written as the escape \u003a, which is no colon in the text.
    escape_colons: bool = False

    def string(self, text: str) -> str:
        written = json.dumps(text, ensure_ascii=self.ensure_ascii)
        return written.replace(":", "\\u003a") if self.escape_colons else written

    def render(self, node: Any) -> str:
        if isinstance(node, tuple) and node[0] == "obj":
            items = [self.string(key) + self.colon + self.render(value) for key, value in node[1]]
            return "{" + self.comma.join(items) + "}"
        if isinstance(node, tuple) and node[0] == "arr":
            return "[" + self.comma.join(self.render(value) for value in node[1]) + "]"
        return self.string(node) if isinstance(node, str) else json.dumps(node)


_STYLES = st.builds(
    _Style,
    colon=st.sampled_from([": ", ":", " : ", "\n:\t", "\r\n: "]),
    comma=st.sampled_from([", ", ",", " ,\n"]),
    ensure_ascii=st.booleans(),
    escape_colons=st.booleans(),
)


@settings(max_examples=500)
@given(top=st.lists(st.tuples(_KEYS, _WRITTEN), max_size=4), style=_STYLES)
def test_reading_json_once_finds_the_same_repeated_keys(
    top: list[tuple[str, Any]], style: _Style
) -> None:
    assert_decoded_alike(style.render(("obj", top)))


_REPEATED = [
    # At the top, in a nested object, in an object inside an array, deep down.
    ('{"a": 1, "a": 2}', [("a",)]),
    ('{"x": {"a": 1, "b": 2, "a": 3}}', [("x", "a")]),
    ('{"x": [{"a": 1}, {"b": 1, "b": 1}]}', [("x", 1, "b")]),
    ('{"x": {"y": {"z": [[{"k": null, "k": null}]]}}}', [("x", "y", "z", 0, 0, "k")]),
    ('{"x": {"k": 1, "k": 2}, "x": 0}', [("<replaced>", "k"), ("x",)]),
    ('{"a": 1, "a": 2, "a": 3}', [("a",), ("a",)]),
    # A repeat whose missing colon a string's colons could make up for.
    ('{"a": "x:y", "a": 1}', [("a",)]),
    ('{"a": "10:30", "a": "11:00"}', [("a",)]),
    ('{"a": ":1", "a": ": true", "b": "\\": 2"}', [("a",)]),
    ('{"a": "\\": 1, \\"b\\": 2", "a": 0}', [("a",)]),
    # A key with a colon, a key written with an escape, a key that is only a colon.
    ('{"a:b": 1, "a:b": 2}', [("a:b",)]),
    ('{"\\u003a": 1, ":": 2}', [(":",)]),
    ('{"a\\"": 1, "a\\"" : 2}', [('a"',)]),
    # Spaces and line breaks before a colon.
    ('{"a" : 1,\n "a"\n:\t2}', [("a",)]),
    # Strings that look like whole key-value pairs are not keys.
    ('{"a": "\\"a\\": 1, \\"a\\": 2"}', []),
    ('{"a": ["b:", "b:", {"b": ":"}]}', []),
    ('{"a": "http://x", "b": "c: d", "c": ":"}', []),
]


@pytest.mark.parametrize(("text", "repeated"), _REPEATED, ids=repr)
def test_each_repeated_key_is_found_wherever_it_is(
    text: str, repeated: list[tuple[Any, ...]]
) -> None:
    _, found = assert_decoded_alike(text)
    assert found == sorted(repeated, key=repr)


@pytest.mark.parametrize(
    "text",
    ['{"a": NaN}', '{"a": 1,}', "\ufeff{}", '{"a": 1} x', "[" * 5000 + "]" * 5000, '{"a" 1}'],
    ids=repr,
)
def test_json_that_does_not_parse_fails_the_same_way(text: str) -> None:
    outcome = assert_decoded_alike(text)
    assert outcome[0] in (json.JSONDecodeError, builtin_loaders._NonFiniteError, RecursionError)


def test_a_file_without_repeated_keys_is_read_once(
    pool: list[FactSource], pm: pluggy.PluginManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(text: str, duplicated: list[tuple[int, str]]) -> Any:
        raise AssertionError("read pair by pair")

    texts = [s.read_text() for s in pool if s.kind() == "json"]
    # Both kinds of file: colons only between keys and values, and colons in prose too.
    assert any(text.count(":") == text.count('": ') for text in texts)
    assert any(text.count(":") > text.count('": ') for text in texts)
    monkeypatch.setattr(builtin_loaders, "_decode_json_pairwise", refuse)
    for text in texts:
        _read(FactSource.from_text(text, format="json"), pm)


# --- remembered dates ---------------------------------------------------------------------


def test_remembered_dates_are_read_as_before_and_forgotten_past_the_limit() -> None:
    dates = _Dates()
    dates.LIMIT = 3
    texts = [f"2024-01-0{day}" for day in range(1, 8)]
    for text in texts + texts:
        assert dates.read(text) == dt.date.fromisoformat(text)
        assert len(dates.seen) <= 3
        assert dates.seen[text] == dt.date.fromisoformat(text)
    day = dt.date(2024, 1, 1)
    assert dates.read(day) is day
    for refused in [
        "2024-02-30",
        "2024-1-1",
        "２０２４-０１-０１",
        dt.datetime(2024, 1, 1),
        20240101,
    ]:
        with pytest.raises((_Refused, ValueError)):
            dates.read(refused)
        assert refused not in dates.seen


# --- the whole-file checks --------------------------------------------------------------------


@given(
    partnership=partnerships(),
    failed=st.frozensets(st.sampled_from(["p1", "o1", "zz"]), max_size=2),
    broken=st.frozensets(st.sampled_from(["partners", "objectives", "decisions"]), max_size=1),
    joint=st.booleans(),
)
def test_accepted_references_of_a_context_are_those_of_its_ids(
    partnership: Partnership, failed: frozenset[str], broken: frozenset[str], joint: bool
) -> None:
    failed_ids = {"partners": failed, "decisions": failed}
    ctx = _Context(facts=partnership, failed_ids=failed_ids, broken=broken, where=str)
    names = [r.id for c in ("partners", "objectives", "decisions") for r in getattr(partnership, c)]
    for collections in (("partners",), ("objectives",), ("decisions", "partners")):
        reference = _accepted(ctx.ids(*collections), joint=joint)
        accepted = ctx.accepted(*collections, joint=joint)
        for value in [*names, *failed, None, "joint", "nobody"]:
            assert (value in accepted) == (value in reference), (collections, value)


def test_a_culture_profile_given_twice_is_reported_alike(bases: list[RawFacts]) -> None:
    for base in bases:
        facts = copy.deepcopy(dict(base.data))
        profiles = facts["culture"]["profiles"]
        profiles.append(copy.deepcopy(profiles[0]))
        outcome = assert_agree(RawFacts(data=facts, format=base.format))
        assert isinstance(outcome, FactError)
        [problem] = [p for p in outcome.problems if p.code == "duplicate"]
        assert problem.path == ("culture", "profiles", len(profiles) - 1)
        assessed = profiles[0]["assessed"]
        iso = assessed if isinstance(assessed, str) else assessed.isoformat()
        assert f"{iso!r})" in problem.message
        # The same partner assessed on another day is no duplicate.
        profiles[-1]["assessed"] = (
            "2001-01-01" if isinstance(assessed, str) else dt.date(2001, 1, 1)
        )
        again = assert_agree(RawFacts(data=facts, format=base.format))
        problems = again.problems if isinstance(again, FactError) else again.warnings
        assert not [p for p in problems if p.code == "duplicate"]
