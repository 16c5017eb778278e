"""The compiled evaluator: closures per node, memo keys shared by equal nodes, short cuts."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pluggy
import pytest
from hypothesis import given
from hypothesis import strategies as st

import realign
from realign import FactSet, FactSource, get_plugin_manager
from realign.engine.engine import functions_of, vocabulary_of
from realign.engine.evaluate import (
    Context,
    Program,
    _compare_with_constant,
    _comparison,
    evaluate_cond,
    evaluate_term,
)
from realign.engine.reading import Check, Located, compare
from realign.rules import ir
from realign.rules.functions import Function
from realign.rules.lower import Lowerer
from realign.rules.types import NUMBER, RecordType
from realign.rules.values import Unknown

FACTS = """
[assessment]
id = "P-1"
partnership_id = "p"
as_of = 2024-03-31
period = "2024-Q1"

[partnership]
id = "p"
name = "P"
type = "co_development"

[[partners]]
id = "a"
name = "A"
headcount = 10

[[partners]]
id = "b"
name = "B"
headcount = 30
"""


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture(scope="module")
def facts(pm: pluggy.PluginManager) -> FactSet:
    source = FactSource.from_text(FACTS, name="p.toml", format="toml")
    return realign.load_facts(source, plugin_manager=pm)


class Counting:
    """A condition-language function that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, value: Any) -> Any:
        self.calls += 1
        return value


@pytest.fixture
def counting() -> Counting:
    return Counting()


@pytest.fixture
def lowerer(pm: pluggy.PluginManager, counting: Counting) -> Lowerer:
    functions = dict(functions_of(pm))
    functions["counted"] = Function(name="counted", params=(NUMBER,), returns=NUMBER, impl=counting)
    return Lowerer(vocabulary_of(pm), functions, {}, {})


def condition(lowerer: Lowerer, text: str) -> ir.Cond:
    cond = lowerer.condition(text)
    assert cond is not None, lowerer.issues
    return cond


def test_equal_nodes_from_different_rules_are_computed_once_per_context(
    lowerer: Lowerer, facts: FactSet, counting: Counting
) -> None:
    # Two separately lowered conditions (as two rules, or a rule and its message, hold
    # them): distinct objects, equal nodes.
    first = condition(lowerer, "counted(sum(p.headcount for p in partners)) > 5")
    second = condition(lowerer, "counted(sum(p.headcount for p in partners))  <  100")
    assert first.left is not second.left
    program = Program()
    ctx = Context(facts, program=program)
    assert evaluate_cond(first, ctx, {}) is True
    assert evaluate_cond(second, ctx, {}) is True
    assert counting.calls == 1
    # A new context (the next stratum, the next assessment) computes it again.
    assert evaluate_cond(second, Context(facts, program=program), {}) is True
    assert counting.calls == 2


def test_a_term_that_reads_a_binding_is_not_memoised(
    lowerer: Lowerer, facts: FactSet, counting: Counting
) -> None:
    lowered = Lowerer(lowerer.vocab, lowerer.functions, {}, {"x": NUMBER}).expression("counted(x)")
    assert lowered is not None
    term = lowered[0]
    ctx = Context(facts)
    assert [evaluate_term(term, ctx, {"x": v}) for v in (1, 2, 1)] == [1, 2, 1]
    assert counting.calls == 3


def _partner_term(lowerer: Lowerer, text: str) -> ir.Term:
    """*text* lowered with ``p`` bound to a partner."""
    lowered = Lowerer(
        lowerer.vocab, lowerer.functions, {}, {"p": RecordType("Partner", "partners[]")}
    )
    term = lowered.expression(text)
    assert term is not None, lowered.issues
    return term[0]


def _partners(facts: FactSet, path: str | None = None) -> list[Located]:
    """The partners as located items, at their own paths or all at *path*."""
    return [
        Located(record, path or f"partners[{i}]")
        for i, record in enumerate(facts.partnership.partners)
    ]


def test_a_term_that_reads_one_record_is_computed_once_per_record_and_context(
    lowerer: Lowerer, facts: FactSet, counting: Counting
) -> None:
    # Prefiltering, building facts, explaining and the message all read the values
    # of a matched record, which the context shares as one located item.
    term = _partner_term(lowerer, "counted(p.headcount)")
    a, b = _partners(facts)
    ctx = Context(facts)
    assert [evaluate_term(term, ctx, {"p": item}) for item in (a, b, a, b)] == [10, 30, 10, 30]
    assert counting.calls == 2
    assert evaluate_term(term, Context(facts), {"p": a}) == 10
    assert counting.calls == 3


