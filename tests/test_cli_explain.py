"""realign explain: why a rule fired, or why not, for every rule on both examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from realign.cli import main
from realign.testing import engine_with

EXAMPLES = ("case_study_before.toml", "healthy.toml")


@pytest.fixture(scope="module")
def outcomes(examples_dir: Path) -> dict[str, dict[str, str]]:
    """Each rule's outcome on each example, as the assessment reports it."""
    engine = engine_with(backend="python")
    out: dict[str, dict[str, str]] = {}
    for example in EXAMPLES:
        assessment = engine.assess(examples_dir / example)
        status = dict.fromkeys(assessment.passed, "passed")
        status.update({f.rule: "fired" for f in assessment.findings})
        status.update({n.rule: "not_evaluable" for n in assessment.not_evaluable})
        out[example] = status
    return out


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_rule_is_explained_as_the_assessment_decided_it(
    capsys: pytest.CaptureFixture[str],
    examples_dir: Path,
    outcomes: dict[str, dict[str, str]],
    example: str,
) -> None:
    assert main(["facts", str(examples_dir / example), "--format", "json"]) == 0
    derived = json.loads(capsys.readouterr().out)["derived"]
    for rule, status in sorted(outcomes[example].items()):
        assert main(["explain", rule, str(examples_dir / example), "--format", "json"]) == 0
        explanation = json.loads(capsys.readouterr().out)
        assert explanation["rule"] == rule
        assert explanation["status"] == status, rule
        if status == "fired":
            assert explanation["evidence"], f"{rule}: why it fired"
            # Each derived fact it read is the one `realign facts` shows, sources and all.
            for use in explanation["derived"]:
                fact = derived[use["fact"]]
                assert use["sources"] == fact["sources"], (rule, use["fact"])
                assert use["description"] == fact["description"]
        elif status == "not_evaluable":
            assert explanation["reasons"], f"{rule}: why it could not be decided"
        else:
            # What would make it fire, or why nothing could (an empty collection).
            closest = explanation["closest"] or {}
            assert explanation["failing"] or closest.get("note"), rule


def test_the_text_says_why_not_and_what_would_change_it(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    assert main(["explain", "MKT-01", str(examples_dir / "case_study_before.toml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("MKT-01 Material market signal never discussed: passed")
    assert "fails: s.magnitude = 3, needs >= 4; it would need to be 4, a change of +1" in out


def test_a_rule_with_nothing_to_bind_says_so(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    assert main(["explain", "MKT-03", str(examples_dir / "case_study_before.toml")]) == 0
    assert "  why not: nothing to bind: the collection is empty" in capsys.readouterr().out


def test_an_unknown_rule_is_bad_input(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    assert main(["explain", "GOV-2", str(examples_dir / "healthy.toml")]) == 2
    assert "no rule is named 'GOV-2'; did you mean 'GOV-02'?" in capsys.readouterr().err


def test_a_fired_rule_shows_where_its_derived_facts_came_from(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    path = str(examples_dir / "case_study_before.toml")
    assert main(["explain", "GOV-02", path, "--format", "json"]) == 0
    derived = {d["fact"]: d for d in json.loads(capsys.readouterr().out)["derived"]}
    assert sorted(derived) == [
        "governance.steering_committee.days_since_last_meeting",
        "governance.steering_committee.meetings_held",
    ]
    lapsed = derived["governance.steering_committee.days_since_last_meeting"]
    assert lapsed["value"] == 150
    assert "assessment.as_of" in lapsed["sources"]
    assert "meetings[2].date" in lapsed["sources"]
    assert main(["explain", "GOV-02", path]) == 0
    out = capsys.readouterr().out
    assert "  derived facts it read, and what they were computed from:" in out
    assert "    governance.steering_committee.days_since_last_meeting = 150: " in out


def test_a_bound_record_s_derived_facts_are_read_at_that_record(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    # EWS-06 binds k to each KPI and fires for K2, the second: kpis[1].rags, not kpis[0].
    assert main(["explain", "EWS-06", str(examples_dir / "healthy.toml"), "--format", "json"]) == 0
    derived = json.loads(capsys.readouterr().out)["derived"]
    assert [(d["fact"], d["sources"]) for d in derived] == [("kpis[1].rags", ["kpis[1].series"])]
    assert derived[0]["value"] == ["green", "amber", "amber", "amber"]
