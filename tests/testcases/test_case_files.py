"""Reading test-case files: good files become cases, broken ones give every problem, located."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

from realign.errors import Problem
from realign.testcases import load_test_file, test_files

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "broken_testcases"
EXPECTED: dict[str, Any] = tomllib.loads((CORPUS / "EXPECTED.toml").read_text(encoding="utf-8"))
HEALTHY = ROOT / "examples" / "healthy.toml"

GOOD = """\
# A comment first, so that line numbers are not all 1.
[[cases]]
name = "first"
facts = "facts/healthy.toml"
unset = ["governance.escalation_path", "meetings.M3"]
patch = { governance = { steering_committee = { exists = false } } }
params = { gov_cadence_factor = 2.0 }
fires = ["GOV-01"]
passes = ["GOV-03"]
not_evaluable = ["GOV-02"]
severity = { "GOV-01" = "critical" }
reasons = { "GOV-02" = "no committee" }
actions = ["ACT-02"]
not_actions = ["ACT-28"]

[[cases.append."culture.integration_activities"]]
type = "team_building"
status = "ongoing"
date = 2024-01-01

[[cases]]
name = "second, with sub-tables"
facts = "facts/healthy.toml"
fires = ["GOV-11"]

[cases.patch.partners.nimbus]
named_contacts = 1

[[cases]]
name = "inline facts"
passes = ["GOV-01"]

