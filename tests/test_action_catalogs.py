"""Action catalogs: plugins contribute actions any rule may recommend, apart from rules."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from realign import hookimpl
from realign.engine.engine import action_catalogs_of, ruleset_paths_of
from realign.testing import engine_with, with_plugins

HEADER = """
[ruleset]
id = "{id}"
version = "0.1.0"
title = "{id}"
realign = ">=0.1"
"""

CATALOG = (
    HEADER.format(id="acme-actions")
    + """
[[actions]]
id = "ACT-ACME-01"
title = "Rotate the steering-committee chair between the partners"
effort = "S"
impact_days = 91
"""
)

RULES = (
    HEADER.format(id="acme-rules")
    + """
[[rules]]
id = "ACME-01"
title = "No escalation path"
area = "governance"
severity = "high"
when = "governance.escalation_path.defined == false"
actions = ["ACT-ACME-01"]
"""
)


class _Provider:
    def __init__(self, rules: Path, catalog: Path) -> None:
        self.rules, self.catalog = rules, catalog

    @hookimpl
    def realign_rulesets(self) -> Iterable[Path]:
        return [self.rules]

    @hookimpl
    def realign_action_catalogs(self) -> Iterable[Path]:
        return [self.catalog]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    rules, catalog = tmp_path / "rules.toml", tmp_path / "actions.toml"
    rules.write_text(RULES, encoding="utf-8")
    catalog.write_text(CATALOG, encoding="utf-8")
    return rules, catalog


def test_a_rule_recommends_an_action_from_another_plugins_catalog(
    files: tuple[Path, Path], examples_dir: Path
) -> None:
    engine = engine_with(_Provider(*files))
    assert "ACT-ACME-01" in engine.catalog.actions
    assessment = engine.assess(examples_dir / "case_study_before.toml")
    [finding] = [f for f in assessment.findings if f.rule == "ACME-01"]
    assert finding.actions == ("ACT-ACME-01",)
    assert "ACT-ACME-01" in {item.action for item in assessment.plan}


def test_a_catalog_that_defines_rules_is_left_out(files: tuple[Path, Path]) -> None:
    rules, _ = files
    provider = _Provider(rules, rules)  # the rule set handed in as an action catalog
    pm = with_plugins(provider)
    # Only the standard catalog's actions are left.
    assert [Path(c.source).name for c in action_catalogs_of(pm)] == ["actions.toml"]
    [failure] = pm.failures
    assert failure.plugin == pm.get_name(provider)
    assert "defines rules (ACME-01, ...)" in failure.message


def test_the_standard_actions_come_through_the_hook() -> None:
    pm = with_plugins()
    [catalog] = action_catalogs_of(pm)
    assert Path(catalog.source).name == "actions.toml"
    assert len(catalog.actions) == 30
    assert not catalog.rules
    assert "actions.toml" not in {path.name for path in ruleset_paths_of(pm)}
