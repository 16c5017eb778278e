"""Regression tests for every durable_rules defect the adapter works around.

Each test drives :mod:`realign.engine.durable` with small hand-written
durable_rules rules (every pattern tests ``k``, a field only these facts
carry, so no pattern can match durable_rules' own state fact). Where the
defect kills the interpreter, the scenario runs in a subprocess, next to a
control that shows the raw library really does crash on it: without the
control, a green subprocess test could simply mean the scenario is harmless.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
import math
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realign import Engine, FactSet, get_plugin_manager
from realign.engine import durable
from realign.engine.durable import (
    _MAX_HASHES,
    FLUSH_RULE,
    DurableMatcher,
    DurableSession,
    dumps,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "rulesets" / "sample.toml"

#: Rules for most tests: a single-pattern threshold, a 2-alias join, a self-join
#: on one kind, constants Python's json writes with an exponent (``1e-05``,
#: ``1e+16``), and same-fact comparisons for arbitrary floats.
RULES: dict[str, dict[str, Any]] = {
    "big": {"all": [{"m": {"$and": [{"k": "a"}, {"$gt": {"v": 10.0}}]}}], "run": "big"},
    "pair": {
        "all": [{"x": {"k": "p"}}, {"y": {"$and": [{"k": "q"}, {"g": {"x": "g"}}]}}],
        "run": "pair",
    },
    "twin": {
        "all": [{"x": {"k": "t"}}, {"y": {"$and": [{"k": "t"}, {"g": {"x": "g"}}]}}],
        "run": "twin",
    },
    "tiny": {"all": [{"m": {"$and": [{"k": "n"}, {"$gt": {"v": 0.00001}}]}}], "run": "tiny"},
    "huge": {"all": [{"m": {"$and": [{"k": "h"}, {"$lt": {"v": 1e16}}]}}], "run": "huge"},
    "same": {
        "all": [{"m": {"$and": [{"k": "e"}, {"$eq": {"v": {"$m": "w"}}}]}}],
        "run": "same",
    },
    "below": {
        "all": [{"m": {"$and": [{"k": "e"}, {"$lt": {"v": {"$m": "w"}}}]}}],
        "run": "below",
    },
}


@pytest.fixture(scope="module")
def matcher() -> DurableMatcher:
    # durable_rules never frees a ruleset, so the module shares one matcher.
    return DurableMatcher(RULES)


def fact(ident: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "k": kind, **fields}


def canon(firings: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """Firings without the session id, which differs from session to session."""
    return [
        (
            name,
            json.dumps(
                {
                    alias: {k: v for k, v in bound.items() if k != "sid"}
                    for alias, bound in message.items()
                },
                sort_keys=True,
            ),
        )
        for name, message in firings
    ]


def ids(firings: list[tuple[str, dict[str, Any]]], rule: str) -> list[tuple[str, ...]]:
    """The fact ids each firing of *rule* bound, alias by alias in alias order."""
    return sorted(
        tuple(message[alias]["id"] for alias in sorted(message))
        for name, message in firings
        if name == rule
    )


def run_once(matcher: DurableMatcher, facts: list[dict[str, Any]]) -> list[Any]:
    with matcher.session() as session:
        return session.run(facts)


def run_script(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# -- (1) a batch with an unmatched fact ----------------------------------------------


def test_unmatched_fact_in_a_batch_does_not_lose_the_others_firings(
    matcher: DurableMatcher,
) -> None:
    # durable_rules raises "message not handled" for the batch and runs no action;
    # the adapter's sentinel must drain the deferred ones.
    facts = [
        fact("a1", "a", v=11.0),
        fact("u1", "nothing-matches-this"),
        fact("a2", "a", v=12.0),
        fact("p1", "p", g=1.0),
        fact("q1", "q", g=1.0),
        fact("u2", "a", v=1.0),  # a known kind, but its test fails
    ]
    firings = run_once(matcher, facts)
    assert ids(firings, "big") == [("a1",), ("a2",)]
    assert ids(firings, "pair") == [("p1", "q1")]
    assert len(firings) == 3


@pytest.mark.parametrize("position", [0, 1, 2])
def test_unmatched_fact_anywhere_in_the_batch(matcher: DurableMatcher, position: int) -> None:
    facts = [fact("a1", "a", v=11.0), fact("a2", "a", v=12.0)]
    facts.insert(position, fact("u", "zz"))
    assert ids(run_once(matcher, facts), "big") == [("a1",), ("a2",)]


def test_a_batch_of_only_unmatched_facts_is_not_an_error(matcher: DurableMatcher) -> None:
    with matcher.session() as session:
        assert session.run([fact("u1", "zz"), fact("u2", "yy")]) == []
        assert session.run([fact("u3", "zz")]) == []
        assert session.run([]) == []
        # The session still works after rounds that matched nothing.
        assert ids(session.run([fact("a1", "a", v=11.0)]), "big") == [("a1",)]


def test_a_later_round_joins_with_facts_of_earlier_rounds(matcher: DurableMatcher) -> None:
    with matcher.session() as session:
        assert session.run([fact("p1", "p", g=1.0), fact("u", "zz")]) == []
        second = session.run([fact("q1", "q", g=1.0)])
    assert ids(second, "pair") == [("p1", "q1")]
    assert len(second) == 1


# -- (2) delete_state on a session where no action ran -------------------------------

# Half a join, plus a fact that matches nothing: no action completes in the state.
_NO_FIRING_SCENARIO = """
from realign.engine.durable import DurableMatcher

