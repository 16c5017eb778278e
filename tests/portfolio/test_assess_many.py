"""assess_many: the same records in this process and on a pool; bad files become records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realign import Engine, FactSource
from realign.portfolio import (
    EngineSpec,
    PathError,
    PortfolioRecord,
    SpecError,
    assess_many,
    check_paths,
    portfolio_sources,
)
from realign.portfolio.pool import PROBE_AFTER_DEATHS, chunks
from realign.testing import engine_with

ROOT = Path(__file__).resolve().parents[2]


def _variant(doc: dict[str, Any], index: int) -> str:
    out = json.loads(json.dumps(doc, default=str))
    out["partnership"]["id"] = f"{out['partnership']['id']}-{index}"
    out["assessment"]["partnership_id"] = out["partnership"]["id"]
    out["assessment"]["id"] = f"A-{index}"
    out["partnership"]["name"] = f"{out['partnership']['name']} #{index}"
    return json.dumps(out)


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 partnerships from the two examples, in files and JSON Lines, and 3 broken files."""
    folder = tmp_path_factory.mktemp("portfolio")
    docs = [
        tomllib.loads((ROOT / "examples" / f"{name}.toml").read_text(encoding="utf-8"))
        for name in ("healthy", "case_study_before")
    ]
    (folder / "files").mkdir()
    for i in range(16):
        (folder / "files" / f"p{i:02d}.json").write_text(_variant(docs[i % 2], i))
    lines = [_variant(docs[i % 2], i) for i in range(16, 24)]
    (folder / "more.jsonl").write_text("\n".join(lines) + "\n\n")
    (folder / "files" / "broken_syntax.toml").write_text("[assessment\n")
    (folder / "files" / "broken_value.json").write_text(
        _variant(docs[0], 99).replace('"stage": "execution"', '"stage": "exekution"')
    )
    (folder / "files" / "notes.txt").write_text("not a fact file")
    return folder


@pytest.fixture(scope="module")
def engine() -> Engine:
    return engine_with(backend="python")


def _by_source(records: list[PortfolioRecord]) -> dict[str, PortfolioRecord]:
    return {r.source: r for r in records}


def test_sources_come_from_files_directories_globs_and_json_lines(portfolio: Path) -> None:
    names = [s.name for s in portfolio_sources([portfolio])]
    assert len(names) == 16 + 2 + 8
    assert names == [s.name for s in portfolio_sources([portfolio])], "a stable order"
    assert f"{portfolio / 'more.jsonl'}[line 3]" in names
    assert not any(name.endswith("notes.txt") for name in names)
    globbed = [s.name for s in portfolio_sources([str(portfolio / "files" / "p0*.json")])]
    assert globbed == [str(portfolio / "files" / f"p0{i}.json") for i in range(10)]


def test_paths_that_name_nothing_are_refused_before_a_run(portfolio: Path) -> None:
    with pytest.raises(PathError, match=r"nope\.toml: no such file.*\*\.yaml: the pattern"):
        check_paths([portfolio, portfolio / "nope.toml", str(portfolio / "*.yaml")])


def test_every_source_gives_one_record_and_bad_ones_say_where(
    portfolio: Path, engine: Engine
) -> None:
    records = list(assess_many(portfolio_sources([portfolio]), engine=engine))
    assert len(records) == 26
    failed = {Path(r.source).name: r for r in records if not r.ok}
    assert sorted(failed) == ["broken_syntax.toml", "broken_value.json"]
    assert (
        failed["broken_syntax.toml"]
        .problems[0]
        .startswith(f"{portfolio / 'files' / 'broken_syntax.toml'}:1:")
    )
    assert "did you mean 'execution'" in failed["broken_value.json"].error  # type: ignore[operator]
    ok = [r for r in records if r.ok]
    assert all(
        r.document is not None and r.document["schema"] == "realign/assessment@1" for r in ok
    )
    assert len({r.document["assessment"]["partnership_id"] for r in ok}) == 24  # type: ignore[index]


def test_a_json_lines_problem_names_its_line(tmp_path: Path, engine: Engine) -> None:
    (tmp_path / "batch.jsonl").write_text('{"assessment": 1}\nnot json\n')
    records = list(assess_many(portfolio_sources([tmp_path / "batch.jsonl"]), engine=engine))
    assert [r.ok for r in records] == [False, False]
    assert records[1].problems[0].startswith(f"{tmp_path / 'batch.jsonl'}[line 2]:1:")


def test_a_pool_gives_the_same_records_as_this_process(portfolio: Path, engine: Engine) -> None:
    here = _by_source(list(assess_many(portfolio_sources([portfolio]), engine=engine)))
    spec = EngineSpec.of(backend="python", plugins=engine.spec.plugins)
    pooled = list(assess_many(portfolio_sources([portfolio]), engine=spec, jobs=2, chunk_size=3))
    assert sorted(r.source for r in pooled) == sorted(here)
    for record in pooled:
        assert record == here[record.source], record.source


