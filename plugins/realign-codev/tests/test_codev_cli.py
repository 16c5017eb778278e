"""`realign assess --format json` with the plugin: registered by hand, and installed."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

import pytest
import realign_codev.plugin as codev_plugin

import realign
from realign.cli import main as realign_main

CASE_STUDY = Path(__file__).resolve().parents[3] / "examples" / "case_study_before.toml"


def _installed() -> bool:
    try:
        importlib.metadata.distribution("realign-codev")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


needs_install = pytest.mark.skipif(
    not _installed(), reason="realign-codev is not installed, so its entry point is not registered"
)


def _cod_findings(capsys: pytest.CaptureFixture[str]) -> list[str]:
    report = json.loads(capsys.readouterr().out)
    return sorted(f["rule"] for f in report["findings"] if f["rule"].startswith("COD-"))


def test_assess_json_with_the_plugin_registered_by_hand(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def plugin_manager(**kwargs: Any) -> Any:
        return realign.get_plugin_manager(
            load_entrypoints=False, extra=[codev_plugin], block=kwargs.get("block", ())
        )

    monkeypatch.setattr("realign.cli.get_plugin_manager", plugin_manager)
    code = realign_main(["assess", str(CASE_STUDY), "--format", "json"])
    assert code == 0
    assert _cod_findings(capsys) == ["COD-01", "COD-02", "COD-03", "COD-04", "COD-05"]


def test_assess_json_without_the_plugin_has_no_cod_findings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "realign.cli.get_plugin_manager",
        lambda **kwargs: realign.get_plugin_manager(load_entrypoints=False),
    )
    assert realign_main(["assess", str(CASE_STUDY), "--format", "json"]) == 0
    assert _cod_findings(capsys) == []


@needs_install
def test_the_entry_point_loads_the_plugin() -> None:
    plugins = realign.get_plugin_manager(only=["codev"], environ={})
    engine = realign.Engine.default(plugin_manager=plugins)
    fired = engine.assess(CASE_STUDY).fired
    assert {"COD-01", "COD-02", "COD-03", "COD-04", "COD-05"} <= set(fired)


@needs_install
def test_installed_cli_includes_cod_findings_unless_disabled(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Other installed plugins and the caller's environment must not decide this test.
    monkeypatch.delenv("REALIGN_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("REALIGN_DISABLE_PLUGINS", raising=False)
    base = ["assess", str(CASE_STUDY), "--format", "json", "--plugin", "codev"]
    assert realign_main(base) == 0
    assert _cod_findings(capsys) == ["COD-01", "COD-02", "COD-03", "COD-04", "COD-05"]

    assert realign_main([*base, "--disable-plugin", "codev"]) == 0
    assert _cod_findings(capsys) == []

    assert (
        realign_main(["assess", str(CASE_STUDY), "--format", "json", "--disable-plugin", "codev"])
        == 0
    )
    assert _cod_findings(capsys) == []
