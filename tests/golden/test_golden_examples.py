"""The standard catalog against DOMAIN §5's golden examples, end to end, on both backends.

The expectations come from an independent reference evaluation
(``../shared/domain/examples/*.expected.json``). What must match: the (rule,
severity) pairs of the findings, the not-evaluable set, the passed set, every
light and trend, every score within 0.05, and the plan's actions with their
priorities (and the ranking, which follows from DOMAIN §4.6).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from realign.assessment import Assessment
from realign.cli import main
from realign.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "domain" / "examples"
BUNDLED = ROOT / "examples"
EXAMPLES = ("healthy", "case_study_before")
BACKENDS = ("durable_rules", "python")


def expected(name: str) -> dict[str, Any]:
    path = SHARED / f"{name}.expected.json"
    if not path.is_file():
        pytest.skip(f"{path} is not beside this checkout")
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    return Engine.default(backend=request.param)


@pytest.fixture(scope="module")
def results(engine: Engine) -> dict[str, Assessment]:
    return {name: engine.assess(BUNDLED / f"{name}.toml") for name in EXAMPLES}


@pytest.mark.parametrize("name", EXAMPLES)
def test_findings_with_their_severities(results: dict[str, Assessment], name: str) -> None:
    want = {(f["id"], f["severity"]) for f in expected(name)["findings"]}
    assert {(f.rule, f.severity) for f in results[name].findings} == want


@pytest.mark.parametrize("name", EXAMPLES)
def test_not_evaluable_and_passed(results: dict[str, Assessment], name: str) -> None:
    document = expected(name)
    assert {n.rule for n in results[name].not_evaluable} == {
        n["id"] for n in document["not_evaluable"]
    }
    assert set(results[name].passed) == set(document["passed"])


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_finding_recommends_the_catalog_actions(
    results: dict[str, Assessment], name: str
) -> None:
    want = {f["id"]: sorted(f["actions"]) for f in expected(name)["findings"]}
    assert {f.rule: sorted(f.actions) for f in results[name].findings} == want


@pytest.mark.parametrize("name", EXAMPLES)
def test_area_scores_lights_and_trends(results: dict[str, Assessment], name: str) -> None:
    document = expected(name)
    areas = results[name].areas
    assert set(areas) == set(document["areas"])
    for area, want in document["areas"].items():
        got = areas[area]
        assert got.light == want["rag"], area
        assert got.trend == want["trend"], area
        assert got.score == pytest.approx(want["score"], abs=0.05), area


@pytest.mark.parametrize("name", EXAMPLES)
def test_overall_score_light_and_trend(results: dict[str, Assessment], name: str) -> None:
    want = expected(name)["overall"]
    overall = results[name].overall
    assert overall is not None
    assert overall.light == want["rag"]
    assert overall.trend == want["trend"]
    assert overall.score == pytest.approx(want["score"], abs=0.05)


@pytest.mark.parametrize("name", EXAMPLES)
def test_plan_actions_priorities_and_ranking(results: dict[str, Assessment], name: str) -> None:
    want = expected(name)["actions"]
    plan = results[name].plan
    assert [(p.action, p.priority) for p in plan] == [(a["id"], a["priority"]) for a in want]
    assert [p.rank for p in plan] == list(range(1, len(plan) + 1))
    for item, reference in zip(plan, want, strict=True):
        assert set(item.because) == set(reference["triggers"]), item.action


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_rule_of_the_catalog_has_one_outcome(
    results: dict[str, Assessment], name: str
) -> None:
    assessment = results[name]
    outcomes = [
        *(f.rule for f in assessment.findings),
        *(n.rule for n in assessment.not_evaluable),
        *assessment.passed,
    ]
    assert len(outcomes) == len(set(outcomes)) == 50
    assert assessment.coverage is not None
    assert assessment.coverage.rules == 50


def test_case_study_gaps_reported_elsewhere(results: dict[str, Assessment]) -> None:
    """DOMAIN §4.5: EWS-08 and CAM-02 are expected gaps, reported by EWS-07 and CAM-01."""
    coverage = results["case_study_before"].coverage
    assert coverage is not None
    assert set(coverage.reported_elsewhere) == {"EWS-08", "CAM-02"}
    assert set(coverage.data_gaps) == {"EWS-02", "EWS-05", "CAM-06"}
    assert coverage.evaluated == 45
    assert not coverage.low_confidence


def test_both_backends_give_byte_identical_json() -> None:
    for name in EXAMPLES:
        documents = {
            Engine.default(backend=b).assess(BUNDLED / f"{name}.toml").to_json() for b in BACKENDS
        }
        assert len(documents) == 1, name


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_cli_json_matches_too(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    document = expected(name)
    code = main(["assess", str(BUNDLED / f"{name}.toml"), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    got = json.loads(out)
    assert {(f["rule"], f["severity"]) for f in got["findings"]} == {
        (f["id"], f["severity"]) for f in document["findings"]
    }
    assert {a: v["light"] for a, v in got["areas"].items()} == {
        a: v["rag"] for a, v in document["areas"].items()
    }
    assert [(p["action"], p["priority"]) for p in got["plan"]] == [
        (a["id"], a["priority"]) for a in document["actions"]
    ]


def test_the_bundled_examples_are_the_golden_ones() -> None:
    for name in EXAMPLES:
        shared = SHARED / f"{name}.toml"
        if not shared.is_file():
            pytest.skip("../shared is not beside this checkout")
        assert (BUNDLED / f"{name}.toml").read_bytes() == shared.read_bytes()


def test_the_catalog_test_data_are_the_examples() -> None:
    """The rule-set test cases patch copies of the examples; the copies must not drift."""
    for name in EXAMPLES:
        copy = ROOT / "rulesets" / "testdata" / f"{name}.toml"
        assert copy.read_bytes() == (BUNDLED / f"{name}.toml").read_bytes(), name


def test_the_standard_catalog_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(ROOT / "rulesets")])
    out = capsys.readouterr().out
    assert code == 0
    assert out.strip().endswith("50 rules: 0 errors, 0 warnings"), out
