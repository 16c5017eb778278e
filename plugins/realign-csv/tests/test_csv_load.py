"""Loading manifests: round trip, append and replace, the CLI and the entry point."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pluggy
import pytest

import realign
import realign.cli

# The package must be installed (pip install -e plugins/realign-csv) for these tests to run.
plugin = pytest.importorskip("realign_csv.plugin", reason="realign-csv is not installed")
export = pytest.importorskip("realign_csv.export", reason="realign-csv is not installed")

REPO = Path(__file__).resolve().parents[3]
ORIGINAL = REPO / "examples" / "case_study_before.toml"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "q1_with_exports.csvfacts.toml"


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return realign.get_plugin_manager(load_entrypoints=False, extra=[plugin], environ={})


@pytest.fixture(scope="module")
def original(pm: pluggy.PluginManager) -> realign.Partnership:
    return realign.load_partnership(ORIGINAL, plugin_manager=pm).partnership


def _exported(tmp_path: Path, original: realign.Partnership, mode: str) -> Path:
    export.write_pulse_csv(original, tmp_path / "pulse.csv")
    export.write_kpi_csv(original, tmp_path / "kpis.csv")
    manifest = tmp_path / "round.csvfacts.toml"
    manifest.write_text(
        f"facts = {json.dumps(str(ORIGINAL))}\n"
        'pulse_surveys = ["pulse.csv"]\nkpi_series = ["kpis.csv"]\n'
        f'mode = "{mode}"\n',
        encoding="utf-8",
    )
    return manifest


def test_csv_round_trip_replace_equals_original(
    tmp_path: Path, pm: pluggy.PluginManager, original: realign.Partnership
) -> None:
    manifest = _exported(tmp_path, original, "replace")
    loaded = realign.load_partnership(manifest, plugin_manager=pm)
    assert loaded.source == str(manifest)
    assert loaded.partnership == original
    # The equality must come from the CSV rows, not from the fact file's own.
    assert len(original.pulse_surveys) == 2
    assert sum(len(k.series) for k in original.kpis) == 7


def test_csv_round_trip_replace_takes_values_from_the_csv(
    tmp_path: Path, pm: pluggy.PluginManager, original: realign.Partnership
) -> None:
    manifest = _exported(tmp_path, original, "replace")
    pulse = tmp_path / "pulse.csv"
    pulse.write_text(pulse.read_text().replace(",2.3,2.4,", ",4.3,2.4,"), encoding="utf-8")
    kpis = tmp_path / "kpis.csv"
    kpis.write_text(kpis.read_text().replace("K3,2023-Q4,8.0,7.5", "K3,2023-Q4,8.0,1"))
    loaded = realign.load_partnership(manifest, plugin_manager=pm).partnership
    corvid = next(s for s in loaded.pulse_surveys if s.respondent_org == "corvid")
    assert corvid.items["trust"] == 4.3
    k3 = next(k for k in loaded.kpis if k.id == "K3")
    assert [p.actual for p in k3.series] == [4, 1, 9.5]


def test_csv_replace_touches_only_the_kpis_named(
    tmp_path: Path, pm: pluggy.PluginManager, original: realign.Partnership
) -> None:
    (tmp_path / "k2.csv").write_text("kpi_id,period,target,actual\nK2,2024-Q1,20,19\n")
    (tmp_path / "m.csvfacts.toml").write_text(
        f'facts = {json.dumps(str(ORIGINAL))}\nkpi_series = ["k2.csv"]\nmode = "replace"\n'
    )
    loaded = realign.load_partnership(tmp_path / "m.csvfacts.toml", plugin_manager=pm).partnership
    series = {k.id: [(p.period, p.target, p.actual) for p in k.series] for k in loaded.kpis}
    assert series["K2"] == [("2024-Q1", 20, 19)]
    assert series["K1"] == [(p.period, p.target, p.actual) for p in original.kpis[0].series]
    # No pulse CSV is listed, so replace leaves the file's pulse waves alone.
    assert loaded.pulse_surveys == original.pulse_surveys


def test_csv_append_adds_surveys_and_points(
    pm: pluggy.PluginManager, original: realign.Partnership
) -> None:
    loaded = realign.load_partnership(EXAMPLE, plugin_manager=pm).partnership
    assert loaded.pulse_surveys[:2] == original.pulse_surveys
    added = loaded.pulse_surveys[2:]
    assert [(s.respondent_org, s.period, s.responses) for s in added] == [
        ("corvid", "2023-Q4", 11),
        ("ironbridge", "2023-Q4", 9),
    ]
    # An empty cell is "not stated": the item is absent, not zero.
    assert "value_fairness" not in added[1].items
    assert added[1].items["commitment"] == 4.4
    k1 = loaded.kpis[0]
    assert [p.period for p in k1.series] == ["2024-Q1", "2023-Q3", "2023-Q4"]
    assert loaded.kpis[1:] == original.kpis[1:]


def test_csv_declared_format_reads_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pm: pluggy.PluginManager
) -> None:
    (tmp_path / "p.csv").write_text(
        EXAMPLE.with_name("pulse_2023q4.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    text = f'facts = {json.dumps(str(ORIGINAL))}\npulse_surveys = ["p.csv"]\n'
    source = realign.FactSource.from_text(text, name="<manifest>", format="csvfacts")
    loaded = realign.load_partnership(source, plugin_manager=pm)
    assert len(loaded.partnership.pulse_surveys) == 4


def test_csv_plain_fact_files_are_left_to_realign(tmp_path: Path) -> None:
    source = realign.FactSource.from_path(ORIGINAL)
    assert plugin.realign_load_facts(source) is None
    # A declared format wins over the name.
    named = tmp_path / "x.csvfacts.toml"
    named.write_text("facts = 'a.toml'\n")
    assert plugin.realign_load_facts(realign.FactSource.from_path(named, format="toml")) is None


@pytest.fixture
def cli_with_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    real = realign.cli.get_plugin_manager

    def with_plugin(**kwargs: object) -> pluggy.PluginManager:
        return real(load_entrypoints=False, extra=[plugin], environ={})

    monkeypatch.setattr(realign.cli, "get_plugin_manager", with_plugin)


def _findings(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, object]:
    code = realign.cli.main(["assess", str(path), "--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    document = json.loads(out)
    return {key: document[key] for key in ("findings", "not_evaluable", "passed", "overall")}


@pytest.mark.usefixtures("cli_with_plugin")
def test_csv_cli_assess_manifest_matches_original(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], original: realign.Partnership
) -> None:
    manifest = _exported(tmp_path, original, "replace")
    from_csv = _findings(capsys, manifest)
    assert from_csv["findings"]
    assert from_csv == _findings(capsys, ORIGINAL)


@pytest.mark.usefixtures("cli_with_plugin")
def test_csv_cli_reports_csv_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "k.csv").write_text("kpi_id,period,target,actual\nK7,2024-Q1,1,2\n")
    manifest = tmp_path / "m.csvfacts.toml"
    manifest.write_text(f'facts = {json.dumps(str(ORIGINAL))}\nkpi_series = ["k.csv"]\n')
    assert realign.cli.main(["assess", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'k.csv'}:2:1: error: column 'kpi_id': unknown KPI id 'K7'" in err


def test_csv_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        importlib.metadata.distribution("realign-csv")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("realign-csv is not installed in this environment")
    monkeypatch.delenv("REALIGN_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("REALIGN_DISABLE_PLUGINS", raising=False)
    pm = realign.get_plugin_manager(only=["csv"])
    loaded = realign.load_partnership(EXAMPLE, plugin_manager=pm)
    assert len(loaded.partnership.pulse_surveys) == 4
    without = realign.get_plugin_manager(only=[], environ={})
    # Without the plugin the manifest is an ordinary TOML file, and not a fact file.
    with pytest.raises(realign.FactError):
        realign.load_partnership(EXAMPLE, plugin_manager=without)
