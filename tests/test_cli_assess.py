"""`realign assess` as a user runs it: reports, the JSON contract, params, exit codes, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pluggy
import pytest

import realign
from realign import get_plugin_manager, hookimpl
from realign.cli import main
from realign.rules.types import SEVERITIES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "rulesets" / "sample.toml"
SAMPLE_RULES = {"T-01", "T-02", "T-03", "T-04", "T-05", "T-06", "T-07"}
RULES = ["--ruleset", str(SAMPLE), "--no-default-rules"]

#: A rule set whose findings on the case study are high at most.
NOT_CRITICAL = """
[ruleset]
id = "not-critical"
version = "0.1.0"
title = "Nothing critical"

[[rules]]
id = "N-01"
title = "No escalation path"
area = "governance"
severity = "high"
when = "governance.escalation_path.defined == false"

[[rules]]
id = "N-02"
title = "A partner with few contacts"
area = "alignment"
severity = "low"
for = { p = "partners" }
when = "p.named_contacts < 3"
"""

#: Two mistakes, on lines 10 and 17.
BROKEN_RULES = """[ruleset]
id = "broken"
version = "0.1.0"
title = "Broken"

[[rules]]
id = "B-01"
title = "Typo in a field"
area = "governance"
when = "governance.escalaton_path.defined == false"
severity = "high"

[[rules]]
id = "B-02"
title = "Single equals"
area = "governance"
when = "partnership.high_pace = true"
severity = "high"
"""

PLUGIN_RULES = """
[ruleset]
id = "plugin"
version = "0.1.0"
title = "From a plugin"

[[rules]]
id = "P-01"
title = "High pace"
area = "culture"
severity = "low"
when = "partnership.high_pace == true"
"""


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide terminal, so that table cells are not wrapped mid-title."""
    monkeypatch.setenv("COLUMNS", "240")


@pytest.fixture
def case_study(examples_dir: Path) -> str:
    return str(examples_dir / "case_study_before.toml")