rules = {{
    "pair": {{
        "all": [{{"x": {{"k": "p"}}}}, {{"y": {{"$and": [{{"k": "q"}}, {{"g": {{"x": "g"}}}}]}}}}],
        "run": "pair",
    }},
}}
matcher = DurableMatcher(rules)
for i in range({count}):
    with matcher.session() as session:
        if i % 3 == 0:
            fired = session.run([{{"id": "1", "k": "p", "g": 1.0}}, {{"id": "2", "k": "none"}}])
            assert fired == [], fired
        elif i % 3 == 1:
            assert session.run([]) == []
        # i % 3 == 2: a session that never asserts anything
assert matcher.live_sessions == 0
print("survived")
"""


def test_sessions_where_nothing_fires_are_deleted_without_crashing() -> None:
    result = run_script(_NO_FIRING_SCENARIO.format(count=300))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "survived"


# -- (3) no background thread --------------------------------------------------------


@pytest.fixture
def action_threads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record (rule, thread id) for every action any matcher runs from now on."""
    log: list[tuple[str, int]] = []
    original = DurableMatcher._collect

    def collect(self: DurableMatcher, name: str, frames: Any, sink: list[Any]) -> None:
        log.append((name, threading.get_ident()))
        original(self, name, frames, sink)

    monkeypatch.setattr(DurableMatcher, "_collect", collect)
    return log


def test_no_thread_is_started_and_actions_run_in_the_caller(
    action_threads: list[tuple[str, int]],
) -> None:
    before = {t.ident for t in threading.enumerate()}
    matcher = DurableMatcher(RULES)
    for i in range(200):
        with matcher.session() as session:
            firings = session.run([fact("a", "a", v=11.0 + i), fact("p", "p", g=1.0)])
            assert ids(firings, "big") == [("a",)]
            firings = session.run([fact("q", "q", g=1.0)])
            assert ids(firings, "pair") == [("p", "q")]
    # The stock Host polls from timer threads, which would show up here and
    # could run some of these actions themselves.
    time.sleep(0.6)
    assert {t.ident for t in threading.enumerate()} - before == set()
    me = threading.get_ident()
    assert len([n for n, _ in action_threads if n != FLUSH_RULE]) == 400
    assert {thread for _, thread in action_threads} == {me}


