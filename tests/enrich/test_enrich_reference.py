"""The fast enrichment against straightforward formulations of the same thing.

Enrichment runs once per assessment, so its helpers take shortcuts: unknown paths
found by a walker written per record type, reasons looked up by trying the few
unknown paths under a key as prefixes, rounding and RAG ratings that skip the
Decimal when it cannot change the answer, facts built without attrs' generic
``__init__``, and derived facts merged plugin by plugin without re-sorting them all.
Each test here states the plain version (the way these were first written) and
checks that the fast one gives exactly the same answers, on generated partnerships,
generated paths and generated numbers, edge cases included.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs
import pluggy
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from realign import get_plugin_manager, hookspecs, load_partnership
from realign.enrich import DerivedFactConflict, enrich
from realign.enrich._base import Collector, round_half_away, spread
from realign.enrich.factset import (
    DerivedFact,
    FactSet,
    _walker,
    derived_fact,
    strip_indices,
    unknown_facts,
)
from realign.enrich.monitoring import _latest_summary, _stable, kpi_rag
from realign.errors import PluginError
from realign.hookspecs import hookimpl
from realign.model import ABSENCE, CultureDimension, Direction, KpiPoint, Partnership
from realign.rules.values import Unknown
from realign.testing.strategies import partnerships

# Generating a partnership takes a while: no complaint about it.
_PARTNERSHIPS = settings(suppress_health_check=[HealthCheck.too_slow])


# --- the plain formulations ---------------------------------------------------------


def _plain_prefixes(path: str) -> Iterator[str]:
    for match in re.finditer(r"(?=[.\[])|$", path):
        if match.start():
            yield path[: match.start()]


def _plain_strip(path: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", path)


def _plain_head(path: str) -> str:
    return path.partition(".")[0].partition("[")[0]


def _plain_reason(unknown: Mapping[str, str], path: str) -> str | None:
    """Why *path* is unknown: its first prefix that is, with indices, then without."""
    if _plain_head(path) not in {_plain_head(known) for known in unknown}:
        return None
    for candidate in (*_plain_prefixes(path), *_plain_prefixes(_plain_strip(path))):
        if candidate in unknown:
            return unknown[candidate]
    return None


def _plain_unstated(node: Any, prefix: str) -> Iterator[str]:
    """Every omitted value under *node*, looking at every field of every record."""
    for field in attrs.fields(type(node)):
        value = getattr(node, field.name)
        path = prefix + field.name
        if value is None:
            if ABSENCE not in field.metadata:
                yield path
        elif attrs.has(type(value)):
            yield from _plain_unstated(value, path + ".")
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if attrs.has(type(item)):
                    yield from _plain_unstated(item, f"{path}[{index}].")


def _plain_unknown_facts(partnership: Partnership) -> dict[str, str]:
    gaps = set(partnership.assessment.data_gaps)
    out = dict.fromkeys(sorted(gaps), "declared a data gap in assessment.data_gaps")
    for path in _plain_unstated(partnership, ""):
        if not any(prefix in gaps for prefix in _plain_prefixes(_plain_strip(path))):
            out[path] = "not stated in the fact file"
    return dict(sorted(out.items()))


def _plain_round(value: float, places: int = 2) -> float:
    if not math.isfinite(value) or abs(value) >= 2.0**53:
        return value
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _plain_rag(direction: Direction, point: KpiPoint) -> str | None:
    if point.target is None or point.actual is None:
        return None
    target, actual = Decimal(repr(point.target)), Decimal(repr(point.actual))
    tolerance = Decimal("0.10")
    if direction is Direction.HIGHER_BETTER:
        if actual >= target:
            return "green"
        return "amber" if actual >= (1 - tolerance) * target else "red"
    if actual <= target:
        return "green"
    return "amber" if actual <= (1 + tolerance) * target else "red"


def _plain_enrich(partnership: Partnership, plugin_manager: pluggy.PluginManager) -> FactSet:
    """Every plugin in turn, each seeing a fresh fact set with all derived facts so far, sorted."""
    facts = FactSet(partnership=partnership, unknown=unknown_facts(partnership))
    derived: dict[str, DerivedFact] = {}
    origin: dict[str, str] = {}
    for impl in reversed(plugin_manager.hook.realign_enrich_facts.get_hookimpls()):
        try:
            produced = list(impl.function(facts=facts) or ())
        except Exception as exc:
            raise PluginError(impl.plugin_name, f"raised in realign_enrich_facts: {exc!r}") from exc
        for fact in produced:
            if not isinstance(fact, DerivedFact):
                msg = f"realign_enrich_facts returned {type(fact).__name__}, not DerivedFact"
                raise PluginError(impl.plugin_name, msg)
            if fact.name in derived:
                msg = f"derived fact {fact.name!r} is also produced by {origin[fact.name]!r}"
                raise DerivedFactConflict(impl.plugin_name, msg)
            derived[fact.name] = fact
            origin[fact.name] = impl.plugin_name
        facts = attrs.evolve(facts, derived=dict(sorted(derived.items())))
    return facts


def _outcome(action: Any, *args: Any) -> tuple[str, Any]:
    """What *action* returns, by repr (so 0.0 and -0.0, 1 and 1.0 differ), or what it raises."""
    try:
        return "returned", repr(action(*args))
    except (InvalidOperation, PluginError) as exc:
        return "raised", (type(exc), str(exc))


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture(scope="module")
def healthy(examples_dir: Path) -> Partnership:
    return load_partnership(examples_dir / "healthy.toml").partnership


# --- unknown facts and their reasons ----------------------------------------------------


@_PARTNERSHIPS
@given(partnerships())
def test_unknown_facts_match_the_plain_walk(partnership: Partnership) -> None:
    fast = unknown_facts(partnership)
    assert list(fast.items()) == list(_plain_unknown_facts(partnership).items())


def test_unknown_facts_of_the_examples_match_the_plain_walk(examples_dir: Path) -> None:
    for path in sorted(examples_dir.glob("*.toml")):
        partnership = load_partnership(path).partnership
        assert unknown_facts(partnership) == _plain_unknown_facts(partnership), path.name


# Made with explicit types: this module's own annotations are strings.
_Leaf = attrs.make_class("_Leaf", {"score": attrs.field(default=None, type=int | None)})
_Loose = attrs.make_class(
    "_Loose",
    {
        # Types that say little: the walker looks at the values.
        "anything": attrs.field(default=None, type=Any),
        "untyped": attrs.field(default=None),
        "spelled": attrs.field(default=None, type="_Leaf | None"),
        "either": attrs.field(default=None, type=_Leaf | tuple[_Leaf, ...] | None),
        "maybe_leaves": attrs.field(default=(), type=tuple[_Leaf | None, ...]),
        # Types that say enough.
        "one": attrs.field(default=None, type=_Leaf | None),
        "leaves": attrs.field(default=(), type=tuple[_Leaf, ...]),
        "nested": attrs.field(default=(), type=tuple[tuple[_Leaf, ...], ...]),
        "count": attrs.field(default=0, type=int),
        "pending": attrs.field(default=None, type=_Leaf | None, metadata={ABSENCE: "pending"}),
    },
)
_LEAVES = st.builds(_Leaf, score=st.none() | st.integers(0, 3))
_TUPLES_OF_LEAVES = st.lists(_LEAVES, max_size=3).map(tuple)
_ANYTHING = st.none() | st.integers() | _LEAVES | st.tuples(_LEAVES, st.none(), st.integers())


@given(
    st.builds(
        _Loose,
        anything=_ANYTHING,
        untyped=_ANYTHING,
        spelled=st.none() | _LEAVES,
        either=st.none() | _LEAVES | _TUPLES_OF_LEAVES,
        maybe_leaves=st.lists(st.none() | _LEAVES, max_size=3).map(tuple),
        one=st.none() | _LEAVES,
        leaves=_TUPLES_OF_LEAVES,
        nested=st.lists(_TUPLES_OF_LEAVES, max_size=2).map(tuple),
        count=st.integers(),
        pending=st.none() | _LEAVES,
    )
)
def test_records_of_any_field_types_are_walked_like_the_plain_walk(record: Any) -> None:
    found: list[str] = []
    _walker(type(record))(record, "r.", found)
    assert found == list(_plain_unstated(record, "r."))


_SEGMENTS = st.sampled_from([".a", ".b", "[0]", "[1]", "[x]", ".c"])
_TIDY_PATHS = st.builds(
    lambda head, rest: head + "".join(rest),
    st.sampled_from(["a", "b", "meetings"]),
    st.lists(_SEGMENTS, max_size=4),
)
# Everything a path could be, separators in odd places and line breaks included.
_ODD_PATHS = st.text(alphabet="ab.[]0\n", max_size=8)
_PATHS = _TIDY_PATHS | _ODD_PATHS


def _probes(unknown: Mapping[str, str], extra: list[str]) -> list[str]:
    probes = list(extra)
    for path in unknown:
        probes += [path, path + ".a", path + "[0]", path + "\n", _plain_strip(path)]
        probes += list(_plain_prefixes(path))
    return probes


@given(
    st.dictionaries(_PATHS, st.text(alphabet="xyz", min_size=1, max_size=3), max_size=24),
    st.lists(_PATHS, max_size=20),
)
@example(  # more than a handful of unknown paths under one key
    {f"a[{i}].b": str(i) for i in range(20)} | {"a.b": "gap"}, ["a[3].b", "a[30].b", "a.b.c"]
)
@example({"a": "x", "a\n": "y"}, ["a\n", "a\n.b"])
@example({"x.b": "x"}, ["[0]x.b", "a[0]x.b", "a[0]b"])
@example({"a.z": "x", "ab": "y"}, ["a[0]b", "a[0]b.c"])  # no longer under "a" without indices
def test_reasons_match_the_plain_prefix_search(
    healthy: Partnership, unknown: dict[str, str], paths: list[str]
) -> None:
    facts = FactSet(partnership=healthy, unknown=unknown)
    for path in _probes(unknown, paths):
        expected = _plain_reason(unknown, path)
        assert facts.reason_unknown(path) == expected, path
        # Asked again, from the remembered answer.
        assert facts.reason_unknown(path) == expected, path
        assert facts.is_known(path) == (expected is None), path


@_PARTNERSHIPS
@given(partnerships())
def test_reasons_in_an_enriched_fact_set_match_the_plain_search(
    pm: pluggy.PluginManager, partnership: Partnership
) -> None:
    facts = enrich(partnership, pm)
    paths = {path for fact in facts.derived.values() for path in fact.sources}
    paths |= set(facts.derived)
    for path in sorted(paths) + _probes(facts.unknown, []):
        assert facts.reason_unknown(path) == _plain_reason(facts.unknown, path), path


@_PARTNERSHIPS
@given(partnerships(), st.data())
def test_gaps_collected_for_facts_match_the_plain_search(
    pm: pluggy.PluginManager, partnership: Partnership, data: st.DataObject
) -> None:
    facts = enrich(partnership, pm)
    known = sorted({path for fact in facts.derived.values() for path in fact.sources})
    candidates = known + list(facts.unknown) + [strip_indices(path) for path in facts.unknown]
    needs = data.draw(st.lists(st.sampled_from(candidates), max_size=4)) if candidates else []
    sources = data.draw(st.lists(st.sampled_from(["s", "t", "u"]), max_size=4))
    collector = Collector(facts)
    expected = next(
        (
            f"{path} is unknown ({reason})"
            for path in needs
            if (reason := _plain_reason(facts.unknown, path)) is not None
        ),
        None,
    )
    for _ in range(2):  # the second time from the remembered gap
        assert collector.gap(*needs) == expected
        collector.add("x.from_tuple", 1, sources, "d", needs=tuple(needs))
        collector.add("x.from_list", 1, list(sources), "d", needs=list(needs))
        collector.add("x.from_iterator", 1, iter(sources), "d", needs=iter(needs))
    for fact in collector.out:
        assert fact.unknown == expected
        assert fact.value == (1 if expected is None else None)
        assert fact.sources == tuple(dict.fromkeys(sources))


@given(st.lists(st.sampled_from(["s", "t", "u"]), max_size=4), st.sampled_from([list, tuple, iter]))
def test_sources_are_listed_once_each_in_order(
    healthy: Partnership, sources: list[str], kind: Any
) -> None:
    collector = Collector(FactSet(partnership=healthy))
    collector.add("x.known", 1, kind(sources), "d")
    collector.unknown("x.unknown", "d", "why", kind(sources))
    assert [fact.sources for fact in collector.out] == [tuple(dict.fromkeys(sources))] * 2


# --- numbers ----------------------------------------------------------------------------

_NUMBERS = st.floats() | st.integers(-(2**60), 2**60) | st.sampled_from([2.675, -0.004, 0.125])


@given(_NUMBERS, st.integers(-2, 16))
@example(1234567890123456.0, 13)  # past the digits the decimal context keeps
@example(-0.001, 2)
@example(5, 2)
@example(2.0**53, 2)
def test_rounding_matches_the_decimal_formula(value: float, places: int) -> None:
    assert _outcome(round_half_away, value, places) == _outcome(_plain_round, value, places)


@given(
    st.sampled_from(list(Direction)),
    st.none() | st.floats() | st.integers(-(2**60), 2**60),
    st.none() | st.floats() | st.integers(-(2**60), 2**60),
)
@example(Direction.HIGHER_BETTER, 2.2, 1.98)
@example(Direction.LOWER_BETTER, 2**60, float(2**60))
@example(Direction.HIGHER_BETTER, float("inf"), float("inf"))
@example(Direction.HIGHER_BETTER, float("nan"), 1.0)
def test_rag_matches_the_decimal_formula(
    direction: Direction, target: float | None, actual: float | None
) -> None:
    point = KpiPoint(period="2024-Q1", target=target, actual=actual)
    assert _outcome(kpi_rag, direction, point) == _outcome(_plain_rag, direction, point)


# --- enricher helpers -------------------------------------------------------------------


@_PARTNERSHIPS
@given(partnerships())
def test_culture_gaps_are_the_spread_of_each_dimension(
    pm: pluggy.PluginManager, partnership: Partnership
) -> None:
    facts = enrich(partnership, pm)
    fact = facts.derived["culture.gaps"]
    if not fact.known:
        return
    latest: dict[str, Any] = {}
    for profile in partnership.culture.profiles:
        held = latest.get(profile.partner)
        if held is None or profile.assessed > held.assessed:
            latest[profile.partner] = profile
    partners = [p.id for p in partnership.partners]
    expected = {}
    for dimension in CultureDimension:
        scores = {partner: profile.scores.get(dimension) for partner, profile in latest.items()}
        gap, _ = spread(scores, partners)
        if gap is not None:
            expected[str(dimension)] = gap
    assert list(fact.value.items()) == list(expected.items())


_SUMMARIES = st.lists(
    st.tuples(
        st.sampled_from(["2024-01-01", "2024-02-01", "2024-03-01"]),
        st.fixed_dictionaries(
            {
                "age_days": st.integers(0, 3),
                "type": st.sampled_from(["a", "b"])
                | st.builds(Unknown, st.frozensets(st.sampled_from(["r", "s"]), max_size=2)),
            }
        ),
    ),
    max_size=5,
)


@given(_SUMMARIES)
def test_latest_health_check_is_the_one_with_the_greatest_date_then_content(
    summaries: list[tuple[str, dict[str, object]]],
) -> None:
    keyed = [((day, repr(_stable(summary))), summary) for day, summary in summaries]
    expected = max(keyed, key=lambda item: item[0])[1] if keyed else None
    assert _latest_summary(summaries) is expected


def test_facts_built_on_the_fast_path_are_ordinary_derived_facts() -> None:
    fields = {
        "name": "a.b",
        "value": [1, Unknown(frozenset({"r"}))],
        "sources": ("s",),
        "description": "d",
        "unknown": None,
    }
    fast = derived_fact(**fields)
    plain = DerivedFact(**fields)
    assert type(fast) is DerivedFact
    assert fast == plain
    assert repr(fast) == repr(plain)
    assert attrs.asdict(fast) == attrs.asdict(plain)
    assert attrs.evolve(fast, unknown="r") == attrs.evolve(plain, unknown="r")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.name = "other"  # type: ignore[misc]
    hashable = derived_fact("a.b", 1, ("s",), "d", "why")
    assert hash(hashable) == hash(
        DerivedFact(name="a.b", value=1, sources=("s",), description="d", unknown="why")
    )


# --- the plugin loop ----------------------------------------------------------------


@_PARTNERSHIPS
@given(partnerships())
def test_enrich_matches_the_plain_plugin_loop(partnership: Partnership) -> None:
    seen_fast: list[list[str]] = []
    seen_plain: list[list[str]] = []

    class Spy:
        def __init__(self, seen: list[list[str]]) -> None:
            self.seen = seen

        @hookimpl(trylast=True)
        def realign_enrich_facts(self, facts: FactSet) -> list[DerivedFact]:
            self.seen.append(list(facts.derived))
            assert facts.reason_unknown("partners") == _plain_reason(facts.unknown, "partners")
            return []

    fast = enrich(partnership, get_plugin_manager(load_entrypoints=False, extra=[Spy(seen_fast)]))
    plain = _plain_enrich(
        partnership, get_plugin_manager(load_entrypoints=False, extra=[Spy(seen_plain)])
    )
    assert list(fast.derived.items()) == list(plain.derived.items())
    assert list(fast.unknown.items()) == list(plain.unknown.items())
    assert seen_fast == seen_plain
    assert fast.namespaces == plain.namespaces


class _Watcher:
    """Records the derived facts each enricher call is given, wherever pluggy places it."""

    def __init__(self, seen: list[list[str]]) -> None:
        self.seen = seen

    def watch(self, facts: FactSet) -> list[DerivedFact]:
        self.seen.append(list(facts.derived))
        # One fact of its own, so the ones after it have something new to see.
        return [DerivedFact(name=f"watcher.{type(self).__name__.lower()}", value=1)]


class _First(_Watcher):
    @hookimpl(tryfirst=True)
    def realign_enrich_facts(self, facts: FactSet) -> list[DerivedFact]:
        return self.watch(facts)


class _Middle(_Watcher):
    @hookimpl(tryfirst=True)
    def realign_enrich_facts(self, facts: FactSet) -> list[DerivedFact]:
        return self.watch(facts)


class _Last(_Watcher):
    @hookimpl(trylast=True)
    def realign_enrich_facts(self, facts: FactSet) -> list[DerivedFact]:
        return self.watch(facts)


def _watched(seen: list[list[str]]) -> pluggy.PluginManager:
    """The built-in enrichers with a watcher before them, one in their midst and one after.

    Like them, the first two try to come first: of those, the one registered last comes first.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in ("governance", "culture"):
        pm.register(importlib.import_module(f"realign.enrich.{name}"))
    pm.register(_Middle(seen))
    for name in ("market", "execution", "monitoring"):
        pm.register(importlib.import_module(f"realign.enrich.{name}"))
    pm.register(_First(seen))
    pm.register(_Last(seen))
    return pm


