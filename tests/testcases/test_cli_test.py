"""`realign test` as a user runs it: verdicts, failure texts, coverage, exit codes, bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from realign.cli import main

ROOT = Path(__file__).resolve().parents[2]

RULES = """\
[ruleset]
id = "mini"
version = "0.1"
title = "Mini rules"
realign = ">=0.1"

[params.contacts_min]
type = "integer"
default = 3
doc = "Named contacts a partner needs."

[[rules]]
id = "MINI-01"
title = "No escalation path"
area = "governance"
severity = "high"
when = "governance.escalation_path.defined == false"
message = "there is no escalation path"
actions = ["MINI-A1"]

[[rules]]
id = "MINI-02"
title = "Too few contacts"
area = "governance"
severity = "medium"
for = { p = "partners" }
when = "p.named_contacts < contacts_min"
severity_if = [{ when = "p.named_contacts == 0", severity = "critical" }]
actions = ["MINI-A2"]

[[rules]]
id = "MINI-03"
title = "Slow decision SLA"
area = "governance"
severity = "low"
requires = [
  { when = "governance.decision_protocol.documented", reason = "no documented decision protocol" },
]
when = "governance.decision_protocol.decision_sla_days > 30"

[[actions]]
id = "MINI-A1"
title = "Define an escalation path"
effort = "S"
impact_days = 30

[[actions]]
id = "MINI-A2"
title = "Name more contacts"
effort = "S"
impact_days = 30
"""

HEALTHY_PASSES = """\
[[cases]]
name = "healthy: nothing fires"
facts = "testdata/healthy.toml"
passes = ["MINI-01", "MINI-02", "MINI-03"]
"""

FIRES_01 = """
[[cases]]
name = "no escalation path"
facts = "testdata/healthy.toml"
patch = { governance = { escalation_path = { defined = false } } }
fires = ["MINI-01"]
severity = { "MINI-01" = "high" }
actions = ["MINI-A1"]
not_actions = ["MINI-A2"]
"""

FIRES_02 = """
[[cases]]
name = "nimbus has no contacts"
facts = "testdata/healthy.toml"
fires = ["MINI-02"]
severity = { "MINI-02" = "critical" }

[cases.patch.partners.nimbus]
named_contacts = 0
"""

FIRES_03 = """
[[cases]]
name = "a slow decision SLA"
facts = "testdata/healthy.toml"
patch = { governance = { decision_protocol = { decision_sla_days = 45 } } }
fires = ["MINI-03"]
"""

NOT_EVALUABLE_03 = """
[[cases]]
name = "no documented protocol: the SLA cannot be judged"
facts = "testdata/healthy.toml"
patch = { governance = { decision_protocol = { documented = false } } }
not_evaluable = ["MINI-03"]
reasons = { "MINI-03" = "no documented decision" }
"""

TYPO = """
[[cases]]
name = "typo"
facts = "testdata/healthy.toml"
fires = ["MINI-1"]
not_actions = ["MINI-B1"]
"""

PASSING = HEALTHY_PASSES + FIRES_01 + FIRES_02 + FIRES_03 + NOT_EVALUABLE_03

#: One case of each outcome: pass, fail, error.
MIXED = (
    HEALTHY_PASSES
    + FIRES_01
    + """
[[cases]]
name = "wrong: nothing makes MINI-02 fire"
facts = "testdata/healthy.toml"
fires = ["MINI-02"]

[[cases]]
name = "broken facts"
facts = "testdata/healthy.toml"
fires = ["MINI-02"]

