"""realign init: starter files that pass realign's own checks, and nothing overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from realign.cli import main


def test_the_starter_files_pass_check_facts_and_assess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "engagement"
    assert main(["init", str(target)]) == 0
    assert "realign check" in capsys.readouterr().out
    facts, rules = target / "facts.toml", target / "rules.toml"
    assert facts.read_text(encoding="utf-8").startswith("# A starter fact file")
    assert main(["check", str(rules), "--format", "json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert (checked["errors"], checked["warnings"], checked["problems"]) == (0, 0, [])
    assert main(["facts", str(facts), "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["assess", str(facts), "--ruleset", str(rules), "--format", "json"]) in (0, 1)
    assessment = json.loads(capsys.readouterr().out)
    assert "MY-01" in {*assessment["passed"], *(f["rule"] for f in assessment["findings"])}


def test_nothing_is_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "rules.toml").write_text("# mine\n", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 2
    assert "not overwriting" in capsys.readouterr().err
    assert (tmp_path / "rules.toml").read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / "facts.toml").exists()
