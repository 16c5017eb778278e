"""The standard catalog's realignment actions (rulesets/actions.toml) against DOMAIN §3 and §4.6."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from realign.rules.ruleset import ActionSpec, RuleSetFile, load_ruleset_file

REPO = Path(__file__).resolve().parents[2]
ACTIONS_FILE = REPO / "rulesets" / "actions.toml"
# DOMAIN.md lives in the shared research folder next to the repository, not in it.
DOMAIN_FILE = REPO.parent / "shared" / "domain" / "DOMAIN.md"

EXPECTED_IDS = [f"ACT-{n:02d}" for n in range(1, 31)]

# DOMAIN §4.6 fixes the phase of these actions; the others are the catalog's choice.
DOMAIN_PHASES = {
    "ACT-15": "diagnose",
    "ACT-13": "diagnose",
    "ACT-21": "diagnose",
    "ACT-02": "structure",
    "ACT-04": "structure",
    "ACT-05": "structure",
    "ACT-06": "structure",
    "ACT-29": "structure",
    "ACT-01": "operate",
    "ACT-03": "operate",
    "ACT-12": "operate",
    "ACT-19": "operate",
}

# `**ACT-01 — Title** · effort ... · impact ... · owner ... · root M, I`
HEADING = re.compile(r"^\*\*(ACT-\d{2}) — (.+?)\*\*(.*)$", re.MULTILINE)


@pytest.fixture(scope="module")
def loaded() -> RuleSetFile:
    return load_ruleset_file(ACTIONS_FILE)


@pytest.fixture(scope="module")
def actions(loaded: RuleSetFile) -> dict[str, ActionSpec]:
    return {action.id: action for action in loaded.actions}


@pytest.fixture(scope="module")
def domain_headings() -> dict[str, tuple[str, str]]:
    """Each action's DOMAIN §3 title and the rest of its heading line (effort, impact, root)."""
    if not DOMAIN_FILE.is_file():
        pytest.skip(f"the domain research is not available at {DOMAIN_FILE}")
    text = DOMAIN_FILE.read_text(encoding="utf-8")
    headings = {m.group(1): (m.group(2).strip(), m.group(3)) for m in HEADING.finditer(text)}
    assert sorted(headings) == EXPECTED_IDS, "DOMAIN §3 no longer lists ACT-01..ACT-30"
    return headings


def test_file_loads_without_problems(loaded: RuleSetFile) -> None:
    assert loaded.problems == ()
    assert loaded.header is not None
    assert loaded.header.id == "standard.actions"
    assert loaded.rules == ()


def test_ids_are_exactly_act_01_to_30(loaded: RuleSetFile) -> None:
    ids = [action.id for action in loaded.actions]
    assert ids == EXPECTED_IDS


def test_titles_match_domain(
    actions: dict[str, ActionSpec], domain_headings: dict[str, tuple[str, str]]
) -> None:
    mismatched = {
        ident: (actions[ident].title, title)
        for ident, (title, _) in domain_headings.items()
        if actions[ident].title != title
    }
    assert mismatched == {}


def _upper_effort(heading_rest: str) -> str:
    # The effort is the second field: "effort S per session", "S–M", "M (10–20 pd)".
    field = heading_rest.split("·")[1].strip().removeprefix("effort").strip()
    letters = re.findall(r"\b[SML]\b", field.split("(")[0])
    assert letters, f"no effort letter in {field!r}"
    return letters[-1]


def _root_letters(heading_rest: str) -> list[str]:
    field = heading_rest.split("·")[-1].strip()
    assert field.startswith("root "), field
    return [letter.strip() for letter in field.removeprefix("root ").split(",")]


def test_effort_is_the_upper_letter_of_domain_range(
    actions: dict[str, ActionSpec], domain_headings: dict[str, tuple[str, str]]
) -> None:
    expected = {ident: _upper_effort(rest) for ident, (_, rest) in domain_headings.items()}
    assert {ident: actions[ident].effort for ident in expected} == expected


def test_root_causes_match_domain(
    actions: dict[str, ActionSpec], domain_headings: dict[str, tuple[str, str]]
) -> None:
    expected = {ident: _root_letters(rest) for ident, (_, rest) in domain_headings.items()}
    got = {ident: list(actions[ident].root_causes) for ident in expected}
    assert got == expected


def test_domain_phases(actions: dict[str, ActionSpec]) -> None:
    assert {ident: actions[ident].phase for ident in DOMAIN_PHASES} == DOMAIN_PHASES


@pytest.mark.parametrize("ident", EXPECTED_IDS)
def test_action_is_complete(actions: dict[str, ActionSpec], ident: str) -> None:
    action = actions[ident]
    assert action.description.strip()
    assert action.effort in ("S", "M", "L")
    assert action.impact_days is not None
    assert action.impact_days > 0
    assert action.owner.strip()
    assert len(action.root_causes) >= 1
    assert action.phase in ("diagnose", "structure", "operate")
    assert action.done_when.strip()
    assert len(action.sources) >= 1
    assert all(re.match(r"\[\d+\] \S", source) for source in action.sources), action.sources