def test_control_the_stock_host_starts_threads() -> None:
    # Proves the thread census above can see durable_rules' timer threads.
    result = run_script(
        """
        import threading
        from realign.engine import durable  # noqa: F401
        from durable import engine

        before = threading.active_count()
        engine.Host()
        print(threading.active_count() - before)
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout) > 0


def test_threads_sharing_a_matcher_each_collect_their_own_firings(
    action_threads: list[tuple[str, int]],
) -> None:
    matcher = DurableMatcher(RULES)
    errors: list[BaseException] = []
    seen_live: set[int] = set()
    per_thread: dict[int, int] = collections.Counter()
    # All four alive at once, so no two of them can share a thread id.
    together = threading.Barrier(4)

    def work(offset: int) -> None:
        try:
            together.wait()
            for i in range(300):
                value = 11.0 + offset * 1000 + i
                with matcher.session() as session:
                    seen_live.add(matcher.live_sessions)
                    firings = session.run([fact("a", "a", v=value), fact("u", "zz")])
                    assert [m["m"]["v"] for _, m in firings] == [value]
                per_thread[threading.get_ident()] += 1
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # 1200 sessions in all, never more than one live: far from the 1024 limit.
    assert seen_live == {1}
    assert matcher.live_sessions == 0
    # Every action ran in the thread whose session caused it.
    fired_in = collections.Counter(t for n, t in action_threads if n != FLUSH_RULE)
    assert fired_in == per_thread
    assert sorted(fired_in.values()) == [300] * 4


# -- (4) numbers durable_rules' parser rejects ----------------------------------------


def test_dumps_writes_positional_notation() -> None:
    assert dumps(1e-05) == "0.00001"
    assert dumps(1e16) == "10000000000000000.0"
    assert dumps(-2.5e-7) == "-0.00000025"
    assert dumps(3) == "3.0"
    assert dumps({"a": [True, False, None, "x\u00e9\n"]}) == '{"a":[true,false,null,"x\u00e9\\n"]}'


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**70), 2**70))
def test_dumps_round_trips_every_finite_number(value: float) -> None:
    text = dumps(value)
    assert "e" not in text.lower()
    assert "." in text
    assert json.loads(text) == float(value)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_dumps_refuses_values_durable_rules_cannot_compare(value: float) -> None:
    with pytest.raises(ValueError, match="cannot compare"):
        dumps({"v": value})


def test_dumps_refuses_values_json_cannot_carry() -> None:
    with pytest.raises(TypeError, match="date"):
        dumps({"when": dt.date(2025, 1, 1)})


def test_exponent_numbers_work_in_rule_constants_and_facts(matcher: DurableMatcher) -> None:
    # The "tiny" rule's constant is 0.00001, which Python's json writes as 1e-05.
    firings = run_once(
        matcher,
        [
            fact("above", "n", v=2e-05),
            fact("equal", "n", v=1e-05),
            fact("below", "n", v=1e-06),
            fact("h-below", "h", v=9e15),
            fact("h-equal", "h", v=1e16),
            fact("h-above", "h", v=1e17),
        ],
    )
    assert ids(firings, "tiny") == [("above",)]
    assert ids(firings, "huge") == [("h-below",)]


def test_control_the_raw_parser_rejects_python_json_numbers() -> None:
    # Proves the test above needs the adapter's encoder.
    import durable_rules_engine

    rule = {"r": {"all": [{"m": {"$and": [{"k": "n"}, {"$gt": {"v": 1e-05}}]}}]}}
    with pytest.raises(durable_rules_engine.error, match="204"):
        durable_rules_engine.create_ruleset("realign_test_raw_numbers", json.dumps(rule))


@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float_compares_exactly_in_a_fact(matcher: DurableMatcher, value: float) -> None:
    upper = math.nextafter(value, math.inf)
    facts = [fact("eq", "e", v=value, w=value)]
    if math.isfinite(upper):
        facts.append(fact("lt", "e", v=value, w=upper))
    firings = run_once(matcher, facts)
    assert ids(firings, "same") == [("eq",)]
    assert ids(firings, "below") == ([("lt",)] if math.isfinite(upper) else [])


# -- (5) duplicate facts ---------------------------------------------------------------


def test_a_duplicate_fact_in_a_batch_is_absorbed(matcher: DurableMatcher) -> None:
    twice = fact("a1", "a", v=11.0)
    firings = run_once(matcher, [twice, fact("a2", "a", v=12.0), dict(twice)])
    # One firing per distinct fact; the other fact's firing is not lost.
    assert ids(firings, "big") == [("a1",), ("a2",)]


def test_duplicate_content_without_an_id_is_absorbed(matcher: DurableMatcher) -> None:
    plain = {"k": "a", "v": 11.0}
    firings = run_once(matcher, [plain, dict(plain), {"k": "a", "v": 13.0}])
    assert sorted(m["m"]["v"] for _, m in firings) == [11.0, 13.0]


def test_reasserting_a_fact_in_a_later_round_is_absorbed(matcher: DurableMatcher) -> None:
    with matcher.session() as session:
        first = session.run([fact("a1", "a", v=11.0)])
        again = session.run([fact("a1", "a", v=11.0), fact("a2", "a", v=12.0)])
    assert ids(first, "big") == [("a1",)]
    # The fact is already known, so it does not fire a second time.
    assert ids(again, "big") == [("a2",)]


# -- (6) the 1024-session limit --------------------------------------------------------


def test_many_more_sessions_than_the_limit_in_a_row(matcher: DurableMatcher) -> None:
    for i in range(1500):
        with matcher.session() as session:
            assert isinstance(session, DurableSession)
            assert matcher.live_sessions == 1
            match i % 4:
                case 0:
                    assert ids(session.run([fact("a", "a", v=20.0)]), "big") == [("a",)]
                case 1:
                    assert session.run([fact("p", "p", g=1.0), fact("u", "zz")]) == []
                case 2:
                    session.run([])
                case _:
                    pass  # entered and left without asserting anything
    assert matcher.live_sessions == 0


class Boom(Exception):
    pass


def fail_inside_a_session(matcher: DurableMatcher, fires: bool) -> None:
    with matcher.session() as session:
        # Either way the session's state now exists in durable_rules.
        if fires:
            session.run([fact("p", "p", g=1.0), fact("a", "a", v=20.0)])
        else:
            session.run([fact("u", "zz")])
        raise Boom


def test_an_exception_inside_a_session_still_deletes_its_state() -> None:
    matcher = DurableMatcher(RULES)
    # More failing sessions than the limit: one leaked state each would end in
    # MemoryError long before the loop finishes.
    for i in range(1100):
        with pytest.raises(Boom):
            fail_inside_a_session(matcher, fires=bool(i % 2))
    assert matcher.live_sessions == 0
    # The lock was released each time: another thread can still open sessions.
    outcome: list[Any] = []

    def more() -> None:
        for _ in range(1100):
            outcome.append(ids(run_once(matcher, [fact("a", "a", v=20.0)]), "big"))

    worker = threading.Thread(target=more, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "a session lock was left held"
    assert outcome == [[("a",)]] * 1100
    assert matcher.live_sessions == 0


def test_a_bad_fact_raises_and_the_session_is_still_cleaned_up() -> None:
    matcher = DurableMatcher(RULES)
    for _ in range(1100):
        with pytest.raises(ValueError, match="cannot compare"), matcher.session() as session:
            session.run([fact("a", "a", v=20.0), fact("bad", "a", v=math.inf)])
    assert matcher.live_sessions == 0
    assert ids(run_once(matcher, [fact("a", "a", v=20.0)]), "big") == [("a",)]


# -- sessions take turns in one state ---------------------------------------------------


def test_a_session_sees_nothing_of_the_one_before(matcher: DurableMatcher) -> None:
    # Half a join left in the shared state would complete with the next session's half.
    first = run_once(matcher, [fact("p1", "p", g=1.0), fact("a", "a", v=20.0)])
    second = run_once(matcher, [fact("q1", "q", g=1.0), fact("a", "a", v=20.0)])
    assert ids(first, "pair") == []
    assert ids(second, "pair") == []
    # A retracted fact is new again: asserted once more, it fires once more.
    assert ids(first, "big") == ids(second, "big") == [("a",)]


def test_a_failed_session_leaves_nothing_behind() -> None:
    matcher = DurableMatcher(RULES)
    with pytest.raises(Boom):
        fail_inside_a_session(matcher, fires=True)
    assert ids(run_once(matcher, [fact("q1", "q", g=1.0)]), "pair") == []


def test_when_retracting_fails_the_next_session_gets_a_fresh_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    matcher = DurableMatcher(RULES)
    shared = matcher._shared

    def refuse(handle: int, text: str) -> Any:
        raise RuntimeError("retract_facts failed")

    with monkeypatch.context() as patched:
        patched.setattr(durable._dr, "retract_facts", refuse)
        run_once(matcher, [fact("p1", "p", g=1.0)])
    assert matcher._shared != shared
    assert matcher.live_sessions == 0
    assert ids(run_once(matcher, [fact("q1", "q", g=1.0)]), "pair") == []
    with pytest.raises(Exception, match="error code"):
        # The abandoned state was deleted, not left to grow.
        durable._dr.delete_state(matcher._handle, shared)


def test_a_session_opened_inside_another_has_a_state_of_its_own(
    matcher: DurableMatcher,
) -> None:
    with matcher.session() as outer:
        assert outer.run([fact("p1", "p", g=1.0)]) == []
        with matcher.session() as inner:
            assert matcher.live_sessions == 2
            assert ids(inner.run([fact("q1", "q", g=1.0)]), "pair") == []
        # The outer session's half of the join is still there.
        assert ids(outer.run([fact("q2", "q", g=1.0)]), "pair") == [("p1", "q2")]
    assert ids(run_once(matcher, [fact("q3", "q", g=1.0)]), "pair") == []


# -- (7) determinism -------------------------------------------------------------------

_ORDER_FACTS = [
    fact("a1", "a", v=11.0),
    fact("a2", "a", v=9.0),
    fact("p1", "p", g=1.0),
    fact("p2", "p", g=2.0),
    fact("q1", "q", g=1.0),
    fact("q2", "q", g=1.0),
    fact("t1", "t", g=1.0),
    fact("t2", "t", g=1.0),
    fact("u", "zz"),
]


def test_fact_order_does_not_change_the_firings(matcher: DurableMatcher) -> None:
    reference = collections.Counter(canon(run_once(matcher, _ORDER_FACTS)))
    assert sum(reference.values()) == 5  # 1 big, 2 pair, 2 twin
    for perm in itertools.islice(itertools.permutations(_ORDER_FACTS), 0, None, 997):
        assert collections.Counter(canon(run_once(matcher, list(perm)))) == reference


@given(order=st.permutations(_ORDER_FACTS))
def test_any_order_gives_the_same_firings(
    matcher: DurableMatcher, order: list[dict[str, Any]]
) -> None:
    expected = collections.Counter(canon(run_once(matcher, _ORDER_FACTS)))
    assert collections.Counter(canon(run_once(matcher, order))) == expected


def test_the_same_input_gives_the_same_list(matcher: DurableMatcher) -> None:
    first = canon(run_once(matcher, _ORDER_FACTS))
    for _ in range(50):
        assert canon(run_once(matcher, _ORDER_FACTS)) == first


# -- (8) joins -------------------------------------------------------------------------


@given(
    ps=st.lists(st.integers(0, 3), max_size=6),
    qs=st.lists(st.integers(0, 3), max_size=6),
)
def test_a_join_fires_once_per_matching_pair(
    matcher: DurableMatcher, ps: list[int], qs: list[int]
) -> None:
    facts = [fact(f"p{i}", "p", g=float(g)) for i, g in enumerate(ps)]
    facts += [fact(f"q{j}", "q", g=float(g)) for j, g in enumerate(qs)]
    firings = run_once(matcher, facts)
    expected = sorted(
        (f"p{i}", f"q{j}") for i, a in enumerate(ps) for j, b in enumerate(qs) if a == b
    )
    assert ids(firings, "pair") == expected  # a list: a repeated pair would show


@given(ts=st.lists(st.integers(0, 2), max_size=6))
def test_a_self_join_pairs_distinct_facts_both_ways(matcher: DurableMatcher, ts: list[int]) -> None:
    facts = [fact(f"t{i}", "t", g=float(g)) for i, g in enumerate(ts)]
    firings = run_once(matcher, facts)
    expected = sorted(
        (f"t{i}", f"t{j}") for i, a in enumerate(ts) for j, b in enumerate(ts) if i != j and a == b
    )
    assert ids(firings, "twin") == expected


# -- hash collisions of fact ids -------------------------------------------------------


def _fnv1a_32(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def test_distinct_fact_ids_with_colliding_hashes_both_fire(matcher: DurableMatcher) -> None:
    # durable_rules knows a fact by the 32-bit FNV-1a hash of its id. Ids in the
    # compiler's own shape (rule#bindings#indices) collide easily: rule 26 binding
    # o, p and rule 31 binding o, x, with a few items each, is all it takes.
    first, second = "r26#o.p#7.8", "r31#o.x#7.0"
    assert _fnv1a_32(first) == _fnv1a_32(second)
    firings = run_once(matcher, [fact(first, "a", v=11.0), fact(second, "a", v=12.0)])
    fired = sorted(message["m"]["v"] for name, message in firings if name == "big")
    # Both fire; the adapter renamed the second fact so its hash is its own.
    assert fired == [11.0, 12.0]
    assert len({message["m"]["id"] for _, message in firings}) == 2


def test_the_remembered_id_hashes_are_right_and_bounded() -> None:
    # A matcher remembers the hash of each fact id it admitted (ids repeat from one
    # assessment to the next) but must not grow without end in a long-lived worker.
    matcher = DurableMatcher({})
    for i in range(_MAX_HASHES + 10):
        ident = f"r1#p#{i}"
        assert matcher._hash(ident) == _fnv1a_32(ident)
        assert len(matcher._hashes) <= _MAX_HASHES


# -- facts too wide for durable_rules --------------------------------------------------


def test_a_fact_too_wide_for_durable_rules_raises_instead_of_crashing() -> None:
    result = run_script(
        """
        from realign.engine.durable import DurableMatcher

        matcher = DurableMatcher(
            {"r": {"all": [{"m": {"$and": [{"k": "p"}, {"$gt": {"g": 0.0}}]}}], "run": "r"}}
        )
        wide = {"id": "w", "k": "p", "g": 1.0, **{f"f{i}": 1.0 for i in range(260)}}
        try:
            with matcher.session() as session:
                fired = session.run([wide])
        except Exception as exc:
            print("raised", type(exc).__name__)
        else:
            print("fired" if fired else "dropped")
        """
    )
    assert result.returncode == 0, f"crashed with {result.returncode}"
    assert result.stdout.split()[:1] in (["raised"], ["fired"])


# -- one Engine shared by threads ------------------------------------------------------


@pytest.fixture(scope="module")
def sample_engine() -> Engine:
    return Engine([SAMPLE], plugin_manager=get_plugin_manager(load_entrypoints=False))


def test_two_threads_sharing_an_engine_get_the_sequential_results(
    sample_engine: Engine, examples_dir: Path
) -> None:
    inputs: list[FactSet] = [
        sample_engine.facts(examples_dir / name)
        for name in ("case_study_before.toml", "healthy.toml")
    ]
    expected = [sample_engine.assess(facts).to_json() for facts in inputs]
    assert expected[0] != expected[1]
    assert '"findings": []' not in expected[0]
    results: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        out = []
        try:
            for i in range(200):
                out.append(sample_engine.assess(inputs[(i + offset) % 2]).to_json())
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        results[offset] = out

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for offset, out in results.items():
        assert len(out) == 200
        for i, text in enumerate(out):
            assert text == expected[(i + offset) % 2], (offset, i)


@pytest.mark.parametrize("cap", [None, 65535])
def test_a_capped_rule_delivers_every_match_in_one_call(cap: int | None) -> None:
    """With ``cap``, durable_rules hands the action a list of frames: none may be lost."""
    rule: dict[str, Any] = {
        "all": [
            {"a": {"$and": [{"k": "x"}, {"$gt": {"v": 2.0}}]}},
            {"b": {"$and": [{"k": "y"}, {"$eq": {"w": {"a": "v"}}}]}},
        ],
        "run": "r1",
    }
    if cap is not None:
        rule["cap"] = cap
    matcher = DurableMatcher({"r1": rule})
    facts = [{"id": f"x{i}", "k": "x", "v": float(i)} for i in range(1, 8)]
    facts += [{"id": f"y{i}", "k": "y", "w": float(i)} for i in range(1, 8)]
    with matcher.session() as session:
        firings = session.run(facts)
    pairs = sorted((frame["a"]["id"], frame["b"]["id"]) for _, frame in firings)
    assert pairs == [(f"x{i}", f"y{i}") for i in range(3, 8)]


def test_every_action_of_a_round_is_collected_without_storing_the_state_again(
    matcher: DurableMatcher,
) -> None:
    # Several rules, several matches each, in one round and again in the next
    # session on the same shared state: draining completes every action without
    # the stock host's state update, and leaves nothing pending behind.
    facts = [
        fact("a1", "a", v=11.0),
        fact("a2", "a", v=12.0),
        fact("p1", "p", g=1),
        fact("q1", "q", g=1),
        fact("q2", "q", g=1),
        fact("n1", "n", v=1.0),
    ]
    for _ in range(3):
        firings = run_once(matcher, facts)
        assert ids(firings, "big") == [("a1",), ("a2",)]
        assert ids(firings, "pair") == [("p1", "q1"), ("p1", "q2")]
        assert ids(firings, "tiny") == [("n1",)]
        assert len(firings) == 5
