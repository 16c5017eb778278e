"""How rules are laid out as durable_rules patterns."""

from __future__ import annotations

from realign import get_plugin_manager
from realign.engine.engine import Engine
from realign.rules import ir


def test_a_rule_with_one_binding_matches_one_fact_without_a_join() -> None:
    # A value that reads no binding is the same for every item, so it is carried
    # on each item's fact: a join with a separate context fact would cost
    # durable_rules a beta node and a second fact per rule and assessment.
    engine = Engine.default(plugin_manager=get_plugin_manager(load_entrypoints=False))
    single = [m for m in engine._matches.values() if len(m.rule.bindings) == 1]
    closed = [m for m in single if any(not ir.free_vars(s.term) for s in m.slots)]
    assert closed, "the standard catalog has single-binding rules with rule-wide values"
    for match in single:
        ((name, _),) = match.rule.bindings
        assert match.owners == ((name,),), match.rule.id
        assert len(match.definition["all"]) == 1, match.rule.id


def test_a_condition_that_reads_no_binding_is_one_boolean_slot() -> None:
    # Its truth value is the same for every item; the prefilter has it already.
    engine = Engine.default(plugin_manager=get_plugin_manager(load_entrypoints=False))
    names = {m.rule.id: {n for n, _ in m.rule.bindings} for m in engine._matches.values()}
    closed = 0
    for match in engine._matches.values():
        for cond in match.rule.conditions:
            if ir.free_vars(cond) & names[match.rule.id]:
                continue
            closed += 1
            slots = [s for s in match.slots if s.term == cond]
            assert len(slots) == 1, (match.rule.id, cond.text)
            assert slots[0].is_cond, (match.rule.id, cond.text)
    assert closed > 20