[cases.patch.partners.nimbus]
named_contacts = "many"
"""
)


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A rule-set directory with its test file and base facts; the working directory."""
    (tmp_path / "testdata").mkdir()
    shutil.copy(ROOT / "examples" / "healthy.toml", tmp_path / "testdata" / "healthy.toml")
    (tmp_path / "mini.toml").write_text(RULES, encoding="utf-8")
    (tmp_path / "mini.test.toml").write_text(PASSING, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # Wide enough that no message is wrapped by the terminal report.
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["test", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, *args, "--format", "json")
    return code, json.loads(out)


def case_line(text: str, name: str) -> int:
    """The line of the [[cases]] header of the case called *name* (the line before its name)."""
    return text.splitlines().index(f'name = "{name}"')


def write_cases(directory: Path, text: str, name: str = "mini.test.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --- all green ----------------------------------------------------------------------------


def test_all_cases_pass_exit_0_with_the_coverage_table(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, ".")
    assert code == 0
    assert "FAIL" not in out
    assert "Rule coverage" in out
    lines = out.splitlines()
    header = next(line for line in lines if "seen firing" in line)
    assert "seen not firing" in header
    rows = {line.split()[1]: line for line in lines if "MINI-0" in line}
    assert set(rows) == {"MINI-01", "MINI-02", "MINI-03"}
    # MINI-01 and MINI-02: one firing case, one passing case (the healthy one).
    assert rows["MINI-01"].count("1 case") == 2
    assert "MISSING" not in out
    assert "5 of 5 cases passed; coverage: 100% of rules seen firing, 100% seen not firing" in out


def test_verbose_lists_the_passing_cases(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ".", "-v")
    assert code == 0
    assert "PASS healthy: nothing fires" in out
    assert "PASS nimbus has no contacts" in out
    _, quiet, _ = run(capsys, ".")
    assert "PASS" not in quiet


def test_without_a_path_it_tests_the_standard_catalog(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The suite's own files in the working directory are not what runs: the
    # installed standard catalog is.
    code, out, _ = run(capsys, "--backend", "python")
    assert code == 0
    assert "5 of 5 cases passed" not in out
    assert "GOV-01" in out
    assert "100% of rules seen firing, 100% seen not" in out.replace("\n", " ")


def test_a_test_file_path_works_and_loads_its_directory_rule_sets(
    suite: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_cases(
        suite,
        '[[cases]]\nname = "other"\nfacts = "testdata/healthy.toml"\nfires = ["NOPE-01"]\n',
        name="other.test.toml",
    )
    # Only the named file runs: the unknown rule in other.test.toml does not count.
    code, out, _ = run(capsys, "mini.test.toml")
    assert code == 0
    assert "5 of 5 cases passed" in out
    elsewhere = suite / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, _ = run(capsys, str(suite / "mini.test.toml"))
    assert code == 0
    assert "5 of 5 cases passed" in out


def test_extra_rule_sets_come_from_ruleset(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (suite / "rules").mkdir()
    (suite / "mini.toml").rename(suite / "rules" / "mini.toml")
    code, out, _ = run(capsys, ".")
    assert code == 2  # without the rule set, every rule a case names is unknown
    assert "no rule 'MINI-01' in the rule sets" in out
    code, out, _ = run(capsys, ".", "--ruleset", "rules/mini.toml")
    assert code == 0, out
    code, out, _ = run(capsys, ".", "--ruleset", "rules")
    assert code == 0, out


def test_param_overrides_in_a_case(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_cases(
        suite,
        PASSING
        + """
[[cases]]
name = "a stricter contact minimum makes both partners too thin"
facts = "testdata/healthy.toml"
params = { contacts_min = 7 }
fires = ["MINI-02"]
severity = { "MINI-02" = "medium" }
""",
    )
    code, out, _ = run(capsys, ".", "-v")
    assert code == 0, out
    assert "PASS a stricter contact minimum" in out


# --- failures -----------------------------------------------------------------------------


def test_a_failing_case_exits_1_and_says_why(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_cases(
        suite,
        PASSING + '\n[[cases]]\nname = "wrong"\nfacts = "testdata/healthy.toml"\n'
        'fires = ["MINI-02"]\n',
    )
    code, out, _ = run(capsys, ".")
    assert code == 1
    assert "FAIL wrong  (mini.test.toml:" in out
    # Why it passed: the condition that failed, with the value it compared.
    assert "MINI-02 should fire, but it passed (fails: p.named_contacts = 5, needs < 3" in out
    assert "5 of 6 cases passed" in out


# One case per kind of expectation, each wrong on the healthy facts, with what the report says.
FAILURES = {
    "should_pass_but_fired": (
        'patch = { governance = { escalation_path = { defined = false } } }\npasses = ["MINI-01"]',
        "MINI-01 should pass, but it fired (high): there is no escalation path",
    ),
    "should_pass_but_not_evaluable": (
        "patch = { governance = { decision_protocol = { documented = false } } }\n"
        'passes = ["MINI-03"]',
        "MINI-03 should pass, but it was not evaluable: no documented decision protocol",
    ),
    "should_be_not_evaluable_but_passed": (
        'not_evaluable = ["MINI-03"]',
        "MINI-03 should be not evaluable, but it passed",
    ),
    "should_be_not_evaluable_but_fired": (
        "patch = { governance = { escalation_path = { defined = false } } }\n"
        'not_evaluable = ["MINI-01"]',
        "MINI-01 should be not evaluable, but it fired (high)",
    ),
    "wrong_severity": (
        "patch = { partners = { nimbus = { named_contacts = 0 } } }\n"
        'fires = ["MINI-02"]\nseverity = { "MINI-02" = "medium" }',
        "MINI-02 should be medium, but it is critical",
    ),
    "wrong_reason": (
        "patch = { governance = { decision_protocol = { documented = false } } }\n"
        'not_evaluable = ["MINI-03"]\nreasons = { "MINI-03" = "committee" }',
        "MINI-03's reason should mention 'committee', but it is 'no documented decision protocol'",
    ),
    "action_not_recommended": (
        "patch = { governance = { escalation_path = { defined = false } } }\n"
        'fires = ["MINI-01"]\nactions = ["MINI-A2"]',
        "MINI-A2 should be recommended, but no finding recommends it",
    ),
    "action_recommended": (
        "patch = { governance = { escalation_path = { defined = false } } }\n"
        'fires = ["MINI-01"]\nnot_actions = ["MINI-A1"]',
        "MINI-A1 should not be recommended, but MINI-01 recommended it",
    ),
}


@pytest.mark.parametrize(("body", "says"), list(FAILURES.values()), ids=list(FAILURES))
def test_each_expectation_reports_its_failure(
    suite: Path, capsys: pytest.CaptureFixture[str], body: str, says: str
) -> None:
    write_cases(suite, f'[[cases]]\nname = "the case"\nfacts = "testdata/healthy.toml"\n{body}\n')
    code, out, _ = run(capsys, ".", "--min-coverage", "0")
    assert code == 1
    assert "FAIL the case  (mini.test.toml:1)" in out
    assert says in out
    assert "0 of 1 case passed" in out


def test_a_case_with_invalid_patched_facts_is_an_error_with_the_field_path(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_cases(suite, MIXED)
    code, out, _ = run(capsys, ".", "--min-coverage", "0")
    assert code == 1
    block = out.split("FAIL broken facts", 1)[1].split("FAIL", 1)[0]
    assert "partners[1].named_contacts" in block
    assert "'many'" in block


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (
            'unset = ["governance.escalation"]',
            "'governance.escalation' is not in the facts (there is: decision_protocol, "
            "escalation_path, shared_scorecard, steering_committee)",
        ),
        (
            '[cases.patch.culture.integration_activities.x]\nstatus = "done"',
            "patch 'culture.integration_activities': its records have no id",
        ),
        (
            'append."partnership.stage" = [{ x = 1 }]',
            "append 'partnership.stage'",
        ),
    ],
    ids=["unset_missing", "patch_records_without_id", "append_to_a_value"],
)
def test_a_case_whose_edit_does_not_fit_is_an_error(
    suite: Path, capsys: pytest.CaptureFixture[str], edit: str, says: str
) -> None:
    write_cases(
        suite,
        f'[[cases]]\nname = "the case"\nfacts = "testdata/healthy.toml"\n'
        f'passes = ["MINI-01"]\n{edit}\n',
    )
    code, payload = run_json(capsys, ".", "--min-coverage", "0")
    assert code == 1
    (case,) = payload["cases"]
    assert case["status"] == "error"
    assert says in case["error"]


# --- coverage -----------------------------------------------------------------------------


def test_coverage_below_the_bar_exits_1(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Without FIRES_03, no case sees MINI-03 firing: 2 of 3 rules seen firing.
    write_cases(suite, HEALTHY_PASSES + FIRES_01 + FIRES_02 + NOT_EVALUABLE_03)
    code, out, _ = run(capsys, ".")
    assert code == 1
    assert "FAIL" not in out
    row = next(line for line in out.splitlines() if "MINI-03" in line)
    assert "MISSING" in row
    assert "4 of 4 cases passed; coverage: 66.6% of rules seen firing, 100% seen not firing" in out
    assert run(capsys, ".", "--min-coverage", "0")[0] == 0
    assert run(capsys, ".", "--min-coverage", "66")[0] == 0
    assert run(capsys, ".", "--min-coverage", "67")[0] == 1


def test_coverage_of_rules_seen_not_firing_counts_too(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every rule fires in some case, but none is ever seen evaluated without firing.
    write_cases(suite, FIRES_01 + FIRES_02 + FIRES_03)
    code, payload = run_json(capsys, ".")
    assert code == 1
    assert payload["coverage"]["fires"] == 1.0
    assert payload["coverage"]["passes"] == 0.0
    assert run(capsys, ".", "--min-coverage", "0")[0] == 0


def test_a_failing_case_covers_nothing(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The only case that sees MINI-03 firing also expects a wrong severity.
    failing_fires_03 = FIRES_03.replace(
        'fires = ["MINI-03"]', 'fires = ["MINI-03"]\nseverity = { "MINI-03" = "high" }'
    )
    write_cases(suite, HEALTHY_PASSES + FIRES_01 + FIRES_02 + failing_fires_03)
    code, payload = run_json(capsys, ".", "--min-coverage", "0")
    assert code == 1
    rules = {item["rule"]: item for item in payload["coverage"]["rules"]}
    assert rules["MINI-03"]["fires"] == []
    assert rules["MINI-03"]["passes"] == ["healthy: nothing fires"]
    assert rules["MINI-02"]["fires"] == ["nimbus has no contacts"]


# --- the JSON report and the backends ------------------------------------------------------


def test_json_report(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_cases(suite, MIXED)
    code, payload = run_json(capsys, ".", "--min-coverage", "0")
    assert code == 1
    assert {"cases", "coverage", "passed", "failed", "problems"} <= set(payload)
    statuses = {case["name"]: case["status"] for case in payload["cases"]}
    assert statuses == {
        "healthy: nothing fires": "pass",
        "no escalation path": "pass",
        "wrong: nothing makes MINI-02 fire": "fail",
        "broken facts": "error",
    }
    assert (payload["passed"], payload["failed"]) == (2, 2)
    wrong = next(c for c in payload["cases"] if c["status"] == "fail")
    assert wrong["source"] == "mini.test.toml"
    assert wrong["line"] == case_line(MIXED, "wrong: nothing makes MINI-02 fire")
    assert wrong["failures"][0].startswith("MINI-02 should fire, but it passed")
    assert wrong["error"] is None
    coverage = payload["coverage"]
    assert coverage["fires"] == pytest.approx(1 / 3, abs=1e-4)
    assert coverage["passes"] == 1.0
    assert [r["rule"] for r in coverage["rules"]] == ["MINI-01", "MINI-02", "MINI-03"]
    assert payload["problems"] == []


def test_the_python_backend_gives_the_same_verdicts(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_cases(suite, PASSING + MIXED.replace('name = "', 'name = "mixed: '))
    durable = run_json(capsys, ".", "--backend", "durable_rules")
    python = run_json(capsys, ".", "--backend", "python")
    assert durable[0] == python[0] == 1
    assert durable[1] == python[1]
    assert [c["status"] for c in python[1]["cases"]].count("pass") == 7


# --- bad input: exit 2 ---------------------------------------------------------------------


def test_an_unknown_rule_in_a_case_exits_2_with_did_you_mean(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_cases(suite, PASSING + TYPO)
    code, out, _ = run(capsys, ".")
    assert code == 2
    assert "case 'typo': no rule 'MINI-1' in the rule sets; did you mean 'MINI-01'?" in out
    assert "case 'typo': no action 'MINI-B1' in the rule sets; did you mean 'MINI-A1'?" in out
    assert f"mini.test.toml:{case_line(PASSING + TYPO, 'typo')}:" in out


def test_a_misspelt_rule_repeated_in_reasons_is_one_problem(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_cases(
        suite,
        PASSING + '\n[[cases]]\nname = "typo"\nfacts = "testdata/healthy.toml"\n'
        'passes = ["MINI-01"]\nnot_evaluable = ["MINI-3"]\nreasons = { "MINI-3" = "x" }\n',
    )
    code, payload = run_json(capsys, ".")
    assert code == 2
    (problem,) = payload["problems"]
    assert problem["code"] == "unknown-rule"
    assert problem["hint"] == "did you mean 'MINI-03'?"


BROKEN = [
    pytest.param(
        '[[cases]]\nname = "x"\nfacts = "testdata/healthy.toml"\nfire = ["MINI-01"]\n'
        'passes = ["MINI-02"]\n',
        "bad.test.toml:4:1: error: cases[0].fire: unknown key 'fire'; did you mean 'fires'?",
        id="misspelt_key",
    ),
    pytest.param(
        '[[cases]]\nname = "x"\nfacts = "testdata/healthy.toml"\nfires = ["MINI-01"\n',
        "bad.test.toml:5:1: error: TOML syntax error",
        id="invalid_toml",
    ),
    pytest.param(
        HEALTHY_PASSES + "\n" + HEALTHY_PASSES,
        "case name 'healthy: nothing fires' is already used by case 1",
        id="duplicate_names",
    ),
    pytest.param(
        "# nothing yet\n", "bad.test.toml: error: no [[cases]] in the file", id="no_cases"
    ),
    pytest.param(
        '[[cases]]\nname = "x"\nfacts = "testdata/sick.toml"\nfires = ["MINI-01"]\n',
        "bad.test.toml:3:1: error: cases[0].facts: fact file 'testdata/sick.toml' not found",
        id="missing_facts",
    ),
    pytest.param(
        '[[cases]]\nname = "x"\nfacts = "testdata/healthy.toml"\nfires = ["MINI-01"]\n'
        'severity = "critical"\n',
        "cases[0].severity: severity must be a table",
        id="severity_not_a_table",
    ),
]


@pytest.mark.parametrize(("text", "says"), BROKEN)
def test_a_broken_test_file_exits_2_located(
    suite: Path, capsys: pytest.CaptureFixture[str], text: str, says: str
) -> None:
    write_cases(suite, text, name="bad.test.toml")
    code, out, err = run(capsys, ".")
    assert code == 2
    assert says in out + err
    # The good file beside it still runs, and so do the cases of the bad one that read well.
    assert re.search(r"\b(\d+) of \1 cases passed", out)
    assert "5 of 5 cases passed" in out or "already used" in says


def test_an_unknown_param_in_a_case_exits_2_with_did_you_mean(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_cases(
        suite,
        PASSING + '\n[[cases]]\nname = "typo"\nfacts = "testdata/healthy.toml"\n'
        'params = { contacts_mn = 7 }\nfires = ["MINI-02"]\n',
    )
    code, out, _ = run(capsys, ".")
    assert "did you mean 'contacts_min'?" in out
    assert code == 2


def test_a_broken_rule_set_exits_2(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (suite / "mini.toml").write_text(
        RULES.replace("governance.escalation_path.defined", "governance.escalaton_path.defined"),
        encoding="utf-8",
    )
    code, out, err = run(capsys, ".")
    assert code == 2
    assert "escalaton_path" in err
    assert "in rule sets; nothing was assessed" in err
    assert "Rule coverage" not in out


@pytest.mark.parametrize(
    "path",
    ["mini.toml", "missing.test.toml", "no/such/dir", "testdata/healthy.toml"],
    ids=["rule_set_file", "missing_test_file", "missing_directory", "fact_file"],
)
def test_a_path_that_is_neither_a_directory_nor_a_test_file_exits_2(
    suite: Path, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    code, out, err = run(capsys, path)
    assert code == 2
    assert f"{path}: not a directory or a *.test.toml file" in err
    assert out == ""


def test_a_directory_without_test_files_exits_2(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "testdata")
    assert code == 2
    assert "no *.test.toml files in testdata" in err


# --- the real catalog ---------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["durable_rules", "python"])
def test_the_catalog_passes_with_full_coverage(
    backend: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code = main(["test", "rulesets", "--backend", backend, "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    failing = [c for c in payload["cases"] if c["status"] != "pass"]
    assert failing == []
    assert payload["problems"] == []
    missing = [r["rule"] for r in payload["coverage"]["rules"] if not (r["fires"] and r["passes"])]
    assert missing == []
    assert payload["coverage"]["fires"] == payload["coverage"]["passes"] == 1.0
    assert len(payload["coverage"]["rules"]) > 0
    assert code == 0


# --- found in review ----------------------------------------------------------------------


def test_a_fact_file_no_loader_reads_is_that_cases_error(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (suite / "testdata" / "notes.txt").write_text("not facts", encoding="utf-8")
    write_cases(
        suite,
        PASSING + '\n[[cases]]\nname = "text"\nfacts = "testdata/notes.txt"\nfires = ["MINI-01"]\n',
    )
    code, payload = run_json(capsys, ".")
    assert code == 1
    (errored,) = [c for c in payload["cases"] if c["status"] == "error"]
    assert "no loader reads notes.txt" in errored["error"]


def test_a_disabled_rule_is_not_counted_for_coverage(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = RULES.replace('id = "MINI-03"\n', 'id = "MINI-03"\nenabled = false\n', 1)
    assert text != RULES
    (suite / "mini.toml").write_text(text, encoding="utf-8")
    write_cases(suite, HEALTHY_PASSES.replace(', "MINI-03"', "") + FIRES_01 + FIRES_02)
    code, payload = run_json(capsys, ".")
    assert code == 0, payload
    assert [c["rule"] for c in payload["coverage"]["rules"]] == ["MINI-01", "MINI-02"]


def test_a_disabled_rule_never_passes(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = RULES.replace('id = "MINI-03"\n', 'id = "MINI-03"\nenabled = false\n', 1)
    (suite / "mini.toml").write_text(text, encoding="utf-8")
    write_cases(suite, HEALTHY_PASSES)
    code, payload = run_json(capsys, ".", "--min-coverage", "0")
    assert code == 1
    (case,) = payload["cases"]
    assert "MINI-03 should pass, but it did not run" in case["failures"][0]
