"""realign rules: browse the catalog, one rule whole with its params' current values."""

from __future__ import annotations

import json

import pytest

from realign.cli import main


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["rules", *args, "--json"]) == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_the_catalog_is_listed_and_filtered_by_area(capsys: pytest.CaptureFixture[str]) -> None:
    every = _json(capsys)
    assert every["schema"] == "realign/rules@1"
    rules = every["rules"]
    assert isinstance(rules, list)
    assert len(rules) == 50
    assert rules[0].keys() == {"id", "title", "area", "severity", "ruleset", "enabled"}
    governance = _json(capsys, "--area", "governance")["rules"]
    assert isinstance(governance, list)
    assert [r["id"] for r in governance] == [f"GOV-{i:02d}" for i in range(1, 12)]


def test_one_rule_is_shown_with_its_params_as_they_are_now(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rule = _json(capsys, "show", "GOV-02")
    assert rule["title"] == "Steering committee cadence lapsed"
    params = {p["name"]: p for p in rule["params"]}  # type: ignore[attr-defined]
    assert params["gov_cadence_factor"]["value"] == 1.5
    assert params["gov_cadence_factor"]["overridden"] is False
    assert "[H]" in params["gov_cadence_factor"]["doc"]
    assert rule["actions"] == [  # type: ignore[comparison-overlap]
        {"id": "ACT-03", "title": "Meeting cadence and hygiene standard"},
        {"id": "ACT-27", "title": "Executive sponsor re-engagement (or replacement)"},
    ]
    changed = _json(capsys, "show", "GOV-02", "--param", "gov_cadence_factor=2")
    factor = next(p for p in changed["params"] if p["name"] == "gov_cadence_factor")  # type: ignore[attr-defined]
    assert (factor["value"], factor["default"], factor["overridden"]) == (2.0, 1.5, True)


def test_the_text_shows_conditions_params_and_actions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "GOV-02", "--no-color"]) == 0
    out = capsys.readouterr().out
    for part in ("GOV-02 Steering committee cadence lapsed", "gov_cadence_factor", "ACT-03"):
        assert part in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "GOV-2"], "no rule is named 'GOV-2'; did you mean 'GOV-02'?"),
        (["shw", "GOV-02"], "realign rules show ID"),
        (["show"], "realign rules show ID"),
    ],
)
def test_a_wrong_request_is_bad_input(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["rules", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
