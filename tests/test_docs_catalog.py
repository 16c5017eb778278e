"""docs/catalog.md keeps up with rulesets/, and the test-case examples of docs/rulesets.md run.

docs/catalog.md is committed Markdown, written from the rule sets. These tests read the
rule sets with ``tomllib`` (independently of realign's reader) and compare:

* every rule: its row sits in its area's section, with the exact title, the base
  severity followed by every ``severity_if`` entry (``SEVERITY when `CONDITION` ``),
  and the static actions followed by every ``actions_if`` entry;
* every param: type, default, provenance tag ([S], [A] or [H] in its doc);
* every action: title, effort, impact days, phase, root causes and the rules that
  recommend it; the scoring model's values; the counts the introduction states.

docs/rulesets.md shows test-case files in unlabelled fences (its ```toml blocks are
rule sets, checked by tests/test_docs_rulesets.py); here each of them runs against the
standard catalog and must pass.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from realign import get_plugin_manager
from realign.rules.ruleset import ruleset_files
from realign.testcases import load_test_file, run_tests

ROOT = Path(__file__).resolve().parent.parent
CATALOG_DIR = ROOT / "rulesets"
DOC = ROOT / "docs" / "catalog.md"
RULESETS_DOC = ROOT / "docs" / "rulesets.md"
AREAS = ("governance", "culture", "market", "alignment", "early_warning", "continuous")

_ROW = re.compile(r"^\|(.*)\|\s*$")
_TAG = re.compile(r"\[([SAH])\]")
_WHEN = re.compile(r"^(?P<head>.*?) when `(?P<cond>[^`]*)`$")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _files() -> dict[str, dict[str, Any]]:
    return {
        path.name: tomllib.loads(path.read_text(encoding="utf-8"))
        for path in ruleset_files(CATALOG_DIR)
    }


FILES = _files()
RULES = [rule for data in FILES.values() for rule in data.get("rules", [])]
PARAMS = {
    name: (spec, rule_area)
    for data in FILES.values()
    for rule_area in {r["area"] for r in data.get("rules", [])}
    for name, spec in data.get("params", {}).items()
}
ACTIONS = {a["id"]: a for data in FILES.values() for a in data.get("actions", [])}
SCORING = next(data["scoring"] for data in FILES.values() if "scoring" in data)


def _sections(text: str) -> dict[str, list[str]]:
    """Lines of each ``## `` section, by heading."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out[current] = []
        elif current:
            out[current].append(line)
    return out


def _rows(lines: list[str]) -> Iterator[list[str]]:
    """Cells of every table row; header rows (those above a ``|---|`` row) left out."""
    table = []
    for line in lines:
        match = _ROW.match(line)
        if match is not None:
            table.append([cell.strip() for cell in match.group(1).split("|")])
    for index, cells in enumerate(table):
        following = table[index + 1] if index + 1 < len(table) else None
        if _is_separator(cells) or (following is not None and _is_separator(following)):
            continue
        yield cells


def _is_separator(cells: list[str]) -> bool:
    return all(cell and set(cell) <= {"-", ":"} for cell in cells)


def _area_of(lines: list[str]) -> str | None:
    for line in lines:
        match = re.match(r"Area `(\w+)`", line)
        if match:
            return match.group(1)
    return None


PAGE = DOC.read_text(encoding="utf-8")
SECTIONS = _sections(PAGE)
AREA_SECTIONS = {
    area: lines for lines in SECTIONS.values() if (area := _area_of(lines)) is not None
}


