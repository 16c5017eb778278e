"""Findings built by the engine's fast path equal those of the straightforward algorithm.

The reference below is the plain way to build a finding: order the matches by
their JSON-encoded bindings, evaluate each piece of evidence on its own, and
take the most severe grade. The engine shares work between these steps; every
finding it builds must still be the one the reference builds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realign.assessment import Check, Evidence, Finding, severity_rank
from realign.engine import engine as engine_module
from realign.engine.engine import Engine, _check, _format, ordered
from realign.engine.evaluate import Context, evaluate_cond, evaluate_term
from realign.engine.outcome import Bound, RuleOutcome
from realign.engine.reading import Check as TracedCheck
from realign.engine.reading import Located, Trace, plain
from realign.plugins import get_plugin_manager
from realign.rules.catalog import CompiledRule
from realign.rules.values import Unknown

POOL = Path("/tmp/perf/pool")
DATA = Path(__file__).resolve().parent.parent / "data"

_KEY = json.JSONEncoder(sort_keys=True, default=str)

# Several matches per finding, graded severities and conditional actions: the
# paths the single-match fast path skips.
GRADED = """
[ruleset]
id = "graded"
version = "0.1.0"
title = "Graded rules for the findings fast path"
realign = ">=0.1"

[[rules]]
id = "GR-01"
title = "Every decision"
area = "governance"
severity = "low"
for = { d = "decisions" }
when = "exists d.raised"
message = "{d.id} raised {d.raised}; {count(x in decisions where x.open)} open"
severity_if = [
  { when = "d.open", severity = "high" },
  { when = "d.latency_days > 60", severity = "medium" },
]
actions_if = [{ when = "matches >= 2", actions = ["GR-A1"] }]

[[rules]]
id = "GR-02"
title = "Pairs of partners"
area = "culture"
severity = "info"
for = { a = "partners", b = "partners" }
when = "a.id != b.id"
severity_if = [{ when = "matches > 100", severity = "critical" }]

