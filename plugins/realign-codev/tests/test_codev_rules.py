"""The COD- rule set: `realign check`, `realign test` coverage, and the two golden examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import realign_codev.plugin as codev_plugin

import realign
from realign.cli import main as realign_main

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
RULE_FILES = codev_plugin.realign_rulesets()
COD_RULES = {"COD-01", "COD-02", "COD-03", "COD-04", "COD-05"}


@pytest.fixture(scope="module")
def plugins() -> object:
    return realign.get_plugin_manager(load_entrypoints=False, extra=[codev_plugin])


@pytest.fixture(scope="module", params=["durable_rules", "python"])
def engine(request: pytest.FixtureRequest, plugins: object) -> realign.Engine:
    # The standard catalog too, as `realign assess` runs it: ids must not clash.
    return realign.Engine.default(plugin_manager=plugins, backend=request.param)


def _main(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the CLI with this plugin registered by hand, whatever is installed."""

    def plugin_manager(**kwargs: object) -> object:
        kwargs.pop("only", None)
        return realign.get_plugin_manager(
            load_entrypoints=False,
            extra=[codev_plugin],
            block=kwargs.get("block", ()),  # type: ignore[arg-type]
        )

    monkeypatch.setattr("realign.cli.get_plugin_manager", plugin_manager)
    return realign_main(argv)


def test_the_package_ships_one_rule_set_and_its_cases() -> None:
    assert [p.name for p in RULE_FILES] == ["codev.toml"]
    assert (codev_plugin.RULESET_DIR / "codev.test.toml").is_file()


def test_ids_are_prefixed_and_actions_are_the_plugins_own() -> None:
    ruleset = realign.load_ruleset_file(RULE_FILES[0])
    assert ruleset.problems == ()
    rules = {rule.id: rule for rule in ruleset.rules}
    assert set(rules) == COD_RULES
    action_ids = {action.id for action in ruleset.actions}
    assert action_ids
    assert all(a.startswith("ACT-COD-") for a in action_ids)
    for rule in rules.values():
        assert rule.area in {"alignment", "governance"}
        assert rule.rationale
        assert rule.sources
        assert rule.actions
        assert set(rule.actions) <= action_ids
    for param in ruleset.params:
        assert param.doc.rstrip().endswith(("[S].", "[A].", "[H].")), param.doc


def test_realign_check_is_clean(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _main(["check", *map(str, RULE_FILES)], monkeypatch)
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert "0 errors, 0 warnings" in out.out


def test_realign_check_type_checks_calls_of_the_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[ruleset]\nid = "bad"\nversion = "1"\ntitle = "Wrong calls"\n\n'
        '[[rules]]\nid = "BAD-01"\ntitle = "t"\narea = "alignment"\nseverity = "low"\n'
        "when = \"priority_correlation(objectives, 3, 'x') < 0\"\n\n"
        '[[rules]]\nid = "BAD-02"\ntitle = "t"\narea = "alignment"\nseverity = "low"\n'
        'when = "rank_correlation([1, 2]) < 0"\n',
        encoding="utf-8",
    )
    code = _main(["check", str(bad)], monkeypatch)
    err = capsys.readouterr()
    text = err.out + err.err
    assert code != 0
    assert "argument 2 of priority_correlation() must be" in text
    assert "rank_correlation" in text


@pytest.mark.parametrize("backend", ["durable_rules", "python"])
def test_realign_test_passes_every_case_with_full_coverage(
    backend: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["test", str(codev_plugin.RULESET_DIR), "--format", "json", "--backend", backend]
    code = _main(argv, monkeypatch)
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 0, [c for c in report["cases"] if c["status"] != "pass"]
    assert report["coverage"]["fires"] == 1.0
    assert report["coverage"]["passes"] == 1.0
    rules = {row["rule"]: row for row in report["coverage"]["rules"]}
    assert set(rules) == COD_RULES
    assert all(row["fires"] and row["passes"] for row in rules.values())
    assert report["problems"] == []
    assert code == 0


def test_case_study_gets_findings_of_its_own(engine: realign.Engine) -> None:
    assessment = engine.assess(EXAMPLES / "case_study_before.toml")
    findings = {f.rule: f for f in assessment.findings if f.rule.startswith("COD-")}
    assert set(findings) == COD_RULES
    assert findings["COD-01"].severity == "critical"
    assert "rank correlation of -0.87" in findings["COD-01"].message
    assert "4 product-priority escalations since 2023-10-20" in findings["COD-02"].message
    assert findings["COD-03"].message.startswith("E1, raised by ironbridge")
    assert findings["COD-04"].message.startswith("O2 (Grow platform subscription attach rate")
    assert "Corvid Software's people rate agreement on the top priorities at 2" in (
        findings["COD-05"].message
    )
    # The standard catalog still runs beside the plugin.
    assert "ALN-02" in assessment.fired


def test_healthy_partnership_gets_no_cod_finding(engine: realign.Engine) -> None:
    assessment = engine.assess(EXAMPLES / "healthy.toml")
    assert [f.rule for f in assessment.findings if f.rule.startswith("COD-")] == []
    # Judged, not skipped: every COD- rule passed.
    assert set(assessment.passed) >= COD_RULES


def test_the_shipped_testdata_are_the_examples() -> None:
    # The test cases run on copies; they must stay the examples they claim to be.
    for name in ("case_study_before.toml", "healthy.toml"):
        shipped = (codev_plugin.RULESET_DIR / "testdata" / name).read_bytes()
        assert shipped == (EXAMPLES / name).read_bytes(), name