def test_ordered_keeps_the_input_order(portfolio: Path, engine: Engine) -> None:
    names = [s.name for s in portfolio_sources([portfolio])]
    spec = EngineSpec.of(backend="python", plugins=engine.spec.plugins)
    records = assess_many(
        portfolio_sources([portfolio]), engine=spec, jobs=2, chunk_size=2, ordered=True
    )
    assert [r.source for r in records] == names


def test_workers_are_replaced_and_the_records_do_not_change(
    portfolio: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from realign.portfolio import pool

    pools: list[object] = []
    start = pool._Pool._new_executor

    def counted(self: object) -> object:
        pools.append(self)
        return start(self)  # type: ignore[arg-type]

    monkeypatch.setattr(pool._Pool, "_new_executor", counted)
    spec = EngineSpec.of(backend="durable_rules", plugins=engine.spec.plugins)
    # A worker lasts two chunks of two partnerships, so six or more workers serve the run.
    records = list(
        assess_many(
            portfolio_sources([portfolio]), engine=spec, jobs=2, chunk_size=2, recycle_after=4
        )
    )
    here = _by_source(list(assess_many(portfolio_sources([portfolio]), engine=engine)))
    assert len(records) == 26
    # 13 chunks, 2 per worker and 2 workers a pool: a new pool every 4 chunks.
    assert len(pools) == 4
    for record in records:
        assert record == here[record.source]


def test_stopping_early_stops_the_workers(portfolio: Path, engine: Engine) -> None:
    spec = EngineSpec.of(backend="python", plugins=engine.spec.plugins)
    stream = assess_many(portfolio_sources([portfolio]), engine=spec, jobs=2, chunk_size=1)
    first = next(stream)
    stream.close()  # the pool shuts down here; nothing hangs
    assert first.source


def test_progress_counts_every_record(portfolio: Path, engine: Engine) -> None:
    seen: list[int] = []
    records = list(assess_many(portfolio_sources([portfolio]), engine=engine, progress=seen.append))
    assert sum(seen) == len(records) == 26


def test_an_engine_with_a_plugin_object_cannot_go_to_workers(portfolio: Path) -> None:
    class Local:
        """A plugin object defined in a function: it cannot be pickled."""

    import realign

    pm = realign.get_plugin_manager(load_entrypoints=False, extra=[Local()])
    engine = Engine.default(plugin_manager=pm, backend="python")
    with pytest.raises(SpecError, match="cannot be rebuilt in worker processes"):
        list(assess_many(portfolio_sources([portfolio]), engine=engine, jobs=2))


def test_an_unexpected_error_becomes_a_record(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = engine_with(backend="python")

    def boom(source: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(engine, "assess", boom)
    [record] = assess_many(
        [FactSource.from_path(ROOT / "examples" / "healthy.toml")], engine=engine
    )
    assert not record.ok
    assert "internal error: ZeroDivisionError('a bug')" in record.problems[0]


def test_jobs_must_be_positive() -> None:
    with pytest.raises(ValueError, match="jobs must be 1 or more"):
        list(assess_many([], jobs=0))


def test_a_summary_gives_the_same_rows_and_report_as_the_full_document(
    portfolio: Path, engine: Engine
) -> None:
    from realign.portfolio import row_columns
    from realign.portfolio.report import PortfolioReport

    areas = list(engine.catalog.scoring.weights)
    full = list(assess_many(portfolio_sources([portfolio]), engine=engine))
    summary = list(assess_many(portfolio_sources([portfolio]), engine=engine, detail="summary"))
    assert [r.row(areas) for r in summary] == [r.row(areas) for r in full]
    assert row_columns(areas) == list(summary[0].row(areas))
    assert PortfolioReport().update(summary).to_dict() == PortfolioReport().update(full).to_dict()
    document = next(r.document for r in summary if r.document is not None)
    assert document["schema"] == "realign/assessment-summary@1"
    assert "evidence" not in document["findings"][0]
    with pytest.raises(ValueError, match="detail must be one of full, summary"):
        list(assess_many([], detail="brief"))


@given(
    count=st.integers(0, 300),
    size=st.integers(1, 200),
    first=st.none() | st.integers(1, 64),
    every=st.integers(1, 4),
)
def test_chunks_cover_the_stream_in_order_and_grow_to_their_size(
    count: int, size: int, first: int | None, every: int
) -> None:
    sources = [FactSource.from_text("{}", name=f"s{i}", format="json") for i in range(count)]
    made = list(chunks(iter(sources), size, first=first, every=every))
    assert [s for chunk in made for s in chunk] == sources
    sizes = [len(chunk) for chunk in made]
    full = sizes[:-1]  # the last one may be short
    start = min(first or size, size)
    expected = [min(start * 2 ** (i // every), size) for i in range(len(full))]
    assert full == expected
    assert all(0 < n <= size for n in sizes)


def test_a_short_stream_still_reaches_every_worker() -> None:
    # 16 sources, tasks of up to 128 starting at 8 for each of 2 workers: two tasks.
    sources = (FactSource.from_text("{}", name=f"s{i}", format="json") for i in range(16))
    assert [len(c) for c in chunks(sources, 128, first=8, every=2)] == [8, 8]


# --- workers that die, or cannot start --------------------------------------------------

#: runs assess_many(jobs=2) in a fresh process (a fork server of its own, with the crash
#: plugin on its path) and prints its records, or the WorkerError that stopped it
_POOL_RUN = """
import json, sys
from conftest import CRASH_PLUGIN, ILL_PLUGIN, _with_crash_plugin  # this directory's
from realign.plugins import get_plugin_manager
from realign.portfolio import EngineSpec, WorkerError, assess_many

paths, rulesets, plugin = json.loads(sys.argv[1])
plugins = get_plugin_manager().recipe
spec = EngineSpec.of(rulesets=rulesets, backend="python", plugins=plugins)
spec = _with_crash_plugin(spec, {"crash": CRASH_PLUGIN, "ill": ILL_PLUGIN}[plugin])
try:
    records = list(assess_many(paths, engine=spec, jobs=2, chunk_size=2, ordered=True))
except WorkerError as error:
    print(json.dumps({"error": str(error)}))
else:
    print(json.dumps({"records": [[r.source, list(r.problems)] for r in records]}))
"""


def _pool_run(
    paths: list[Path],
    crash_plugin_dir: Path,
    rulesets: tuple[str, ...] = (),
    plugin: str = "crash",
) -> dict[str, Any]:
    path = [str(crash_plugin_dir), str(Path(__file__).parent), *(p for p in sys.path if p)]
    arguments = json.dumps([[str(p) for p in paths], rulesets, plugin])
    done = subprocess.run(
        [sys.executable, "-c", _POOL_RUN, arguments],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(path)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _crashers(folder: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        path = folder / f"boom{i}.crash"
        path.write_text("no matter\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_a_source_that_kills_its_worker_becomes_an_error_record(
    portfolio: Path, tmp_path: Path, crash_plugin_dir: Path
) -> None:
    good = sorted((portfolio / "files").glob("p*.json"))[:6]
    [boom] = _crashers(tmp_path, 1)
    paths = [*good[:3], boom, *good[3:]]
    result = _pool_run(paths, crash_plugin_dir)
    assert [source for source, _ in result["records"]] == [str(p) for p in paths]
    problems = dict(result["records"])
    assert problems[str(boom)] == [
        f"{boom}: error: the worker process died assessing it (a crash inside the matcher); "
        "it was not assessed"
    ]
    assert all(problems[str(p)] == [] for p in good)


def test_partnerships_that_crash_in_a_row_become_error_records(
    portfolio: Path, tmp_path: Path, crash_plugin_dir: Path
) -> None:
    # More crashes in a row than the probe waits for, then a lone one after good ones.
    good = sorted((portfolio / "files").glob("p*.json"))[:4]
    booms = _crashers(tmp_path, PROBE_AFTER_DEATHS + 2)
    paths = [*good[:2], *booms[:-1], *good[2:], booms[-1]]
    result = _pool_run(paths, crash_plugin_dir)
    assert "error" not in result, result
    problems = dict(result["records"])
    assert [source for source, _ in result["records"]] == [str(p) for p in paths]
    assert all(problems[str(p)] == [] for p in good)
    for boom in booms:
        assert problems[str(boom)] == [
            f"{boom}: error: the worker process died assessing it (a crash inside the "
            "matcher); it was not assessed"
        ]


def test_workers_that_die_on_any_task_stop_the_run(portfolio: Path, crash_plugin_dir: Path) -> None:
    good = sorted((portfolio / "files").glob("p*.json"))[:6]
    result = _pool_run(good, crash_plugin_dir, plugin="ill")
    assert result["error"].startswith(
        f"worker processes died on {PROBE_AFTER_DEATHS} partnerships in a row, the last "
        f"{good[PROBE_AFTER_DEATHS - 1]}, and then on a task without a partnership: the "
        "pool, not the partnerships, is failing"
    )


def test_chunk_sizes_must_be_positive() -> None:
    for arguments in ({"size": 0}, {"size": 4, "first": 0}, {"size": 4, "every": 0}):
        with pytest.raises(ValueError, match="must be 1 or more"):
            chunks(iter([]), **arguments)


def test_workers_that_cannot_build_the_engine_stop_the_run_and_say_why(
    portfolio: Path, tmp_path: Path, crash_plugin_dir: Path
) -> None:
    # The workers build their engines themselves; this process never reads the rule set.
    gone = tmp_path / "gone.toml"
    good = sorted((portfolio / "files").glob("p*.json"))[:4]
    result = _pool_run(good, crash_plugin_dir, rulesets=(str(gone),))
    assert result["error"].startswith("the worker processes cannot build the engine: ")
    assert str(gone) in result["error"]
