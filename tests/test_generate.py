"""realign.testing.generate and ``realign generate``: synthetic portfolios.

The files must be valid (every one loads and assesses), deterministic (the same
arguments give the same bytes, in any process) and varied enough for a demo:
lights of every colour, many distinct finding sets, History with trends.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from collections import Counter
from pathlib import Path

import pluggy
import pytest

import realign
from realign.cli import main
from realign.standard_catalog import catalog_directory
from realign.testing import generate as gen
from realign.testing.generate import generate

ROOT = Path(__file__).resolve().parent.parent
PORTFOLIO = 200
AREAS = {"governance", "culture", "market", "alignment", "early_warning", "continuous"}


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return realign.get_plugin_manager(load_entrypoints=False)


@pytest.fixture(scope="module")
def engine(pm: pluggy.PluginManager) -> realign.Engine:
    return realign.Engine.default(plugin_manager=pm)


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory, pm: pluggy.PluginManager) -> list[Path]:
    return generate(tmp_path_factory.mktemp("portfolio"), PORTFOLIO, seed=7, plugin_manager=pm)


@pytest.fixture(scope="module")
def assessed(portfolio: list[Path], engine: realign.Engine) -> list[dict[str, object]]:
    return [json.loads(engine.assess(path).to_json()) for path in portfolio]


def _bytes(paths: list[Path]) -> list[bytes]:
    return [path.read_bytes() for path in paths]


# --- templates ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", gen.TEMPLATES)
def test_the_packaged_templates_are_the_golden_examples(name: str) -> None:
    packaged = ROOT / "src" / "realign" / "testing" / "templates" / f"{name}.toml"
    assert packaged.read_bytes() == (ROOT / "examples" / f"{name}.toml").read_bytes()
    assert gen.template_text(name) == packaged.read_text(encoding="utf-8")


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(ValueError, match="no template is named 'sick'"):
        gen.template_text("sick")


# --- determinism --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", gen.FORMATS)
def test_the_same_seed_gives_the_same_bytes(tmp_path: Path, fmt: gen.Format) -> None:
    first = generate(tmp_path / "a", 6, seed=3, format=fmt)
    second = generate(tmp_path / "b", 6, seed=3, format=fmt)
    assert [p.name for p in first] == [f"p0000{i}.{fmt}" for i in range(6)]
    assert _bytes(first) == _bytes(second)
    other = generate(tmp_path / "c", 6, seed=4, format=fmt)
    # A different seed shares no file with the first: members' seeds do not overlap.
    assert not set(_bytes(first)) & set(_bytes(other))
    assert len(set(_bytes(first))) == 6


def test_a_realistic_file_does_not_depend_on_how_many_are_written(tmp_path: Path) -> None:
    few = generate(tmp_path / "few", 3, seed=11)
    many = generate(tmp_path / "many", 8, seed=11)
    assert _bytes(few) == _bytes(many[:3])


def test_a_fresh_process_writes_the_same_bytes(tmp_path: Path) -> None:
    here = generate(tmp_path / "here", 4, seed=5, format="toml")
    argv = ["generate", "--n", "4", "--seed", "5", "--format", "toml", str(tmp_path / "there")]
    done = subprocess.run(
        [sys.executable, "-m", "realign", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "4242"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote 4 realistic partnerships (toml, seed 5)")
    assert _bytes(here) == _bytes(sorted((tmp_path / "there").iterdir()))


def test_the_benchmark_pool_is_the_plain_perturbed_examples(tmp_path: Path) -> None:
    pool = gen.write_pool(tmp_path, 2, formats=("json",), seed=0)
    for seed, path in enumerate(pool["json"]):
        data = json.loads(path.read_text(encoding="utf-8"))
        template = tomllib.loads(gen.template_text(gen.TEMPLATES[seed % 2]))
        assert data["partnership"]["id"] == template["partnership"]["id"]
        assert data["assessment"]["id"] == f"{template['assessment']['id']}-G{seed}"
        assert path.read_text(encoding="utf-8") == gen.to_json(gen.partnership_data(seed))


# --- validity -----------------------------------------------------------------------------


def test_every_realistic_file_loads_and_assesses(
    portfolio: list[Path], assessed: list[dict[str, object]]
) -> None:
    assert len(portfolio) == len(assessed) == PORTFOLIO
    assert all(path.suffix == ".json" for path in portfolio)


def test_toml_files_load_to_what_json_files_of_the_same_seed_do(
    tmp_path: Path, pm: pluggy.PluginManager, engine: realign.Engine
) -> None:
    as_json = generate(tmp_path / "json", 10, seed=2, format="json", plugin_manager=pm)
    as_toml = generate(tmp_path / "toml", 10, seed=2, format="toml", plugin_manager=pm)
    for json_path, toml_path in zip(as_json, as_toml, strict=True):
        loaded = realign.load_partnership(toml_path, plugin_manager=pm)
        assert loaded.warnings == ()
        assert (
            loaded.partnership == realign.load_partnership(json_path, plugin_manager=pm).partnership
        )
        engine.assess(toml_path)


def test_partnership_ids_are_unique_and_names_vary(portfolio: list[Path]) -> None:
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in portfolio]
    ids = [d["partnership"]["id"] for d in documents]
    assert len(set(ids)) == PORTFOLIO
    assert all(d["assessment"]["partnership_id"] == d["partnership"]["id"] for d in documents)
    assert len({d["assessment"]["id"] for d in documents}) == PORTFOLIO
    assert len({d["partnership"]["name"] for d in documents}) > PORTFOLIO * 0.9
    partner_ids = {p["id"] for d in documents for p in d["partners"]}
    assert not partner_ids & {"helix", "nimbus", "corvid", "ironbridge"}


def test_periods_spread_over_the_last_four_quarters(portfolio: list[Path]) -> None:
    periods = Counter(
        json.loads(path.read_text(encoding="utf-8"))["assessment"]["period"] for path in portfolio
    )
    assert set(periods) == {"2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"}
    assert min(periods.values()) > PORTFOLIO / 10


# --- variety ------------------------------------------------------------------------------


def test_lights_of_every_colour_and_many_finding_sets(assessed: list[dict[str, object]]) -> None:
    lights = Counter(d["overall"]["light"] for d in assessed)  # type: ignore[index]
    assert {"green", "amber", "red"} <= set(lights)
    assert min(lights[light] for light in ("green", "amber", "red")) >= PORTFOLIO / 20
    finding_sets = {
        frozenset(f["rule"] for f in d["findings"])  # type: ignore[attr-defined]
        for d in assessed
    }
    assert len(finding_sets) >= PORTFOLIO / 2


def test_history_shows_trends_of_every_kind(
    portfolio: list[Path], assessed: list[dict[str, object]]
) -> None:
    with_history = sum(
        bool(json.loads(path.read_text(encoding="utf-8")).get("history")) for path in portfolio
    )
    assert PORTFOLIO / 3 < with_history < PORTFOLIO
    trends = Counter(d["overall"]["trend"] for d in assessed)  # type: ignore[index]
    for trend in ("baseline", "stable", "improving", "drifting", "deteriorating"):
        assert trends[trend] >= PORTFOLIO / 50, (trend, trends)


def test_history_is_plausible(portfolio: list[Path]) -> None:
    scoring = tomllib.loads((catalog_directory() / "scoring.toml").read_text(encoding="utf-8"))
    weights = scoring["scoring"]["weights"]
    directions = Counter()
    for path in portfolio:
        document = json.loads(path.read_text(encoding="utf-8"))
        history = document.get("history", [])
        if not history:
            continue
        assessed_at = gen._quarter_index(document["assessment"]["period"])
        quarters = [gen._quarter_index(entry["period"]) for entry in history]
        assert quarters == list(range(assessed_at - len(history), assessed_at))
        for entry in history:
            assert entry["catalog_version"] == scoring["scoring"]["catalog_version"]
            assert set(entry["area_scores"]) == AREAS
            assert all(0 <= s <= 100 for s in entry["area_scores"].values())
            weighted = sum(weights[a] * s for a, s in entry["area_scores"].items())
            assert entry["overall"] == pytest.approx(weighted, abs=0.051)
        overall = [entry["overall"] for entry in history]
        if len(overall) >= 3:
            falls = sum(b < a for a, b in itertools.pairwise(overall))
            rises = sum(b > a for a, b in itertools.pairwise(overall))
            directions["down" if falls > rises else "up" if rises > falls else "even"] += 1
    assert directions["down"] > 0
    assert directions["up"] > 0


# --- the hypothesis kind ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", gen.FORMATS)
def test_the_hypothesis_kind_is_valid_unique_and_deterministic(
    tmp_path: Path, fmt: gen.Format, pm: pluggy.PluginManager, engine: realign.Engine
) -> None:
    first = generate(tmp_path / "a", 12, seed=1, format=fmt, kind="hypothesis", plugin_manager=pm)
    assert len(first) == 12
    second = generate(tmp_path / "b", 12, seed=1, format=fmt, kind="hypothesis", plugin_manager=pm)
    assert _bytes(first) == _bytes(second)
    other = generate(tmp_path / "c", 12, seed=2, format=fmt, kind="hypothesis", plugin_manager=pm)
    assert _bytes(first) != _bytes(other)
    ids = set()
    for path in first:
        partnership = realign.load_partnership(path, plugin_manager=pm).partnership
        ids.add(partnership.partnership.id)
        engine.assess(path)
    assert len(ids) == 12


def test_without_hypothesis_the_realistic_kind_works_and_the_other_says_what_to_install(
    tmp_path: Path,
) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["hypothesis"] = None  # as if it were not installed
        import realign.testing.generate as gen
        assert len(gen.generate({str(tmp_path / "ok")!r}, 2)) == 2
        try:
            gen.generate({str(tmp_path / "no")!r}, 2, kind="hypothesis")
        except gen.MissingDependencyError as error:
            print(error)
        from realign.cli import main
        sys.exit(main(["generate", "--n", "1", "--kind", "hypothesis", {str(tmp_path / "cli")!r}]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "pip install hypothesis" in done.stdout
    assert "realign: error: kind 'hypothesis' needs the hypothesis package" in done.stderr
    assert not (tmp_path / "no").exists()
    assert not (tmp_path / "cli").exists()


# --- the command line ---------------------------------------------------------------------


def test_the_command_writes_the_files_and_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert main(["generate", "--n", "3", "--seed", "9", str(out)]) == 0
    stdout, stderr = capsys.readouterr()
    assert stdout == (
        f"wrote 3 realistic partnerships (json, seed 9) into {out}: p00000.json to p00002.json\n"
    )
    assert stderr == ""
    assert _bytes(sorted(out.iterdir())) == _bytes(generate(tmp_path / "lib", 3, seed=9))


def test_the_command_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "p00001.toml").write_text("mine", encoding="utf-8")
    (tmp_path / "p00001.json").write_text("not in the way", encoding="utf-8")
    code = main(["generate", "--n", "3", "--format", "toml", str(tmp_path)])
    stdout, stderr = capsys.readouterr()
    assert code == 2
    assert stdout == ""
    assert str(tmp_path / "p00001.toml") in stderr
    assert "--force" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p00001.json", "p00001.toml"]
    assert (tmp_path / "p00001.toml").read_text(encoding="utf-8") == "mine"

    assert main(["generate", "--n", "3", "--format", "toml", "--force", str(tmp_path)]) == 0
    capsys.readouterr()
    assert (tmp_path / "p00001.toml").read_text(encoding="utf-8") != "mine"
    assert (tmp_path / "p00001.json").read_text(encoding="utf-8") == "not in the way"


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "out"],
        ["generate", "--n", "-1", "out"],
        ["generate", "--n", "2", "--kind", "x"],
    ],
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_file_names_sort_in_order_beyond_five_digits() -> None:
    names = gen.file_names(100_001, "json")
    assert names[0] == "p000000.json"
    assert names == sorted(names)
