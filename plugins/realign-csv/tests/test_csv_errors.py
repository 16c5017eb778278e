"""Every defect is reported at its file, row and column, all of a file's defects at once."""

from __future__ import annotations

import json
from pathlib import Path

import pluggy
import pytest

import realign

# The package must be installed (pip install -e plugins/realign-csv) for these tests to run.
plugin = pytest.importorskip("realign_csv.plugin", reason="realign-csv is not installed")

REPO = Path(__file__).resolve().parents[3]
ORIGINAL = REPO / "examples" / "case_study_before.toml"
PULSE_HEADER = (
    "respondent_org,period,date,invited,responses,trust,communication,decision_clarity,"
    "priority_alignment,value_fairness,commitment,recommend_nps\n"
)
CORVID_Q4 = "corvid,2023-Q4,2023-12-12,14,11,2.9,3.0,2.6,2.5,3.3,3.8,0\n"
KPI_HEADER = "kpi_id,period,target,actual\n"


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return realign.get_plugin_manager(load_entrypoints=False, extra=[plugin], environ={})


def _problems(
    pm: pluggy.PluginManager,
    tmp_path: Path,
    *,
    pulse: str | None = None,
    kpis: str | None = None,
    manifest: str | None = None,
    facts: Path = ORIGINAL,
    mode: str = "append",
) -> list[realign.Problem]:
    lines = [f"facts = {json.dumps(str(facts))}", f'mode = "{mode}"']
    if pulse is not None:
        (tmp_path / "pulse.csv").write_text(pulse, encoding="utf-8")
        lines.append('pulse_surveys = ["pulse.csv"]')
    if kpis is not None:
        (tmp_path / "kpis.csv").write_text(kpis, encoding="utf-8")
        lines.append('kpi_series = ["kpis.csv"]')
    path = tmp_path / "m.csvfacts.toml"
    path.write_text(manifest if manifest is not None else "\n".join(lines) + "\n")
    with pytest.raises(realign.FactError) as caught:
        realign.load_partnership(path, plugin_manager=pm)
    return list(caught.value.problems)


def _where(problem: realign.Problem) -> tuple[str, int | None, int | None, str]:
    return Path(problem.source).name, problem.line, problem.column, problem.code