def _built_in(facts: FactSet, module: str) -> list[str]:
    """The names of the derived facts the built-in enricher *module* produces for *facts*."""
    plugin = importlib.import_module(f"realign.enrich.{module}")
    return [fact.name for fact in plugin.realign_enrich_facts(facts=facts)]


@_PARTNERSHIPS
@given(partnerships())
def test_plugins_among_the_built_in_ones_see_what_the_plain_loop_shows(
    partnership: Partnership,
) -> None:
    seen_fast: list[list[str]] = []
    seen_plain: list[list[str]] = []
    fast = enrich(partnership, _watched(seen_fast))
    plain = _plain_enrich(partnership, _watched(seen_plain))
    # Before every built-in enricher, after some of them but not all, after all of them.
    assert len(seen_fast) == 3
    assert len(seen_fast[0]) == 0
    before = ("monitoring", "execution", "market")
    assert len(seen_fast[1]) == 1 + sum(len(_built_in(fast, name)) for name in before)
    assert len(seen_fast[2]) == len(fast.derived) - 1
    assert seen_fast == seen_plain
    assert list(fast.derived.items()) == list(plain.derived.items())


class _Fixed:
    """A plugin that returns the same things every time."""

    def __init__(self, produced: list[object]) -> None:
        self.produced = produced

    @hookimpl
    def realign_enrich_facts(self, facts: FactSet) -> list[object]:
        return list(self.produced)