[[actions]]
id = "GR-A1"
title = "Look at the decisions"
"""


def reference_ordered(matches: Sequence[tuple[int, ...]], bound: Bound) -> list[tuple[int, ...]]:
    if len(matches) < 2:
        return list(matches)

    def whole(combo: tuple[int, ...]) -> str:
        env = bound.env(combo)
        values = []
        for name in bound.names:
            value = env[name]
            if isinstance(value, Located) and attrs.has(type(value.value)):
                values.append(attrs.asdict(value.value))
            else:
                values.append(plain(value))
        return _KEY.encode(values)

    def named(combo: tuple[int, ...]) -> str:
        env = bound.env(combo)
        return _KEY.encode([plain(env[name]) for name in bound.names])

    keys = {combo: named(combo) for combo in matches}
    if len(set(keys.values())) == len(keys):
        return sorted(matches, key=keys.__getitem__)
    return sorted(matches, key=lambda combo: (keys[combo], whole(combo)))


def reference_finding(
    engine: Engine, rule: CompiledRule, outcome: RuleOutcome, bound: Bound, ctx: Context
) -> Finding:
    parts = engine._reports[rule.id]
    matches = reference_ordered(outcome.matches, bound)
    count = len(matches)
    actions = list(rule.actions)
    evidence = []
    traces: list[Trace] = []
    for combo in matches:
        env = bound.env(combo)
        scope = {**env, "matches": count}
        for cond, named in rule.actions_if:
            if evaluate_cond(cond, ctx, scope) is True:
                actions.extend(a for a in named if a not in actions)
        trace: Trace = []
        traces.append(trace)
        for traced in parts.traced:
            traced(ctx, env, trace)
        grade = rule.severity
        for cond, severity in rule.severity_if:
            if evaluate_cond(cond, ctx, scope) is True:
                grade = severity
                break
        evidence.append(
            Evidence(
                bindings={name: plain(value) for name, value in env.items()},
                severity=grade,
                checks=tuple(
                    Check(
                        condition=c.text,
                        left=c.left,
                        op=c.op,
                        actual=plain(c.actual),
                        right=c.right,
                        threshold=plain(c.threshold),
                    )
                    for c in trace
                    if c.result is True
                ),
            )
        )
    severity = max((e.severity for e in evidence), key=severity_rank, default=rule.severity)
    first = bound.env(matches[0]) if matches else {}
    message = "".join(
        part if isinstance(part, str) else _format(evaluate_term(part, ctx, first))
        for part in rule.message
    )
    return Finding(
        rule=rule.id,
        title=rule.title,
        area=rule.area,
        severity=severity,
        message=message,
        evidence=tuple(evidence),
        actions=() if severity == "info" else tuple(actions),
        conditions=parts.texts,
        params=dict(parts.params),
        rationale=rule.rationale,
        sources=rule.sources,
        tags=rule.tags,
    )


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Engine]:
    graded = tmp_path_factory.mktemp("graded") / "graded.toml"
    graded.write_text(GRADED, encoding="utf-8")
    plugin_manager = get_plugin_manager(load_entrypoints=False)
    return {
        "default": Engine.default(plugin_manager=plugin_manager),
        "sample+graded": Engine(
            [DATA / "rulesets" / "sample.toml", graded],
            plugin_manager=plugin_manager,
            backend="python",
        ),
    }


def _sources(examples_dir: Path) -> Iterator[Path]:
    yield examples_dir / "case_study_before.toml"
    yield examples_dir / "healthy.toml"
    yield from sorted(POOL.glob("*.json"))[:25]


@pytest.mark.parametrize("which", ["default", "sample+graded"])
def test_findings_equal_the_reference(
    engines: dict[str, Engine],
    which: str,
    examples_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = engines[which]
    fast = Engine._finding
    seen = {"findings": 0, "several": 0, "graded": 0}

    def both(
        self: Engine, rule: CompiledRule, outcome: RuleOutcome, bound: Bound, ctx: Context
    ) -> Finding:
        expected = reference_finding(self, rule, outcome, bound, ctx)
        got = fast(self, rule, outcome, bound, ctx)
        assert got == expected, rule.id
        assert got.to_dict() == expected.to_dict(), rule.id
        seen["findings"] += 1
        seen["several"] += len(outcome.matches) > 1
        seen["graded"] += len({e.severity for e in got.evidence}) > 1
        return got

    monkeypatch.setattr(Engine, "_finding", both)
    for source in _sources(examples_dir):
        engine.assess(source)
    assert seen["findings"] > 0
    assert seen["several"] > 0
    if which == "sample+graded":
        assert seen["graded"] > 0


def test_graded_finding_takes_the_most_severe_grade(
    engines: dict[str, Engine], examples_dir: Path
) -> None:
    finding = (
        engines["sample+graded"].assess(examples_dir / "case_study_before.toml").finding("GR-01")
    )
    grades = [e.severity for e in finding.evidence]
    assert len(set(grades)) > 1
    assert finding.severity == max(grades, key=severity_rank)
    assert finding.actions == ("GR-A1",)
    ids = [e.bindings["d"]["id"] for e in finding.evidence]
    assert ids == sorted(ids, key=lambda i: _KEY.encode([{"id": i}]))
    assert finding.message.startswith(f"{ids[0]} raised ")


_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from([0.5, 2.0, -1.25])
    | st.text(alphabet='abé"\\z', max_size=3),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from("ab"), inner),
    max_leaves=4,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(_values, min_size=1, max_size=4), min_size=1, max_size=2),
    st.data(),
)
def test_ordered_matches_the_reference(columns: list[list[Any]], data: st.DataObject) -> None:
    names = tuple(f"v{i}" for i in range(len(columns)))
    bound = Bound(names, tuple(tuple(c) for c in columns))
    combos = data.draw(
        st.lists(st.tuples(*(st.integers(0, len(c) - 1) for c in columns)), unique=True, max_size=6)
    )
    assert ordered(combos, bound) == reference_ordered(combos, bound)


@attrs.frozen
class _Record:
    period: str
    score: int


def test_ordered_breaks_ties_by_whole_records() -> None:
    # No id, the same key fields: only their whole content tells them apart.
    a = Located(_Record("2024-Q1", 3), "x[0]")
    b = Located(_Record("2024-Q1", 1), "x[1]")
    c = Located(_Record("2023-Q4", 9), "x[2]")
    bound = Bound(("r",), ((a, b, c),))
    assert plain(a) == plain(b)
    assert ordered([(0,), (1,), (2,)], bound) == [(2,), (1,), (0,)]
    assert ordered([(0,), (1,), (2,)], bound) == reference_ordered([(0,), (1,), (2,)], bound)


class _Level(float):
    pass


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2.5,
        "text",
        date(2024, 1, 2),
        Decimal("1.5"),
        [1, date(2024, 1, 2)],
        Unknown(frozenset({"why"})),
        Located({"a": 1}, "t"),
        _Level(1.5),
    ],
)
def test_check_is_plain(value: Any) -> None:
    traced = TracedCheck("c", ">", "l", value, "r", value, True)
    check = _check(traced)
    assert check.actual == plain(value)
    assert type(check.actual) is type(plain(value))
    assert check.threshold == plain(value)
    assert (check.condition, check.op, check.left, check.right) == ("c", ">", "l", "r")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.0, "0"),
        (-0.001, "-0"),
        (2.345, "2.35"),
        (10.5, "10.5"),
        (float("nan"), "nan"),
        (True, "yes"),
        (False, "no"),
        (7, "7"),
        (None, "none"),
        (_Level(2.5), "2.5"),
        (Decimal("3.10"), "3.1"),
        ([1.5, True], "1.5, yes"),
    ],
)
def test_format(value: Any, text: str) -> None:
    assert _format(value) == text


def test_message_evaluates_through_the_program(
    engines: dict[str, Engine], examples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The message skips evaluate_term's call; it must still read the context's program.
    engine = engines["sample+graded"]
    rule = next(r for r in engine.rules if r.id == "GR-01")
    facts = engine.facts(examples_dir / "case_study_before.toml")
    ctx = Context(facts, program=engine._program)
    asked: list[Any] = []
    term = ctx.program.term

    def spy(node: Any) -> Any:
        asked.append(node)
        return term(node)

    monkeypatch.setattr(ctx.program, "term", spy)
    env: Mapping[str, Any] = {"d": Located(facts.partnership.decisions[0], "decisions[0]")}
    message = engine._message(rule, ctx, env)
    assert asked == [p for p in rule.message if not isinstance(p, str)]
    assert message.startswith(f"{facts.partnership.decisions[0].id} raised ")
    assert engine_module.evaluate_term is evaluate_term


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        _values
        | st.sampled_from([float("nan"), float("inf"), date(2024, 1, 2)])
        | st.dictionaries(st.integers(0, 3), st.integers(), max_size=3),
        max_size=4,
    )
)
def test_sort_key_is_the_encoders(values: list[Any]) -> None:
    assert engine_module._sort_key(values) == _KEY.encode(values)