@pytest.fixture
def healthy(examples_dir: Path) -> str:
    return str(examples_dir / "healthy.toml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["assess", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assess_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def check_contract(document: dict[str, Any]) -> None:
    """The JSON contract of DESIGN.md, ``realign/assessment@1``."""
    assert set(document) == {
        "schema",
        "realign_version",
        "assessment",
        "findings",
        "not_evaluable",
        "passed",
        "areas",
        "overall",
        "coverage",
        "catalog",
        "plan",
        "diagnostics",
    }
    assert document["schema"] == "realign/assessment@1"
    assert document["realign_version"] == realign.__version__
    assert set(document["assessment"]) == {"id", "partnership_id", "as_of", "period"}
    assert all(isinstance(v, str) for v in document["assessment"].values())
    ranks = []
    for finding in document["findings"]:
        assert set(finding) == {
            "rule",
            "title",
            "area",
            "severity",
            "message",
            "evidence",
            "actions",
            "explanation",
        }
        assert finding["severity"] in SEVERITIES
        assert isinstance(finding["message"], str)
        assert finding["message"]
        assert isinstance(finding["evidence"], list)
        assert finding["evidence"]
        assert all(isinstance(a, str) for a in finding["actions"])
        assert isinstance(finding["explanation"], dict)
        ranks.append(SEVERITIES.index(finding["severity"]))
    assert ranks == sorted(ranks, reverse=True), "findings are sorted most severe first"
    for skipped in document["not_evaluable"]:
        assert set(skipped) == {"rule", "reason"}
        assert isinstance(skipped["reason"], str)
        assert skipped["reason"]
    assert document["passed"] == sorted(document["passed"])
    rules = [f["rule"] for f in document["findings"]]
    rules += [n["rule"] for n in document["not_evaluable"]] + document["passed"]
    assert len(rules) == len(set(rules)), "every rule has one outcome"
    assert isinstance(document["areas"], dict)
    for area in document["areas"].values():
        assert {"score", "light", "trend"} <= set(area)
    if document["overall"] is not None:
        assert {"score", "light", "trend"} <= set(document["overall"])
    for step in document["plan"]:
        assert {"action", "title", "priority", "rank", "horizon_days", "because"} <= set(step)
    assert all(isinstance(d, str) for d in document["diagnostics"])


# --- text ------------------------------------------------------------------------------


@pytest.mark.usefixtures("wide")
def test_text_names_the_findings(capsys: pytest.CaptureFixture[str], case_study: str) -> None:
    code, out, err = run(capsys, case_study, *RULES, "--no-color")
    assert code == 0
    assert err == ""
    assert "corvid-ironbridge" in out
    assert "7 findings, 0 passed, 0 not evaluable" in out
    for rule, title in (
        ("T-01", "No escalation path"),
        ("T-02", "Recurring escalation theme"),
        ("T-05", "Priorities diverge"),
        ("T-07", "Internal alignment low"),
    ):
        assert rule in out
        assert title in out
    assert "4 escalations about product_priority" in out


@pytest.mark.usefixtures("wide")
def test_text_of_a_healthy_partnership(capsys: pytest.CaptureFixture[str], healthy: str) -> None:
    code, out, _ = run(capsys, healthy, *RULES, "--no-color")
    assert code == 0
    assert "0 findings, 7 passed, 0 not evaluable" in out
    assert "T-01" not in out


# --- JSON ------------------------------------------------------------------------------


def test_json_follows_the_contract(capsys: pytest.CaptureFixture[str], case_study: str) -> None:
    document = assess_json(capsys, case_study, *RULES)
    check_contract(document)
    assert document["assessment"] == {
        "id": "CV-IB-2024Q1",
        "partnership_id": "corvid-ironbridge",
        "as_of": "2024-03-31",
        "period": "2024-Q1",
    }
    assert {f["rule"] for f in document["findings"]} == SAMPLE_RULES
    recurring = next(f for f in document["findings"] if f["rule"] == "T-02")
    assert recurring["severity"] == "high"
    assert recurring["area"] == "governance"
    assert recurring["actions"] == ["SAMPLE-A1"]
    assert recurring["explanation"]["params"] == {"recurring_min": 3}


def test_json_of_a_healthy_partnership(capsys: pytest.CaptureFixture[str], healthy: str) -> None:
    document = assess_json(capsys, healthy, *RULES)
    check_contract(document)
    assert document["findings"] == []
    assert set(document["passed"]) == SAMPLE_RULES


def test_json_reports_rules_not_evaluable(
    capsys: pytest.CaptureFixture[str], case_study: str, tmp_path: Path
) -> None:
    text = Path(case_study).read_text(encoding="utf-8")
    gapped = text.replace(
        'catalog_version = "0.1"',
        'catalog_version = "0.1"\ndata_gaps = ["partners.internal_alignment_score"]',
        1,
    )
    gapped = "\n".join(
        line for line in gapped.splitlines() if not line.startswith("internal_alignment_score")
    )
    path = tmp_path / "gapped.toml"
    path.write_text(gapped, encoding="utf-8")
    document = assess_json(capsys, str(path), *RULES)
    check_contract(document)
    (skipped,) = document["not_evaluable"]
    assert skipped["rule"] == "T-07"
    assert "internal_alignment_score" in skipped["reason"]
    assert "data gap" in skipped["reason"]


def test_two_runs_are_byte_identical(capsys: pytest.CaptureFixture[str], case_study: str) -> None:
    first = run(capsys, case_study, *RULES, "--format", "json")
    second = run(capsys, case_study, *RULES, "--format", "json")
    assert first == second
    assert first[1]


def test_the_python_backend_gives_the_same_json(
    capsys: pytest.CaptureFixture[str], case_study: str, healthy: str
) -> None:
    for facts in (case_study, healthy):
        durable = run(capsys, facts, *RULES, "--format", "json")
        python = run(capsys, facts, *RULES, "--format", "json", "--backend", "python")
        assert durable == python


def test_json_is_the_same_from_a_fresh_process(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    in_process = run(capsys, case_study, *RULES, "--format", "json")[1]
    outputs = []
    for seed in ("1", "4242"):
        done = subprocess.run(
            [sys.executable, "-m", "realign", "assess", case_study, *RULES, "--format", "json"],
            capture_output=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].decode("utf-8") == in_process


def test_several_files_make_one_document(
    capsys: pytest.CaptureFixture[str], case_study: str, healthy: str
) -> None:
    document = assess_json(capsys, case_study, healthy, *RULES)
    assert document["schema"] == "realign/assessments@1"
    first, second = document["assessments"]
    check_contract(first)
    check_contract(second)
    assert first["assessment"]["partnership_id"] == "corvid-ironbridge"
    assert second["assessment"]["partnership_id"] == "helix-nimbus"


# --- params ----------------------------------------------------------------------------


def test_a_param_changes_the_result(capsys: pytest.CaptureFixture[str], case_study: str) -> None:
    default = assess_json(capsys, case_study, *RULES)
    raised = assess_json(capsys, case_study, *RULES, "--param", "gap_threshold=5")
    check_contract(raised)
    assert "T-03" in {f["rule"] for f in default["findings"]}
    assert "T-03" not in {f["rule"] for f in raised["findings"]}
    assert "T-03" in raised["passed"]
    lowered = assess_json(capsys, case_study, *RULES, "--param", "gap_threshold=1.5")
    pace = next(f for f in lowered["findings"] if f["rule"] == "T-03")
    assert pace["explanation"]["params"] == {"gap_threshold": 1.5}


def test_an_integer_and_a_duration_param(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    document = assess_json(
        capsys, case_study, *RULES, "--param", "recurring_min=5", "--param", "sla=100d"
    )
    assert "T-02" in document["passed"]
    assert "T-04" in document["passed"]  # median latency 76 days is under 100


def test_an_unknown_param(capsys: pytest.CaptureFixture[str], case_study: str) -> None:
    code, out, err = run(capsys, case_study, *RULES, "--param", "nope=1")
    assert code == 2
    assert out == ""
    assert "'nope'" in err
    assert "Traceback" not in err
    assert "nothing was assessed" in err


def test_a_misspelt_param_has_did_you_mean(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    code, out, err = run(capsys, case_study, *RULES, "--param", "gap_treshold=5")
    assert code == 2
    assert out == ""
    assert "did you mean 'gap_threshold'?" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("pair", ["gap_threshold=abc", "gap_threshold", "=3"])
def test_a_malformed_param(capsys: pytest.CaptureFixture[str], case_study: str, pair: str) -> None:
    code, out, err = run(capsys, case_study, *RULES, "--param", pair)
    assert code == 2
    assert out == ""
    assert "gap_threshold" in err or "NAME=VALUE" in err
    assert "Traceback" not in err


# --- exit codes ------------------------------------------------------------------------


def test_fail_on_a_severity_that_is_reached(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    assert run(capsys, case_study, *RULES, "--fail-on", "high")[0] == 1
    assert run(capsys, case_study, *RULES, "--fail-on", "critical")[0] == 1
    assert run(capsys, case_study, *RULES)[0] == 0


def test_fail_on_a_severity_that_is_not_reached(
    capsys: pytest.CaptureFixture[str], case_study: str, healthy: str, tmp_path: Path
) -> None:
    rules = tmp_path / "not_critical.toml"
    rules.write_text(NOT_CRITICAL, encoding="utf-8")
    only = ["--ruleset", str(rules), "--no-default-rules"]
    code, out, _ = run(capsys, case_study, *only, "--format", "json", "--fail-on", "critical")
    assert code == 0
    assert {f["severity"] for f in json.loads(out)["findings"]} == {"high", "low"}
    assert run(capsys, case_study, *only, "--fail-on", "high")[0] == 1
    assert run(capsys, case_study, *only, "--fail-on", "low")[0] == 1
    assert run(capsys, healthy, *only, "--fail-on", "info")[0] == 0


def test_fail_on_still_writes_the_report(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    code, out, _ = run(capsys, case_study, *RULES, "--format", "json", "--fail-on", "high")
    assert code == 1
    check_contract(json.loads(out))


def test_fail_on_an_unknown_severity_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    code, out, err = run(capsys, case_study, *RULES, "--fail-on", "severe")
    assert code == 2
    assert out == ""
    assert "--fail-on" in err


# --- output files ----------------------------------------------------------------------


def test_output_file(capsys: pytest.CaptureFixture[str], case_study: str, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, out, _ = run(capsys, case_study, *RULES, "--format", "json", "-o", str(target))
    assert code == 0
    assert out == ""
    written = target.read_text(encoding="utf-8")
    assert written == run(capsys, case_study, *RULES, "--format", "json")[1]
    check_contract(json.loads(written))


def test_output_file_of_text(
    capsys: pytest.CaptureFixture[str], case_study: str, tmp_path: Path
) -> None:
    target = tmp_path / "out.txt"
    code, out, _ = run(capsys, case_study, *RULES, "--output", str(target))
    assert code == 0
    assert out == ""
    written = target.read_text(encoding="utf-8")
    assert "7 findings" in written
    assert "Recurring escalation theme" in written
    assert "\x1b[" not in written  # no colour codes in a file


# --- bad input -------------------------------------------------------------------------


def test_a_broken_rule_set(
    capsys: pytest.CaptureFixture[str], case_study: str, tmp_path: Path
) -> None:
    rules = tmp_path / "broken.toml"
    rules.write_text(BROKEN_RULES, encoding="utf-8")
    code, out, err = run(capsys, case_study, "--ruleset", str(rules), "--no-default-rules")
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    field = next(line for line in lines if "escalaton_path" in line)
    assert field.startswith(f"{rules}:10:")
    assert "did you mean 'escalation_path'?" in field
    equals = next(line for line in lines if "'='" in line or "==" in line)
    assert equals.startswith(f"{rules}:17:")
    assert "2 errors in rule sets; nothing was assessed." in err


def test_a_missing_rule_set(capsys: pytest.CaptureFixture[str], case_study: str) -> None:
    code, out, err = run(
        capsys, case_study, "--ruleset", "no/such/rules.toml", "--no-default-rules"
    )
    assert code == 2
    assert out == ""
    assert "no/such/rules.toml" in err
    assert "Traceback" not in err


def test_a_broken_fact_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    facts = tmp_path / "bad.toml"
    facts.write_text('[assessment]\nid = "x"\nas_of = "yesterday"\n', encoding="utf-8")
    code, out, err = run(capsys, str(facts), *RULES)
    assert code == 2
    assert out == ""
    assert f"{facts}:" in err
    assert "nothing was assessed" in err
    assert "Traceback" not in err


def test_a_broken_fact_file_in_json(capsys: pytest.CaptureFixture[str], examples_dir: Path) -> None:
    broken = examples_dir.parent / "tests" / "data" / "broken" / "range_nps.toml"
    code, out, err = run(capsys, str(broken), *RULES, "--format", "json")
    assert code == 2
    document = json.loads(out)
    assert document["schema"] == "realign/errors@1"
    (problem,) = document["errors"]
    assert problem["code"] == "range"
    assert problem["path"] == "pulse_surveys[0].recommend_nps"
    assert "Traceback" not in err


def test_a_missing_fact_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, str(tmp_path / "absent.toml"), *RULES)
    assert code == 2
    assert out == ""
    assert "absent.toml" in err
    assert "Traceback" not in err


def test_a_broken_rule_set_in_a_real_process(case_study: str, tmp_path: Path) -> None:
    rules = tmp_path / "broken.toml"
    rules.write_text(BROKEN_RULES, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "realign", "assess", case_study, "--ruleset", str(rules)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert f"{rules}:10:" in done.stderr


# --- default rule sets -----------------------------------------------------------------


class RuleSetPlugin:
    """A plugin that contributes one rule set to the default catalog."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl
    def realign_rulesets(self) -> list[str]:
        return [str(self.path)]


@pytest.fixture
def plugin_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "plugin.toml"
    path.write_text(PLUGIN_RULES, encoding="utf-8")
    plugin = RuleSetPlugin(path)

    def manager(**_: Any) -> pluggy.PluginManager:
        return get_plugin_manager(load_entrypoints=False, extra=[plugin])

    monkeypatch.setattr("realign.cli.get_plugin_manager", manager)


@pytest.mark.usefixtures("plugin_rules")
def test_default_rule_sets_run_with_the_given_ones(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    document = assess_json(capsys, case_study, "--ruleset", str(SAMPLE))
    fired = {f["rule"] for f in document["findings"]}
    assert SAMPLE_RULES | {"P-01"} <= fired
    # ...and the standard catalog, which a built-in plugin provides.
    assert {"GOV-04", "ALN-02", "CAM-01"} <= fired
    assert {r for r in fired if r[:3] not in ("GOV", "CUL", "MKT", "ALN", "EWS", "CAM")} == (
        SAMPLE_RULES | {"P-01"}
    )


@pytest.mark.usefixtures("plugin_rules")
def test_no_default_rules_runs_only_the_given_ones(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    document = assess_json(capsys, case_study, *RULES)
    assert {f["rule"] for f in document["findings"]} == SAMPLE_RULES
    alone = assess_json(capsys, case_study)
    fired = {f["rule"] for f in alone["findings"]}
    assert "P-01" in fired
    assert not fired & SAMPLE_RULES


@pytest.mark.usefixtures("plugin_rules")
def test_no_rules_at_all_says_so(capsys: pytest.CaptureFixture[str], case_study: str) -> None:
    code, out, err = run(capsys, case_study, "--no-default-rules", "--format", "json")
    assert code == 0
    document = json.loads(out)
    check_contract(document)
    assert document["findings"] == []
    assert document["passed"] == []
    assert "no rule sets to run" in err


# --- the standard catalog from the command line ---------------------------------------


def test_select_and_ignore_choose_rules(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    document = assess_json(capsys, case_study, "--select", "GOV", "--ignore", "GOV-1")
    ran = {f["rule"] for f in document["findings"]} | set(document["passed"])
    ran |= {n["rule"] for n in document["not_evaluable"]}
    assert ran == {f"GOV-0{i}" for i in range(1, 10)}
    assert set(document["areas"]) == {"governance"}
    assert document["coverage"]["rules"] == 9


def test_a_selection_that_matches_nothing_exits_2(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    code, _out, err = run(capsys, case_study, "--select", "GOV-1O")
    assert code == 2
    assert "no rule id is or starts with 'GOV-1O'; did you mean" in err
    assert "Traceback" not in err


@pytest.mark.usefixtures("wide")
def test_data_gaps_are_listed_with_their_reasons(
    capsys: pytest.CaptureFixture[str], examples_dir: Path, tmp_path: Path
) -> None:
    text = (examples_dir / "healthy.toml").read_text(encoding="utf-8")
    head, rest = text.split("\n[partnership]", 1)
    # Declare escalations a gap, and drop the escalations the file states.
    rest = "\n".join(
        block
        for block in ("\n[partnership]" + rest).split("\n\n")
        if not block.lstrip().startswith("[[escalations]]")
    )
    path = tmp_path / "gaps.toml"
    path.write_text(head + '\ndata_gaps = ["escalations"]\n' + rest, encoding="utf-8")
    code, out, err = run(capsys, str(path), "--no-color")
    assert code == 0, err
    assert "Not evaluable:" in out
    for rule in ("GOV-07", "GOV-08", "EWS-10"):
        line = next(line for line in out.splitlines() if line.strip().startswith(f"{rule}:"))
        assert "declared a data gap in assessment.data_gaps" in line
    document = assess_json(capsys, str(path))
    assert {"GOV-07", "GOV-08", "EWS-10"} <= set(document["coverage"]["data_gaps"])


@pytest.mark.usefixtures("wide")
def test_the_text_report_has_areas_findings_and_plan(
    capsys: pytest.CaptureFixture[str], case_study: str
) -> None:
    code, out, _ = run(capsys, case_study, "--no-color")
    assert code == 0
    assert "Area health" in out
    governance = next(
        line for line in out.splitlines() if line.strip("│ ").startswith("Governance")
    )
    assert "15.3" in governance
    assert "red" in governance
    assert "baseline" in governance
    assert "Realignment plan" in out
    assert "ACT-16 Bi-weekly executive alignment sessions" in out
    assert "Backlog:" in out


def test_every_bad_file_is_reported_not_only_the_first(
    capsys: pytest.CaptureFixture[str], case_study: str, tmp_path: Path
) -> None:
    first = tmp_path / "first.toml"
    second = tmp_path / "second.toml"
    first.write_text("[assessment]\nid = 1\n", encoding="utf-8")
    second.write_text("not toml at all = = =\n", encoding="utf-8")
    code, out, err = run(capsys, str(first), case_study, str(second))
    assert code == 2
    assert f"{first}:" in err
    assert f"{second}:" in err
    assert "nothing was assessed" in err
    assert "Traceback" not in err
    assert out == ""
