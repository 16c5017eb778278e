"""Smoke test of the benchmark's partnership generator, realign.testing.generate (no timing).

The benchmark is only as good as its workload: every generated file must be a
valid fact file that the standard catalog can assess, the same seed must give
the same file, and the files must actually vary.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pluggy
import pytest

import realign
from realign.testing import generate

ROOT = Path(__file__).resolve().parent.parent.parent
COUNT = 5


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return realign.get_plugin_manager(load_entrypoints=False)


@pytest.fixture(scope="module")
def pool(
    tmp_path_factory: pytest.TempPathFactory, pm: pluggy.PluginManager
) -> dict[str, list[Path]]:
    directory = tmp_path_factory.mktemp("pool")
    return generate.write_pool(directory, COUNT, seed=0, validate=False, plugin_manager=pm)


@pytest.fixture(scope="module")
def engines(pm: pluggy.PluginManager) -> dict[str, realign.Engine]:
    return {
        backend: realign.Engine.default(plugin_manager=pm, backend=backend)
        for backend in ("durable_rules", "python")
    }


def test_pool_has_one_file_per_seed_and_format(pool: dict[str, list[Path]]) -> None:
    assert sorted(pool) == ["json", "toml"]
    for paths in pool.values():
        assert len(paths) == COUNT
        assert all(p.is_file() and p.stat().st_size > 1000 for p in paths)


def test_generated_files_load_and_formats_agree(
    pool: dict[str, list[Path]], pm: pluggy.PluginManager
) -> None:
    for toml_path, json_path in zip(pool["toml"], pool["json"], strict=True):
        from_toml = realign.load_partnership(toml_path, plugin_manager=pm)
        from_json = realign.load_partnership(json_path, plugin_manager=pm)
        assert from_toml.warnings == ()
        assert from_toml.partnership == from_json.partnership


def test_generated_files_assess_alike_on_both_backends(
    pool: dict[str, list[Path]], engines: dict[str, realign.Engine]
) -> None:
    for path in pool["json"]:
        durable = engines["durable_rules"].assess(path)
        python = engines["python"].assess(path)
        assert len(durable.passed) + len(durable.findings) + len(durable.not_evaluable) == 50
        assert durable.to_json() == python.to_json()


def test_same_seed_same_file_and_seeds_vary() -> None:
    texts = [generate.to_json(generate.partnership_data(seed)) for seed in range(COUNT)]
    assert texts == [generate.to_json(generate.partnership_data(seed)) for seed in range(COUNT)]
    assert len(set(texts)) == COUNT


def test_generated_files_differ_from_their_examples() -> None:
    for seed in range(COUNT):
        data = generate.partnership_data(seed)
        template = generate.TEMPLATES[seed % len(generate.TEMPLATES)]
        with (ROOT / "examples" / f"{template}.toml").open("rb") as handle:
            original = tomllib.load(handle)
        assert data["partnership"]["id"] == original["partnership"]["id"]
        assert generate.to_json(data) != generate.to_json(original)


def test_a_declared_data_gap_loads_and_leaves_its_facts_unknown(
    tmp_path: Path, pm: pluggy.PluginManager
) -> None:
    seed = next(
        s for s in range(200) if generate.partnership_data(s)["assessment"].get("data_gaps")
    )
    data = generate.partnership_data(seed)
    path = tmp_path / "gap.json"
    path.write_text(generate.to_json(data), encoding="utf-8")
    loaded = realign.load_partnership(path, plugin_manager=pm).partnership
    facts = realign.enrich(loaded, pm)
    gaps = json.loads(path.read_text())["assessment"]["data_gaps"]
    assert gaps
    for gap in gaps:
        assert facts.reason_unknown(gap) is not None, gap
