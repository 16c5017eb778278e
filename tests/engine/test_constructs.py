"""Every construct of the condition language, on both example partnerships and both backends.

``tests/data/rulesets/constructs.toml`` holds one rule per construct. The outcome
of each rule on each example was worked out by hand from the fact files (the
arithmetic is in the comments below), not copied from a run; the tests check
the engine against that, on the durable_rules backend and on the Python
evaluator, and check that the two write byte-identical JSON.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from realign import get_plugin_manager
from realign.assessment import Assessment
from realign.engine.engine import Engine
from realign.rules import syntax
from realign.rules.functions import builtin_functions

RULESET = Path(__file__).resolve().parents[1] / "data" / "rulesets" / "constructs.toml"
EXAMPLES = ("case_study_before", "healthy")
BACKENDS = ("durable_rules", "python")

Outcome = tuple[str, Any]
PASSED: Outcome = ("passed", None)
ABSENT: Outcome = ("absent", None)
NOT_STATED = "is unknown (not stated in the fact file)"


def fired(*matches: str | tuple[str, ...]) -> Outcome:
    """Fired, with the records each match binds (by id; one empty match without bindings)."""
    combos = sorted(m if isinstance(m, tuple) else (m,) for m in matches)
    return ("fired", combos or [()])


def not_evaluable(reason: str) -> Outcome:
    return ("not_evaluable", reason)


# (case study as of 2024-03-31, healthy as of 2025-06-30)
EXPECTED: dict[str, tuple[Outcome, Outcome]] = {
    # high_pace: true / false
    "C01-eq": (fired(), PASSED),
    # case M4 is an operating review; healthy M2, M4, M6 are strategy syncs
    "C02-ne": (fired("M4"), fired("M2", "M4", "M6")),
    # internal alignment: corvid 4, ironbridge 2 / helix 4, nimbus 4
    "C03-lt": (fired("ironbridge"), PASSED),
    # priority gaps: O1 |3-5| 2, O2 3, O3 3 / O1 |5-5| 0, O2 1, O3 1
    "C04-le": (PASSED, fired("O1")),
    # levels: E1 2, E2 2, E3-E5 1 / E1 1
    "C05-gt": (fired("E1", "E2"), PASSED),
    # decisions made: 2, 0, 1, 0 / M1 3 (M2, M4, M6 do not say: unknown, but M1 fires)
    "C06-ge": (PASSED, fired("M1")),
    # 'corvid' < 'd' < 'helix', 'ironbridge', 'nimbus'
    "C07-string-order": (fired("corvid"), PASSED),
    # raised: D3 2024-01-15, D4 2024-02-20 / every decision in 2025
    "C08-date-literal": (fired("D4"), fired("D1", "D2", "D3", "D4")),
    # categories: E3 resource / E1 data_access
    "C09-in": (fired("E3"), fired("E1")),
    # only case M4 is neither a steering committee nor a strategy sync
    "C10-not-in": (fired("M4"), PASSED),
    # O2 is agreed by corvid alone / every objective by both
    "C11-not-in-field": (fired(("O2", "ironbridge")), PASSED),
    # priority tables are keyed corvid/ironbridge / helix/nimbus
    "C12-in-table": (fired("O1", "O2", "O3"), PASSED),
    # committee exists, charter false / true, true
    "C13-and": (PASSED, fired()),
    # escalation path and scorecard: false, false / true, true
    "C14-or": (PASSED, fired()),
    # decision protocol documented: false / true
    "C15-not": (fired(), PASSED),
    # contract_end is stated in neither file; high_pace true / false
    "C16-kleene-or": (
        fired(),
        not_evaluable(f"partnership.contract_end {NOT_STATED}"),
    ),
    "C17-kleene-and": (
        not_evaluable(f"partnership.contract_end {NOT_STATED}"),
        PASSED,
    ),
    # shortfall in %: firmware 2.5/6 = 41.7, test units 10, cloud 12.5 / 0, 10
    "C18-arith": (fired("firmware engineers"), PASSED),
    # M3: 1 decision (odd), no agenda (-1, negated 1 > 0) / odd counts M1 (3) and M7 (1)
    # sent agendas 5 and 3 days ahead; M2, M4, M6 do not say, but their agendas fail
    "C19-mod-neg": (fired("M3"), PASSED),
    # days before as_of: M1 387, M2 263, M3 150, M4 66 /
    # M1 283, M2 258, M3 200, M4 165, M5 102, M6 81, M7 25
    "C20-date-minus": (fired("M1", "M2", "M3"), fired("M1", "M2", "M3", "M4", "M5")),
    # open: MS3 due 2024-02-29 (+2w = 03-14 < 03-31), MS4 due 03-25 (+2w = 04-08) /
    # MS3 due 2025-07-31
    "C21-date-plus-weeks": (fired("MS3"), PASSED),
    # opened days ago: E1 163, E2 83, E3 55, E4 34, E5 19 / E1 140
    "C22-within-q": (fired("E2", "E3", "E4", "E5"), PASSED),
    # within 182 days: 5 / 1
    "C23-within-h": (fired(), PASSED),
    # last revised 2023-01-15, 441 days / 81 and 165 days
    "C24-year": (fired("O1", "O2", "O3"), PASSED),
    "C25-as-of": (PASSED, fired()),
    # open decisions: D3, D4 / none
    "C26-count": (fired(), PASSED),
    # shortfalls: 2.5 + 20 + 1 = 23.5 / 0 + 0.5
    "C27-sum": (fired(), PASSED),
    # latencies: 76, 81, 76 (open), 40 (open) / 14, 19, 14, 15
    "C28-min": (PASSED, fired()),
    # latest escalation: 2024-03-12, 19 days / 2025-02-10, 140 days
    "C29-max-date": (fired(), PASSED),
    # pulse composites within 91 days: 2.6 and 3.5 (mean 3.05) / 4.2 and 4.0 (4.1)
    "C30-mean": (fired(), PASSED),
    # median latency within 182 days: 76 / 14.5
    "C31-median": (fired(), PASSED),
    # largest culture gap: 3 / 2
    "C32a-max-list": (fired(), PASSED),
    # escalations: 5 / 1
    "C32b-count-list": (fired(), PASSED),
    # opened last quarter and the one before: 4 and 1 / 0 and 1
    "C32c-min-args": (fired(), PASSED),
    # escalations per category within 182 days: 4 + 1 / 1
    "C32d-sum-list": (fired(), PASSED),
    # culture profile ages: 21, 21 / 161, 161
    "C32e-mean-list": (fired(), PASSED),
    # twelve gaps, sorted: 1 1 1 1 2 [2 2.5] 2.5 3 3 3 3 / 0 0 0 1 1 [1 1] 1 1 1 1.5 2
    "C32f-median-list": (fired(), PASSED),
    # E2 is open at level 2 / the one escalation is resolved
    "C33-any": (fired(), PASSED),
    # steering-committee minutes: M1 unpublished / all four published
    "C34-all-value": (PASSED, fired()),
    # alliance functions: none / helix has one
    "C35-none": (fired(), PASSED),
    # no KPI jointly agreed / all four
    "C36-all-where": (PASSED, fired()),
    # documented and deadlock mechanism: false / true
    "C37-all-list": (PASSED, fired()),
    # decided: D1, D2 (D3, D4 not yet: missing, not unknown) / all four
    "C38-exists": (fired("D1", "D2"), fired("D1", "D2", "D3", "D4")),
    # no strategy sync ever held / last one 2025-04-10
    "C39-not-exists": (fired(), PASSED),
    # E1 was settled unilaterally / jointly
    "C40-exists-in": (fired(), PASSED),
    "C41-not-exists-in": (fired(), PASSED),
    # neither file states a working agreement
    "C42-exists-unknown": (
        not_evaluable(f"culture.working_agreement {NOT_STATED}"),
        not_evaluable(f"culture.working_agreement {NOT_STATED}"),
    ),
    # pace gap: |5-2| 3 / |3-4| 1, against 2.5
    "C43-param-number": (fired(), PASSED),
    # opened within 91 days: 4 / 0, against 3
    "C44-param-integer": (fired(), PASSED),
    # median latency 76 / 14.5, against 30
    "C45-param-duration": (fired(), PASSED),
    # started 2023-01-15 / 2023-04-01, against 2023-03-01
    "C46-param-date": (fired(), PASSED),
    "C47-param-string": (fired("ironbridge"), PASSED),
    # high_pace true / false, against false
    "C48-param-boolean": (PASSED, fired()),
    # |4 - 2| = 2 for the one pair / |4 - 4| = 0
    "C49-abs": (fired(("corvid", "ironbridge")), PASSED),
    # response rates: corvid 9/14 -> 0.6, ironbridge 6/15 = 0.4 /
    # 11/14 -> 0.8, 12/14 -> 0.9, 9/12 = 0.75 -> 0.8, 10/12 -> 0.8
    "C50-round-places": (fired("ironbridge"), PASSED),
    # median latency 76 / 14.5, which rounds half away from zero to 15
    "C50b-round-half": (PASSED, fired()),
    # O2 is agreed by one partner / all by two
    "C51-len": (fired("O2"), PASSED),
    # last actual < first target: K1 0 < 5, K2 9 < 10, K3 9.5 < 5 no /
    # K1 83 < 20 no, K2 89 < 90, K3 1450 < 800 no, K4 4.4 < 6.0
    "C52-first-last": (fired("K1", "K2"), fired("K2", "K4")),
    # smallest of the last two actuals: K1 0, K2 8, K3 7.5 / K1 62, K2 86, K3 1230, K4 4.4
    "C53-last-n": (fired("K1", "K3"), fired("K4")),
    # escalations per category: product_priority 4, resource 1 / data_access 1
    "C54-keys": (fired("product_priority"), PASSED),
    # respondents: 8 + 9 / 9 + 7
    "C55-values": (fired(), PASSED),
    # gaps of 3: leading, risk_appetite, pace, process_formality / largest 2
    "C56-entries": (fired("leading", "pace", "process_formality", "risk_appetite"), PASSED),
    # action items due within 182 days closed on time: AI3 of AI1-AI3 (1/3) /
    # all but AI4 (5/6)
    "C57-ratio": (fired(), PASSED),
    # financial KPIs: K2 (9-6)/6 = 50%, K3 (9.5-4)/4 = 137.5% / K3 (1450-820)/820 = 76.8%
    "C58-percent-change": (fired("K2"), PASSED),
    # no feedback channels / FC1 is an anonymous form
    "C59-lower": (PASSED, fired("FC1")),
    # no SLA stated, so 30: 76 > 30 / SLA 21: 14.5 > 21 no
    "C60-coalesce": (fired(), PASSED),
    # SLA not stated / 21
    "C61-known": (PASSED, fired()),
    # weights of 5: O1 ironbridge, O2 corvid, O3 ironbridge / O1 helix and nimbus, O2 nimbus
    "C62-table-index": (
        fired(("O1", "ironbridge"), ("O2", "corvid"), ("O3", "ironbridge")),
        fired(("O1", "helix"), ("O1", "nimbus"), ("O2", "nimbus")),
    ),
    # O1 weight of ironbridge 5 / O1 states no weight for ironbridge: a key a stated
    # table leaves out is not stated, so unknown (not "missing")
    "C63-literal-index": (
        fired(),
        not_evaluable(f"objectives[0].priority.ironbridge {NOT_STATED}"),
    ),
    # K2's latest actual against half its target: 9 < 10 / 89 < 45 no
    "C63b-negative-index": (fired(), PASSED),
    # respondents below 9: corvid 8 / nimbus 7
    "C64-join-two": (fired(("corvid", "corvid")), fired(("nimbus", "nimbus"))),
    # each KPI's owner gives its objective weight 5 / KPIs are owned jointly
    "C65-join-three": (
        fired(("O1", "K1", "ironbridge"), ("O2", "K2", "corvid"), ("O3", "K3", "ironbridge")),
        PASSED,
    ),
    # closed more than 30 days after the meeting: AI1 (M3 11-02 -> 01-10; AI2 still open,
    # AI3 02-10 before 02-24) / AI2 (M4 01-16 -> 02-27), AI4 (M5 03-20 -> 05-09),
    # AI5 (M6 04-10 -> 05-15), AI6 (M6 -> 05-28); AI1 02-12 and AI3 04-14 are inside
    "C66-join-dates": (
        fired(("AI1", "M3")),
        fired(("AI2", "M4"), ("AI4", "M5"), ("AI5", "M6"), ("AI6", "M6")),
    ),
    # no health check / one, with an action plan
    "C67-requires-reason": (not_evaluable("no health check on record"), fired()),
    # no escalation path / a path, but no escalation in the last quarter
    "C68-requires-default": (
        not_evaluable("requires governance.escalation_path.defined"),
        PASSED,
    ),
    # open: E2-E5 / none
    "C69-severity-matches": (fired("E2", "E3", "E4", "E5"), PASSED),
    # named contacts: 4, 2 / 6, 5
    "C70-severity-binding": (fired("corvid", "ironbridge"), fired("helix", "nimbus")),
    # open at level 2: E2 / none
    "C71-message": (fired("E2"), PASSED),
    # 4 escalations in the last quarter (emits 4 open) / none (emits nothing)
    "C72-emit": (fired(), PASSED),
    "C73-read-emitted": (fired(), PASSED),
    # C15 fired / passed
    "C74-fired": (fired(), PASSED),
    # C16 fired / not evaluable
    "C75-not-fired": (PASSED, not_evaluable("C16-kleene-or is not evaluable")),
    # C01 and C15 (tagged probe) both fired / both passed
    "C76-findings-tags": (fired(), PASSED),
    # C02 matched once / three times
    "C77-findings-matches": (PASSED, fired()),
    "C78-disabled": (ABSENT, ABSENT),
    # one wave per partner / helix 4.1 -> 4.2
    "C79-increasing": (PASSED, fired()),
    # two partners: 4 > 3 > 2 on both
    "C80-decreasing": (fired(), fired()),
}


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture(scope="module")
def assessments(pm: pluggy.PluginManager) -> dict[tuple[str, str], Assessment]:
    """Each example assessed on each backend, with one engine per backend."""
    out = {}
    for backend in BACKENDS:
        engine = Engine([RULESET], plugin_manager=pm, backend=backend)  # type: ignore[arg-type]
        for example in EXAMPLES:
            path = Path(__file__).resolve().parents[2] / "examples" / f"{example}.toml"
            out[backend, example] = engine.assess(path)
    return out


def name_of(value: Any) -> str:
    """The record a binding names: its id, or the telling field of its key."""
    if isinstance(value, str):
        return value
    if "id" in value:
        return str(value["id"])
    key = value.get("key")
    if isinstance(key, str):  # an entry of a table
        return key
    if isinstance(key, dict):
        for field in ("resource", "respondent_org", "partner"):
            if field in key:
                return str(key[field])
    return repr(value)


def outcome_of(assessment: Assessment, rule: str) -> Outcome:
    for finding in assessment.findings:
        if finding.rule == rule:
            combos = sorted(
                tuple(name_of(v) for v in evidence.bindings.values())
                for evidence in finding.evidence
            )
            return ("fired", combos)
    if rule in assessment.passed:
        return PASSED
    for skipped in assessment.not_evaluable:
        if skipped.rule == rule:
            return ("not_evaluable", skipped.reason)
    return ABSENT


def rule_ids() -> list[str]:
    data = tomllib.loads(RULESET.read_text(encoding="utf-8"))
    return [rule["id"] for rule in data["rules"]]


def test_every_rule_has_an_expectation() -> None:
    assert rule_ids() == list(EXPECTED)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("rule", list(EXPECTED))
def test_rule_outcome(
    assessments: dict[tuple[str, str], Assessment], backend: str, example: str, rule: str
) -> None:
    expected = EXPECTED[rule][EXAMPLES.index(example)]
    assert outcome_of(assessments[backend, example], rule) == expected


@pytest.mark.parametrize("example", EXAMPLES)
def test_backends_write_identical_json(
    assessments: dict[tuple[str, str], Assessment], example: str
) -> None:
    durable = assessments["durable_rules", example].to_json()
    python = assessments["python", example].to_json()
    assert durable == python


@pytest.mark.parametrize("backend", BACKENDS)
def test_severity_if_counts_matches(
    assessments: dict[tuple[str, str], Assessment], backend: str
) -> None:
    finding = assessments[backend, "case_study_before"].finding("C69-severity-matches")
    # four matches: "matches >= 3" is the first severity_if that holds, for every match
    assert finding.severity == "high"
    assert [e.severity for e in finding.evidence] == ["high"] * 4


@pytest.mark.parametrize("backend", BACKENDS)
def test_severity_if_reads_the_binding(
    assessments: dict[tuple[str, str], Assessment], backend: str
) -> None:
    case = assessments[backend, "case_study_before"].finding("C70-severity-binding")
    healthy = assessments[backend, "healthy"].finding("C70-severity-binding")
    assert (case.severity, [e.severity for e in case.evidence]) == ("low", ["low", "low"])
    assert (healthy.severity, [e.severity for e in healthy.evidence]) == (
        "critical",
        ["critical", "critical"],
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_message_template(assessments: dict[tuple[str, str], Assessment], backend: str) -> None:
    finding = assessments[backend, "case_study_before"].finding("C71-message")
    assert finding.message == "E2 opened 2024-01-08, level 2; 4 open {braces}"
    # without a template, the message is the title
    assert assessments[backend, "case_study_before"].finding("C01-eq").message == "== on a boolean"


@pytest.mark.parametrize("backend", BACKENDS)
def test_emitted_fact(assessments: dict[tuple[str, str], Assessment], backend: str) -> None:
    case = assessments[backend, "case_study_before"].facts.derived["escalations.open_now"]
    healthy = assessments[backend, "healthy"].facts.derived["escalations.open_now"]
    # E2-E5 are open; on the healthy partnership the rule passed: the fact is missing
    assert (case.known, case.value) == (True, 4)
    assert (healthy.known, healthy.value) == (True, None)


# --- the rule set covers the whole language ---------------------------------------------


def _conditions() -> Iterator[str]:
    data = tomllib.loads(RULESET.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        when = rule["when"]
        yield from [when] if isinstance(when, str) else when
        yield from rule.get("for", {}).values()
        for requirement in rule.get("requires", []):
            yield requirement if isinstance(requirement, str) else requirement["when"]
        yield from (s["when"] for s in rule.get("severity_if", []))
        yield from rule.get("emit", {}).values()


def _nodes() -> list[syntax.Node]:
    return [node for text in _conditions() for node in syntax.walk(syntax.parse(text))]


def test_every_operator_is_exercised() -> None:
    nodes = _nodes()
    compares = {n.op for n in nodes if isinstance(n, syntax.Compare)}
    arithmetic = {n.op for n in nodes if isinstance(n, syntax.BinOp)}
    logic = {n.op for n in nodes if isinstance(n, syntax.Logic)}
    assert compares == {"==", "!=", "<", "<=", ">", ">=", "in", "not in"}
    assert arithmetic == {"+", "-", "*", "/", "%"}
    assert logic == {"and", "or"}
    for kind in (syntax.Not, syntax.Neg, syntax.Exists, syntax.Within, syntax.Index):
        assert any(isinstance(n, kind) for n in nodes), kind.__name__


def test_every_aggregate_quantifier_and_function_is_exercised() -> None:
    nodes = _nodes()
    comprehensions = {n.func for n in nodes if isinstance(n, syntax.Comprehension)}
    calls = {n.name for n in nodes if isinstance(n, syntax.Call)}
    assert comprehensions | calls >= syntax.AGGREGATES
    # each aggregate also in its call form over a list
    assert {"count", "sum", "min", "max", "mean", "median", "all"} <= calls
    assert {f.name for f in builtin_functions()} | {"fired"} <= calls


def test_every_literal_constant_and_param_type_is_exercised() -> None:
    nodes = _nodes()
    kinds = {n.kind for n in nodes if isinstance(n, syntax.Literal)}
    names = {n.name for n in nodes if isinstance(n, syntax.Name)}
    units = {
        text[n.start : n.end][-1]
        for text in _conditions()
        for n in syntax.walk(syntax.parse(text))
        if isinstance(n, syntax.Literal) and n.kind == "duration"
    }
    assert kinds == {"number", "duration", "date", "string", "bool"}
    assert {"Q", "H", "Y", "as_of", "findings"} <= names
    assert units == {"d", "w"}
    params = tomllib.loads(RULESET.read_text(encoding="utf-8"))["params"]
    assert {p["type"] for p in params.values()} == {
        "number",
        "integer",
        "duration",
        "date",
        "string",
        "boolean",
    }
    assert set(params) <= names


def test_every_rule_key_is_exercised() -> None:
    rules = tomllib.loads(RULESET.read_text(encoding="utf-8"))["rules"]
    widths = {len(r.get("for", {})) for r in rules}
    requirements = [q for r in rules for q in r.get("requires", [])]
    assert {0, 1, 2, 3} <= widths
    assert any(isinstance(q, str) for q in requirements)
    assert any(isinstance(q, dict) and "reason" in q for q in requirements)
    assert any("matches" in s["when"] for r in rules for s in r.get("severity_if", []))
    assert any("message" in r for r in rules)
    assert any("emit" in r for r in rules)
    assert any(r.get("enabled") is False for r in rules)
    assert any("tags" in r for r in rules)


# --- many copies: the durable_rules backend splits a large catalog over several rulesets ----

COPIES = 6
_RULE_ID = r"\bC\d\d[a-z]?-[a-z-]+[a-z]"


def copies() -> list[Any]:
    """The rule set six times over (some 580 fact kinds), each copy with its own ids."""
    from realign.rules.ruleset import parse_ruleset_text

    text = RULESET.read_text(encoding="utf-8")
    body = text[text.index("[[rules]]") :]
    out = [parse_ruleset_text(text, source=str(RULESET))]
    for n in range(2, COPIES + 1):
        copy = re.sub(_RULE_ID, rf"\g<0>.{n}", body)
        copy = copy.replace("escalations.open_now", f"escalations.open_now_{n}")
        # params live in the first file; the copies share them
        head = f'[ruleset]\nid = "constructs-{n}"\nversion = "1.0.0"\ntitle = "Copy {n}"\n\n'
        out.append(parse_ruleset_text(head + copy, source=f"copy-{n}"))
    return out


@pytest.fixture(scope="module")
def many(pm: pluggy.PluginManager) -> dict[tuple[str, str], Assessment]:
    out = {}
    for backend in BACKENDS:
        engine = Engine(copies(), plugin_manager=pm, backend=backend)  # type: ignore[arg-type]
        if backend == "durable_rules":
            # the point of the copies: more fact kinds than one durable_rules ruleset takes
            assert len(engine._matchers) >= 2
        for example in EXAMPLES:
            path = Path(__file__).resolve().parents[2] / "examples" / f"{example}.toml"
            out[backend, example] = engine.assess(path)
    return out


@pytest.mark.parametrize("example", EXAMPLES)
def test_copies_split_over_rulesets_agree(
    many: dict[tuple[str, str], Assessment], example: str
) -> None:
    durable, python = many["durable_rules", example], many["python", example]
    assert durable.to_json() == python.to_json()
    for rule, outcomes in EXPECTED.items():
        expected = outcomes[EXAMPLES.index(example)]
        assert outcome_of(durable, rule) == expected, rule
        for n in range(2, COPIES + 1):
            copy = expected
            if expected[0] == "not_evaluable":
                copy = (expected[0], re.sub(_RULE_ID, rf"\g<0>.{n}", expected[1]))
            assert outcome_of(durable, f"{rule}.{n}") == copy, f"{rule}.{n}"