class _Sub(DerivedFact):
    pass


_NAMES = st.sampled_from(["a.x", "a.y", "b.x", "c"])
_PRODUCED = st.one_of(
    st.builds(lambda name: DerivedFact(name=name, value=1), _NAMES),
    st.builds(lambda name: _Sub(name=name, value=2), _NAMES),
    st.sampled_from([None, 1, "a.x"]),
)


@given(st.lists(st.lists(_PRODUCED, max_size=4), max_size=4))
@example([[DerivedFact(name="a.x"), 1], [DerivedFact(name="a.x")]])
@example([[DerivedFact(name="a.x"), DerivedFact(name="a.x"), None]])
@example([[DerivedFact(name="b.x")], [DerivedFact(name="a.x"), DerivedFact(name="c")]])
def test_what_plugins_return_is_checked_like_the_plain_loop(
    healthy: Partnership, plugins: list[list[object]]
) -> None:
    def manager() -> pluggy.PluginManager:
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        for index, produced in enumerate(plugins):
            pm.register(_Fixed(produced), name=f"plugin{index}")
        return pm

    def run(action: Any) -> tuple[str, Any]:
        try:
            facts = action(healthy, manager())
        except PluginError as exc:
            return "raised", (type(exc), exc.plugin, str(exc))
        return "returned", list(facts.derived.items())

    assert run(enrich) == run(_plain_enrich)


def _plain_namespaces(names: list[str]) -> frozenset[str]:
    spaces: set[str] = set()
    for name in names:
        parts = name.split(".")
        for end in range(1, len(parts)):
            spaces.add(".".join(parts[:end]))
    return frozenset(spaces)


@given(names=st.lists(st.text(alphabet="ab.[]0", max_size=8), max_size=12))
def test_namespaces_are_every_proper_prefix_of_a_name(
    healthy: Partnership, names: list[str]
) -> None:
    facts = FactSet(
        partnership=healthy,
        derived={name: DerivedFact(name=name, value=1) for name in names},
    )
    assert facts.namespaces == _plain_namespaces(names)
