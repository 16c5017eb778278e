"""Rules not evaluable because another rule already reports the absence are not data gaps.

DOMAIN §4.5 keeps them apart from genuine gaps in coverage; the standard catalog says so
with a reason that ends "(see RULE)", which scoring reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from realign import Engine
from realign.testing import engine_with

ROOT = Path(__file__).resolve().parents[2]
#: a quarter before the culture audit: no partner has a culture profile yet
NO_PROFILES = ROOT / "tests" / "data" / "series" / "corvid_ironbridge_2023-Q2.toml"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return engine_with(backend="python")


def test_culture_rules_defer_to_the_missing_profile_finding(engine: Engine) -> None:
    assessment = engine.assess(NO_PROFILES)
    assert "CUL-08" in assessment.fired
    coverage = assessment.coverage
    assert coverage is not None
    deferring = sorted(
        n.rule for n in assessment.not_evaluable if "CUL-08 reports the missing profile" in n.reason
    )
    assert deferring, "the file should leave the culture rules without profiles"
    assert set(deferring) <= set(coverage.reported_elsewhere)
    assert not set(deferring) & set(coverage.data_gaps)


def test_every_deferring_reason_in_the_catalog_names_its_rule(engine: Engine) -> None:
    """A reason that says another rule reports the absence must say "(see RULE)"."""
    import tomllib

    for path in sorted((ROOT / "rulesets").glob("*.toml")):
        if path.name.endswith(".test.toml"):
            continue
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        for rule in data.get("rules", []):
            for require in rule.get("requires", []):
                reason = require.get("reason", "")
                if " reports " in reason:
                    assert "(see " in reason, f"{path.name} {rule['id']}: {reason!r}"