def test_an_aggregate_shares_a_collections_items_within_a_context(
    lowerer: Lowerer, facts: FactSet, counting: Counting
) -> None:
    # The items of partners are located once per context, so what is memoised per
    # item carries over from one binding's evaluation to the next.
    term = _partner_term(lowerer, "count(q in partners where counted(q.headcount) > p.headcount)")
    ctx = Context(facts)
    assert [evaluate_term(term, ctx, {"p": item}) for item in _partners(facts)] == [1, 0]
    assert counting.calls == 2


def test_items_at_one_path_are_not_taken_for_each_other(
    lowerer: Lowerer, facts: FactSet, counting: Counting
) -> None:
    # A function's table result is located at the text of its call, so two
    # different values can share a path: only the item itself may answer for it.
    term = _partner_term(lowerer, "counted(p.headcount)")
    ctx = Context(facts)
    values = [evaluate_term(term, ctx, {"p": item}) for item in _partners(facts, "f(x)")]
    assert values == [10, 30]
    assert counting.calls == 2


def test_a_traced_condition_without_bindings_repeats_its_checks(
    lowerer: Lowerer, facts: FactSet, counting: Counting
) -> None:
    cond = condition(lowerer, "counted(len(partners)) == 2 and len(partners) > 1")
    ctx = Context(facts)
    traces: list[list[Check]] = [[], []]
    for trace in traces:
        assert evaluate_cond(cond, ctx, {}, trace) is True
    assert traces[0] == traces[1]
    assert [c.text for c in traces[0]] == ["counted(len(partners)) == 2", "len(partners) > 1"]
    assert counting.calls == 1


def test_an_unhashable_constant_gets_a_key_of_its_own() -> None:
    program = Program()
    listed = ir.Const([1, 2])
    assert program.memo_key(listed) != program.memo_key(ir.Const([1, 2]))
    assert program.memo_key(ir.Const(3)) == program.memo_key(ir.Const(3))


def test_threads_compiling_one_program_get_one_closure_per_node(
    lowerer: Lowerer, facts: FactSet
) -> None:
    cond = condition(lowerer, "len(partners) == 2")
    program = Program()
    seen: list[Any] = []
    start = threading.Barrier(4)

    def compile_it() -> None:
        start.wait()
        seen.append(program.cond(cond))

    threads = [threading.Thread(target=compile_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(fn) for fn in seen}) == 1
    assert seen[0](Context(facts, program=program), {}) is True


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "a", "b", "ab"]),
    st.dates(date(2020, 1, 1), date(2020, 1, 5)),
    st.just(Unknown(frozenset({"x is unknown"}))),
)


@given(
    op=st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    left=_VALUES,
    right=_VALUES,
)
def test_the_short_cut_comparison_agrees_with_compare(op: str, left: Any, right: Any) -> None:
    assert _comparison(op)(left, right) == compare(op, left, right)


@given(
    op=st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    left=_VALUES,
    right=_VALUES,
)
def test_a_comparison_with_a_constant_agrees_with_compare(op: str, left: Any, right: Any) -> None:
    test = _compare_with_constant(op, lambda ctx, env: left, right)
    assert test(None, {}) == compare(op, left, right)  # type: ignore[arg-type]


@given(
    op=st.sampled_from(["in", "not in"]),
    left=st.one_of(_VALUES, st.builds(Located, st.just({"a": 1}), st.just("t"))),
    members=st.lists(_VALUES.filter(lambda v: type(v) is not Unknown), max_size=4),
)
def test_membership_in_a_constant_list_agrees_with_compare(
    op: str, left: Any, members: list[Any]
) -> None:
    test = _compare_with_constant(op, lambda ctx, env: left, members)
    assert test(None, {}) == compare(op, left, members)  # type: ignore[arg-type]


def test_a_node_asked_again_keeps_its_key_without_being_hashed() -> None:
    program = Program()
    hashes = 0

    class Counting(ir.Const):  # type: ignore[misc]
        def __hash__(self) -> int:
            nonlocal hashes
            hashes += 1
            return super().__hash__()

    node = Counting(3)
    key = program.memo_key(node)
    first = hashes
    assert program.memo_key(node) == key
    assert hashes == first
    # An equal node shares the key; it is hashed to find it, once.
    twin = Counting(3)
    assert program.memo_key(twin) == key
    assert program.memo_key(twin) == key
    assert hashes == first + 1
    # An unhashable node keeps the key it was given, and equal ones still get their own.
    listed = ir.Const([1])
    assert program.memo_key(listed) == program.memo_key(listed)
    assert program.memo_key(listed) != program.memo_key(ir.Const([1]))