def test_csv_missing_header_columns(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    header = PULSE_HEADER.replace("invited,", "").replace(",recommend_nps", "")
    (problem,) = _problems(pm, tmp_path, pulse=header)
    assert _where(problem) == ("pulse.csv", 1, None, "missing")
    assert "'invited', 'recommend_nps'" in problem.message


def test_csv_unknown_header_column_with_suggestion(
    pm: pluggy.PluginManager, tmp_path: Path
) -> None:
    header = PULSE_HEADER.replace("decision_clarity", "decision_clarty")
    problems = _problems(pm, tmp_path, pulse=header + CORVID_Q4)
    assert [_where(p) for p in problems] == [
        ("pulse.csv", 1, 8, "unknown-key"),
        ("pulse.csv", 1, None, "missing"),
    ]
    assert problems[0].hint == "did you mean 'decision_clarity'?"


def test_csv_semicolon_separated_file_gets_a_hint(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    problems = _problems(pm, tmp_path, kpis="kpi_id;period;target;actual\nK1;2023-Q3;1;0\n")
    assert problems[0].hint is not None
    assert "';'" in problems[0].hint


def test_csv_every_bad_cell_of_a_file_is_reported(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    rows = (
        CORVID_Q4.replace(",11,", ",eleven,")
        + CORVID_Q4.replace("2023-12-12", "12/12/2023").replace("corvid", "ironbridge")
        + CORVID_Q4.replace(",2.6,", ",2,6,").replace(",0\n", ",\n")
        + CORVID_Q4.replace(",3.8,", ",inf,")
    )
    problems = _problems(pm, tmp_path, pulse=PULSE_HEADER + rows)
    assert [_where(p) for p in problems] == [
        ("pulse.csv", 2, 5, "type"),
        ("pulse.csv", 3, 3, "type"),
        ("pulse.csv", 4, None, "syntax"),
        ("pulse.csv", 5, 11, "type"),
    ]
    assert problems[0].message == "column 'responses': not a number"
    assert problems[0].found == "'eleven'"
    assert problems[1].message == "column 'date': not a date"
    assert problems[1].expected == "a date written YYYY-MM-DD"
    assert "13 cells" in problems[2].message


def test_csv_decimal_comma_hint(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    (problem,) = _problems(pm, tmp_path, kpis=KPI_HEADER + 'K1,2023-Q3,"2,5",0\n')
    assert _where(problem) == ("kpis.csv", 2, 3, "type")
    assert problem.hint == "write decimals with a point: 2.5, not 2,5"


def test_csv_unknown_kpi_id(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    (problem,) = _problems(pm, tmp_path, kpis=KPI_HEADER + "K1,2023-Q3,1,0\nk2,2023-Q2,1,1\n")
    assert _where(problem) == ("kpis.csv", 3, 1, "reference")
    assert problem.message == "column 'kpi_id': unknown KPI id 'k2'"
    assert problem.hint == "did you mean 'K2'?"


def test_csv_duplicate_kpi_period_rows(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    rows = "K1,2023-Q3,1,0\nK2,2023-Q1,1,0\nK1,2023-Q3,2,0\n"
    (problem,) = _problems(pm, tmp_path, kpis=KPI_HEADER + rows)
    assert _where(problem) == ("kpis.csv", 4, 2, "duplicate")
    assert problem.hint is not None
    assert "kpis.csv row 2" in problem.hint


def test_csv_validation_problem_is_placed_at_the_csv_cell(
    pm: pluggy.PluginManager, tmp_path: Path
) -> None:
    rows = CORVID_Q4 + CORVID_Q4.replace("corvid", "corvidd").replace(",3.3,", ",7,")
    problems = _problems(pm, tmp_path, pulse=PULSE_HEADER + rows)
    assert [_where(p) for p in problems] == [
        ("pulse.csv", 3, 1, "reference"),
        ("pulse.csv", 3, 10, "range"),
    ]
    assert "unknown partner 'corvidd'" in problems[0].message
    assert problems[1].message.startswith("column 'value_fairness': ")


def test_csv_clash_with_the_fact_file_names_both_places(
    pm: pluggy.PluginManager, tmp_path: Path
) -> None:
    (problem,) = _problems(pm, tmp_path, kpis=KPI_HEADER + "K2,2023-Q4,15,8\n")
    assert _where(problem) == ("kpis.csv", 2, 2, "duplicate")
    # The first K2 2023-Q4 point is at line 314 of the case study.
    assert problem.hint is not None
    assert f"{ORIGINAL} line 314" in problem.hint


def test_csv_same_rows_in_replace_mode_are_fine(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    (tmp_path / "kpis.csv").write_text(KPI_HEADER + "K2,2023-Q4,15,8\n")
    manifest = tmp_path / "m.csvfacts.toml"
    manifest.write_text(
        f'facts = {json.dumps(str(ORIGINAL))}\nkpi_series = ["kpis.csv"]\nmode = "replace"\n'
    )
    loaded = realign.load_partnership(manifest, plugin_manager=pm).partnership
    assert [p.period for p in loaded.kpis[1].series] == ["2023-Q4"]


def test_csv_fact_file_problems_are_placed_in_the_fact_file(
    pm: pluggy.PluginManager, tmp_path: Path
) -> None:
    text = ORIGINAL.read_text(encoding="utf-8")
    facts = tmp_path / "facts.toml"
    facts.write_text(text.replace('respondent_org = "ironbridge"', 'respondent_org = "acme"'))
    line = text[: text.index('respondent_org = "ironbridge"')].count("\n") + 1
    problems = _problems(pm, tmp_path, pulse=PULSE_HEADER + CORVID_Q4, facts=facts)
    assert [_where(p) for p in problems] == [("facts.toml", line, 1, "reference")]


def test_csv_unknown_key_of_the_fact_file_points_at_the_manifest(
    pm: pluggy.PluginManager, tmp_path: Path
) -> None:
    text = ORIGINAL.read_text(encoding="utf-8")
    facts = tmp_path / "facts.toml"
    facts.write_text(text.replace("[partnership]\n", "[partnership]\ncolour = 'red'\n", 1))
    (tmp_path / "m.csvfacts.toml").write_text('mode = "append"\nfacts = "facts.toml"\n')
    manifest = tmp_path / "m.csvfacts.toml"
    loaded = realign.load_partnership(manifest, plugin_manager=pm, lenient=True)
    (warning,) = loaded.warnings
    assert _where(warning) == ("m.csvfacts.toml", 2, 1, "unknown-key")
    with pytest.raises(realign.FactError) as caught:
        realign.load_partnership(manifest, plugin_manager=pm)
    assert [_where(p) for p in caught.value.problems] == [("m.csvfacts.toml", 2, 1, "unknown-key")]


def test_csv_manifest_problems(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    manifest = 'facts = "facts.yaml"\npulse_surveys = ["gone.csv"]\nmod = "replace"\n'
    problems = _problems(pm, tmp_path, manifest=manifest)
    assert [_where(p) for p in problems] == [("m.csvfacts.toml", 3, 1, "unknown-key")]
    assert problems[0].hint == "did you mean 'mode'?"
    manifest = 'facts = "facts.yaml"\npulse_surveys = ["gone.csv"]\nmode = "merge"\n'
    problems = _problems(pm, tmp_path, manifest=manifest)
    assert [_where(p) for p in problems] == [("m.csvfacts.toml", 3, 1, "enum")]
    manifest = 'facts = "facts.yaml"\npulse_surveys = ["gone.csv"]\n'
    problems = _problems(pm, tmp_path, manifest=manifest)
    assert [_where(p) for p in problems] == [
        ("m.csvfacts.toml", 1, 1, "format"),
        ("m.csvfacts.toml", 2, 18, "io"),
    ]
    assert (
        problems[1].message
        == f"the pulse-survey CSV file {str(tmp_path / 'gone.csv')!r} does not exist"
    )


def test_csv_empty_and_headerless_files(pm: pluggy.PluginManager, tmp_path: Path) -> None:
    (problem,) = _problems(pm, tmp_path, manifest="  \n")
    assert _where(problem) == ("m.csvfacts.toml", 1, 1, "empty")
    (problem,) = _problems(pm, tmp_path, kpis="")
    assert _where(problem) == ("kpis.csv", 1, None, "missing")