def _rule_rows() -> dict[str, list[tuple[str, list[str]]]]:
    """Rule rows of the page by rule id: (the area of the section, the cells)."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for area, lines in AREA_SECTIONS.items():
        for cells in _rows(lines):
            if re.fullmatch(r"[A-Z]+-\d+", cells[0]):
                out.setdefault(cells[0], []).append((area, cells))
    return out


def _param_rows() -> dict[str, list[tuple[str, list[str]]]]:
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for area, lines in AREA_SECTIONS.items():
        for cells in _rows(lines):
            match = re.fullmatch(r"`([a-z_][a-z0-9_]*)`", cells[0])
            if match:
                out.setdefault(match.group(1), []).append((area, cells))
    return out


def _split_when(cell: str) -> tuple[str, list[tuple[str, str]]]:
    """``BASE; X when `C`; Y when `D``` into the base part and the (X, C) pairs."""
    parts = [part.strip() for part in cell.split("; ")]
    base = ""
    if _WHEN.match(parts[0]) is None:
        base = parts.pop(0)
    conditional = []
    for part in parts:
        match = _WHEN.match(part)
        assert match is not None, f"not 'X when `condition`': {part!r}"
        conditional.append((match.group("head"), match.group("cond")))
    return base, conditional


def _default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


# --- rules -------------------------------------------------------------------------------


def test_the_catalog_is_read() -> None:
    """Guards the tests below against passing on an empty catalog or an unparsed page."""
    assert len(RULES) >= 50
    assert {r["area"] for r in RULES} == set(AREAS)
    assert set(AREA_SECTIONS) == set(AREAS)
    assert len(_rule_rows()) >= 50


@pytest.mark.parametrize("rule", RULES, ids=[r["id"] for r in RULES])
def test_every_rule_is_listed_with_its_title_severities_and_actions(
    rule: Mapping[str, Any],
) -> None:
    rows = _rule_rows().get(rule["id"], [])
    assert len(rows) == 1, f"{rule['id']} should have exactly one row, has {len(rows)}"
    area, cells = rows[0]
    assert area == rule["area"], f"{rule['id']} is listed under {area}"
    assert len(cells) == 4
    _, title, severity, actions = cells
    assert title == rule["title"]
    base, conditional = _split_when(severity)
    assert base == rule["severity"]
    assert conditional == [
        (item["severity"], _one_line(item["when"])) for item in rule.get("severity_if", [])
    ]
    static, earned = _split_when(actions)
    assert [a for a in static.split(", ") if a] == list(rule.get("actions", []))
    assert earned == [
        (", ".join(item["actions"]), _one_line(item["when"])) for item in rule.get("actions_if", [])
    ]


def test_the_page_lists_no_rule_the_catalog_does_not_have() -> None:
    assert sorted(set(_rule_rows()) - {r["id"] for r in RULES}) == []


# --- params ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_every_param_is_listed_with_its_type_default_and_tag(name: str) -> None:
    spec, area = PARAMS[name]
    rows = _param_rows().get(name, [])
    assert len(rows) == 1, f"{name} should have exactly one row, has {len(rows)}"
    listed_area, cells = rows[0]
    assert listed_area == area
    assert len(cells) == 5
    _, kind, default, tag, _ = cells
    assert kind == spec["type"]
    assert default == f"`{_default(spec['default'])}`"
    assert [tag] == _TAG.findall(spec["doc"])


def test_the_page_lists_no_param_the_catalog_does_not_have() -> None:
    assert len(PARAMS) >= 40
    assert sorted(set(_param_rows()) - set(PARAMS)) == []


# --- actions, scoring, counts ------------------------------------------------------------


def test_every_action_is_listed_with_its_attributes_and_the_rules_recommending_it() -> None:
    recommended: dict[str, set[str]] = {}
    for rule in RULES:
        listed = [
            *rule.get("actions", []),
            *(a for i in rule.get("actions_if", []) for a in i["actions"]),
        ]
        for action in listed:
            recommended.setdefault(action, set()).add(rule["id"])
    rows = {cells[0]: cells for cells in _rows(SECTIONS["Actions"])}
    assert len(ACTIONS) >= 30
    assert sorted(rows) == sorted(ACTIONS)
    for action_id, action in ACTIONS.items():
        _, title, effort, impact, phase, roots, by = rows[action_id]
        assert title == action["title"], action_id
        assert effort == action.get("effort", ""), action_id
        assert impact == str(action.get("impact_days", "")), action_id
        assert phase == action.get("phase", ""), action_id
        assert roots == ", ".join(action.get("root_causes", [])), action_id
        assert set(by.split(", ")) - {""} == recommended.get(action_id, set()), action_id


def _pairs(cell: str) -> dict[str, float]:
    return {name: float(value) for name, value in re.findall(r"(\w+) (-?[\d.]+)", cell)}


def test_the_scoring_model_is_listed_with_its_values() -> None:
    rows = {cells[0].strip("`"): cells[1] for cells in _rows(SECTIONS["Scoring model"])}
    assert rows["catalog_version"] == f"`{SCORING['catalog_version']}`"
    assert _pairs(rows["factors"]) == SCORING["factors"]
    assert _pairs(rows["weights"]) == SCORING["weights"]
    assert _pairs(rows["trend"]) == SCORING["trend"]
    assert re.findall(r"(green|amber) from ([\d.]+)", rows["bands"]) == [
        (band, f"{SCORING['bands'][band]:g}") for band in ("green", "amber")
    ]
    assert float(rows["low_confidence"]) == SCORING["low_confidence"]
    assert int(rows["plan_size"]) == SCORING["plan_size"]


def test_the_introduction_states_the_right_counts_and_version() -> None:
    intro = PAGE.split("\n## ", 1)[0]
    counts = re.search(r"(\d+) diagnostic rules in (\w+) areas, (\d+) realignment actions", intro)
    assert counts is not None
    assert int(counts.group(1)) == len(RULES)
    assert (counts.group(2), len({r["area"] for r in RULES})) == ("six", 6)
    assert int(counts.group(3)) == len(ACTIONS)
    assert f"This is catalog version {SCORING['catalog_version']}." in intro


# --- links -------------------------------------------------------------------------------


def _slugs(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", heading).replace(" ", "-"))
    return out


@pytest.mark.parametrize("page", [DOC, RULESETS_DOC], ids=lambda p: p.name)
def test_links_between_the_pages_resolve(page: Path) -> None:
    broken = []
    for target, anchor in re.findall(r"\]\(([\w.-]*\.md)?(?:#([\w-]+))?\)", page.read_text()):
        path = page.parent / target if target else page
        if not path.is_file():
            broken.append(f"{target}: no such page")
        elif anchor and anchor not in _slugs(path.read_text(encoding="utf-8")):
            broken.append(f"{target}#{anchor}: no such heading")
    assert broken == []


# --- test-case examples of docs/rulesets.md ----------------------------------------------


def _test_case_examples() -> list[str]:
    """The unlabelled fenced blocks of docs/rulesets.md that hold ``[[cases]]``."""
    blocks: list[str] = []
    lines = RULESETS_DOC.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        if not lines[index].startswith("```"):
            index += 1
            continue
        lang = lines[index][3:].strip()
        end = index + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if lang == "":
            blocks.append("\n".join(lines[index + 1 : end]) + "\n")
        index = end + 1
    return [block for block in blocks if "[[cases]]" in block]


EXAMPLES = _test_case_examples()


def test_rulesets_doc_shows_test_case_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("text", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_test_case_examples_pass_against_the_standard_catalog(text: str, tmp_path: Path) -> None:
    # Beside the catalog's rule sets and its testdata/, as the page says test files live.
    for path in ruleset_files(CATALOG_DIR):
        (tmp_path / path.name).symlink_to(path)
    (tmp_path / "testdata").symlink_to(CATALOG_DIR / "testdata")
    case_file = tmp_path / "example.test.toml"
    case_file.write_text(text, encoding="utf-8")
    loaded = load_test_file(case_file)
    assert [str(p) for p in loaded.problems] == []
    assert loaded.cases
    run = run_tests(
        ruleset_files(tmp_path),
        [loaded],
        plugin_manager=get_plugin_manager(load_entrypoints=False),
        backend="python",
    )
    assert [str(p) for p in run.problems] == []
    assert {r.case.name: (r.failures, r.error) for r in run.failed} == {}
    assert len(run.results) == len(loaded.cases)
