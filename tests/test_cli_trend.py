"""realign trend, as a user runs it: the formats, exit codes, bad series, a progress bar."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import tomllib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from realign.cli import main
from realign.rules.types import SEVERITIES
from realign.schema import trend_schema


def _quarters(examples_dir: Path, directory: Path) -> list[str]:
    """Three quarters of the healthy example, as JSON files; the last loses a fact."""
    doc = tomllib.loads((examples_dir / "healthy.toml").read_text(encoding="utf-8"))
    doc.pop("history")
    names = []
    for i, period in enumerate(("2025-Q2", "2025-Q3", "2025-Q4")):
        out: dict[str, Any] = json.loads(json.dumps(doc, default=str))
        as_of = date.fromisoformat(str(doc["assessment"]["as_of"])) + timedelta(days=91 * i)
        out["assessment"].update(id=f"HN-{period}", as_of=as_of.isoformat(), period=period)
        if i == 2:
            del out["partnership"]["exit_provisions_defined"]
        path = directory / f"helix_{period}.json"
        path.write_text(json.dumps(out), encoding="utf-8")
        names.append(str(path))
    return names


@pytest.fixture
def quarters(examples_dir: Path, tmp_path: Path) -> list[str]:
    return _quarters(examples_dir, tmp_path)


def test_json_lists_every_period_and_validates_against_its_schema(
    capsys: pytest.CaptureFixture[str], quarters: list[str]
) -> None:
    assert main(["trend", *reversed(quarters), "--format", "json", "--backend", "python"]) == 0
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, trend_schema())
    assert document["schema"] == "realign/trend@1"
    assert [p["period"] for p in document["periods"]] == ["2025-Q2", "2025-Q3", "2025-Q4"]
    last = document["periods"][-1]["findings"]
    assert last["compared_with"] == "2025-Q3"
    assert [f["rule"] for f in last["no_longer_evaluable"]] == ["ALN-08"]


def test_both_backends_give_the_same_trend(
    capsys: pytest.CaptureFixture[str], quarters: list[str]
) -> None:
    outputs = []
    for backend in ("python", "durable_rules"):
        assert main(["trend", *quarters, "--format", "json", "--backend", backend]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


def test_the_text_report_shows_scores_changes_and_alerts(
    capsys: pytest.CaptureFixture[str], quarters: list[str]
) -> None:
    assert main(["trend", *quarters, "--no-color"]) == 0
    out = capsys.readouterr().out
    assert "Scores over time" in out
    assert "2025-Q4 against 2025-Q3" in out
    assert "no longer evaluable, not resolved (1): ALN-08 low" in out
    assert "Drift alerts in 2025-Q4, the latest period:" in out


def test_markdown_and_html_are_written_to_a_file(
    quarters: list[str], tmp_path: Path, parse_html: Callable[[str], Any]
) -> None:
    md, page = tmp_path / "trend.md", tmp_path / "trend.html"
    assert main(["trend", *quarters, "--format", "markdown", "-o", str(md)]) == 0
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Helix Diagnostics x Nimbus Analytics")
    assert "| Area | 2025-Q2 | 2025-Q3 | 2025-Q4 |" in text
    assert "### 2025-Q4 against 2025-Q3" in text
    assert main(["trend", *quarters, "--format", "html", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")

    parser = parse_html(html)
    assert "script" not in parser.tags
    assert parser.tags.count("svg") == 1
    # The chart draws a line per series: overall and the six areas.
    assert html.count('class="line reactive nofill"') == 7


def test_fail_on_reads_the_latest_period(
    capsys: pytest.CaptureFixture[str], quarters: list[str]
) -> None:
    assert main(["trend", *quarters, "--format", "json"]) == 0
    latest = json.loads(capsys.readouterr().out)["periods"][-1]["findings"]["fired"]
    worst = max(SEVERITIES.index(f["severity"]) for f in latest)
    assert worst < len(SEVERITIES) - 1, "the test needs a severity above the worst"
    assert main(["trend", *quarters, "--fail-on", SEVERITIES[worst]]) == 1
    assert main(["trend", *quarters, "--fail-on", SEVERITIES[worst + 1]]) == 0
    capsys.readouterr()


def test_fail_on_alert(
    capsys: pytest.CaptureFixture[str], examples_dir: Path, tmp_path: Path
) -> None:
    doc = tomllib.loads((examples_dir / "healthy.toml").read_text(encoding="utf-8"))
    quiet = tmp_path / "quiet.json"
    quiet.write_text(json.dumps(doc, default=str), encoding="utf-8")
    assert main(["trend", str(quiet), "--fail-on-alert"]) == 0
    capsys.readouterr()
    # Governance was whole last quarter; now it has no decision protocol and no
    # escalation path, and falls out of green.
    doc["history"][-1]["area_scores"]["governance"] = 100.0
    doc["governance"]["decision_protocol"]["documented"] = False
    doc["governance"]["escalation_path"]["defined"] = False
    loud = tmp_path / "loud.json"
    loud.write_text(json.dumps(doc, default=str), encoding="utf-8")
    assert main(["trend", str(loud), "--format", "json"]) == 0
    alerts = json.loads(capsys.readouterr().out)["alerts"]
    assert ("2025-Q2", "deteriorating", "governance") in [
        (a["period"], a["kind"], a["scope"]) for a in alerts
    ]
    assert main(["trend", str(loud), "--fail-on-alert"]) == 1
    capsys.readouterr()


def test_a_series_of_two_partnerships_is_bad_input(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    files = [str(examples_dir / "healthy.toml"), str(examples_dir / "case_study_before.toml")]
    assert main(["trend", *files]) == 2
    err = capsys.readouterr().err
    assert "a trend follows one partnership" in err
    assert "'helix-nimbus' in " in err
    assert "Traceback" not in err


def test_every_bad_file_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, quarters: list[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[assessment\n", encoding="utf-8")
    assert main(["trend", quarters[0], str(broken), str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert "broken.toml:1:" in err
    assert "missing.toml: error: cannot read file" in err
    assert "2 errors; nothing was assessed." in err


@pytest.mark.parametrize("command_name", ["assess", "trend"])
def test_a_progress_bar_is_drawn_for_many_files_on_a_terminal_only(
    quarters: list[str], command_name: str
) -> None:
    command = [sys.executable, "-m", "realign", command_name, *quarters, "--format", "json"]
    environment = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    # Off a terminal: stderr says nothing.
    plain = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    assert plain.returncode == 0, plain.stderr
    assert plain.stderr == ""
    # On a terminal: the bar counts the files.
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=follower, env=environment, check=False
        )
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert json.loads(done.stdout)["schema"].startswith("realign/")
    text = drawn.decode("utf-8", "replace")
    assert "assessing" in text
    assert "3/3" in text