[cases.facts.assessment]
id = "X"
"""


def _case_file(tmp_path: Path, text: str, name: str = "x.test.toml") -> Path:
    (tmp_path / "facts").mkdir(exist_ok=True)
    (tmp_path / "facts" / "healthy.toml").write_bytes(HEALTHY.read_bytes())
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- good files ---------------------------------------------------------------------------


def test_a_good_file_reads_every_key(tmp_path: Path) -> None:
    path = _case_file(tmp_path, GOOD)
    loaded = load_test_file(path)
    assert loaded.problems == ()
    first, second, third = loaded.cases
    assert first.name == "first"
    assert first.source == str(path)
    assert first.line == 2
    assert first.where == f"{path}:2"
    assert first.facts_path == (tmp_path / "facts" / "healthy.toml").resolve()
    assert first.facts_inline is None
    assert first.unset == ("governance.escalation_path", "meetings.M3")
    assert first.patch == {"governance": {"steering_committee": {"exists": False}}}
    assert first.append == {
        "culture.integration_activities": (
            {"type": "team_building", "status": "ongoing", "date": dt.date(2024, 1, 1)},
        )
    }
    assert first.params == {"gov_cadence_factor": 2.0}
    assert first.fires == ("GOV-01",)
    assert first.passes == ("GOV-03",)
    assert first.not_evaluable == ("GOV-02",)
    assert first.severity == {"GOV-01": "critical"}
    assert first.reasons == {"GOV-02": "no committee"}
    assert first.actions == ("ACT-02",)
    assert first.not_actions == ("ACT-28",)
    assert first.rules_named() == {
        "GOV-01": ("fires", 0),
        "GOV-03": ("passes", 0),
        "GOV-02": ("not_evaluable", 0),
    }

    assert second.line == 21
    assert second.patch == {"partners": {"nimbus": {"named_contacts": 1}}}
    assert second.unset == ()
    assert second.append == {}

    assert third.facts_path is None
    assert third.facts_inline == {"assessment": {"id": "X"}}


def test_the_facts_path_is_relative_to_the_test_file_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _case_file(tmp_path, GOOD)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded = load_test_file(Path("..") / path.name)
    assert loaded.problems == ()
    assert loaded.cases[0].facts_path == (tmp_path / "facts" / "healthy.toml").resolve()


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = _case_file(tmp_path, GOOD)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    loaded = load_test_file(path)
    assert loaded.problems == ()
    assert len(loaded.cases) == 3


def test_the_catalog_test_files_read_cleanly() -> None:
    files = test_files(ROOT / "rulesets")
    assert files, "rulesets/ holds no *.test.toml"
    for path in files:
        loaded = load_test_file(path)
        assert loaded.problems == (), [str(p) for p in loaded.problems]
        assert loaded.cases, f"{path.name} has no cases"
        assert all(case.line is not None for case in loaded.cases)


def test_test_files_lists_only_test_files(tmp_path: Path) -> None:
    for name in ("b.test.toml", "a.test.toml", "rules.toml", "notes.test.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.test.toml").write_text("", encoding="utf-8")
    assert test_files(tmp_path) == [tmp_path / "a.test.toml", tmp_path / "b.test.toml"]


# --- the broken corpus ----------------------------------------------------------------------


def _corpus() -> list[Any]:
    out = []
    for name, spec in EXPECTED.items():
        marks = [pytest.mark.xfail(strict=True, reason=spec["xfail"])] if "xfail" in spec else []
        out.append(pytest.param(name, spec, id=name, marks=marks))
    return out


def test_every_corpus_file_has_an_expectation() -> None:
    files = {p.stem for p in CORPUS.glob("*.toml") if p.name != "EXPECTED.toml"}
    assert files == set(EXPECTED)


def test_the_expectations_point_at_the_text_they_name() -> None:
    # Guards the corpus itself: a line or column typed into EXPECTED.toml must be right.
    for name, spec in EXPECTED.items():
        lines = (CORPUS / f"{name}.toml").read_text(encoding="utf-8").splitlines()
        for item in spec["expect"]:
            if "line" in item:
                text = lines[item["line"] - 1][item["column"] - 1 :]
                assert text.startswith(item["at"]), (name, item)


def _matches(problem: Problem, item: dict[str, Any]) -> bool:
    data = problem.to_dict()
    advice = f"{problem.expected or ''} {problem.hint or ''}"
    return (
        data["code"] == item["code"]
        and data["path"] == item["path"]
        and data["line"] == item.get("line")
        and data["column"] == item.get("column")
        and item.get("message", "") in problem.message
        and item.get("fix", "") in advice
        and item.get("found", "") in (problem.found or "")
    )


@pytest.mark.parametrize(("name", "spec"), _corpus())
def test_broken_file_reports_every_problem_located(name: str, spec: dict[str, Any]) -> None:
    path = CORPUS / f"{name}.toml"
    loaded = load_test_file(path)
    shown = [str(p) for p in loaded.problems]
    for item in spec["expect"]:
        assert any(_matches(p, item) for p in loaded.problems), (item, shown)
    assert len(loaded.problems) == spec["problems"], shown
    for problem in loaded.problems:
        assert problem.source == str(path)
        assert problem.severity == "error"
        # What a user reads starts with where to look.
        assert str(problem).startswith(problem.location + ": error: ")


def test_three_mistakes_give_three_problems_on_three_lines() -> None:
    loaded = load_test_file(CORPUS / "three_errors.toml")
    assert sorted(p.line for p in loaded.problems if p.line) == [6, 10, 16]


def test_a_case_with_a_problem_is_not_returned() -> None:
    loaded = load_test_file(CORPUS / "three_errors.toml")
    assert loaded.cases == ()


def test_misspelt_keys_read_as_a_user_sees_them() -> None:
    loaded = load_test_file(CORPUS / "misspelt_keys.toml")
    source = str(CORPUS / "misspelt_keys.toml")
    assert [str(p) for p in loaded.problems] == [
        f"{source}:5:1: error: cases[0].fire: unknown key 'fire'; did you mean 'fires'?",
        f"{source}:12:1: error: cases[1].passess: unknown key 'passess'; did you mean 'passes'?",
    ]


def test_an_unknown_key_without_a_near_miss_lists_the_known_keys(tmp_path: Path) -> None:
    path = _case_file(
        tmp_path,
        '[[cases]]\nname = "x"\nfacts = "facts/healthy.toml"\nfires = ["A"]\nzzz = 1\n',
    )
    (problem,) = load_test_file(path).problems
    assert problem.path == ("cases", 0, "zzz")
    assert problem.line == 5
    assert problem.hint is not None
    assert "not_evaluable" in problem.hint
    assert "severity" in problem.hint


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    text = (
        '[[cases]]\nname = "x"\nfacts = "facts/healthy.toml"\n'
        'fires = ["GÖV-01", "GOV-01"]\n'
        'severity = { "GÖV-01" = "high", "GOV-01" = "hgih" }\n'
    )
    path = _case_file(tmp_path, text)
    (problem,) = load_test_file(path).problems
    line = text.splitlines()[4]
    assert problem.line == 5
    assert problem.column == line.index('"GOV-01"') + 1


def test_a_duplicate_name_points_at_the_second_case(tmp_path: Path) -> None:
    case = '[[cases]]\nname = "same"\nfacts = "facts/healthy.toml"\nfires = ["A"]\n\n'
    path = _case_file(tmp_path, case * 3)
    problems = load_test_file(path).problems
    assert [(p.code, p.line, p.path) for p in problems] == [
        ("duplicate", 7, ("cases", 1, "name")),
        ("duplicate", 12, ("cases", 2, "name")),
    ]
    assert all("already used by case 1" in p.message for p in problems)


def test_a_rule_in_two_lists_is_a_conflict_whichever_the_lists(tmp_path: Path) -> None:
    path = _case_file(
        tmp_path,
        '[[cases]]\nname = "x"\nfacts = "facts/healthy.toml"\n'
        'not_evaluable = ["A"]\npasses = ["B", "A"]\n',
    )
    loaded = load_test_file(path)
    (problem,) = loaded.problems
    assert problem.code == "conflict"
    assert problem.path in {("cases", 0, "passes", 1), ("cases", 0, "not_evaluable", 0)}
    assert problem.line == {"passes": 5, "not_evaluable": 4}[str(problem.path[2])]
    assert "A is expected both in" in problem.message
    assert "not_evaluable" in problem.message
    assert "passes" in problem.message
    assert loaded.cases == ()


def test_an_unreadable_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    loaded = load_test_file(tmp_path / "absent.test.toml")
    (problem,) = loaded.problems
    assert problem.code == "io"
    assert "cannot read" in problem.message
    assert loaded.cases == ()


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.test.toml"
    path.write_bytes('[[cases]]\nname = "Zürich"\n'.encode("latin-1"))
    (problem,) = load_test_file(path).problems
    assert problem.code == "encoding"
    assert "UTF-8" in problem.message
