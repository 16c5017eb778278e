"""Portfolios on Dask: the same records as the local process pool, byte for byte.

One local cluster (two worker processes of one thread each, on loopback, no
dashboard) serves the whole module, since starting one takes seconds. The
scheduler gives up on a task as soon as one worker dies running it
(``allowed-failures`` 0), so the crash test costs two worker restarts, not eight;
it runs last, because it replaces a worker.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import realign
import realign.testing.generate as realign_generate
from realign import FactSource
from realign.engine_spec import EngineSpec
from realign.portfolio import PortfolioRecord, assess_many, portfolio_sources, row_columns

if os.environ.get("CI"):
    # CI installs the dask extra: missing there, it is a broken install, not a skip.
    import dask
    import distributed
    import pyarrow.parquet as pq
else:
    dask = pytest.importorskip("dask", reason="the dask extra is not installed")
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    pq = pytest.importorskip("pyarrow.parquet", reason="the dask extra is not installed")

from realign.portfolio import on_dask

pytestmark = pytest.mark.dask

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "data" / "broken"
#: broken files, named to sort after the generated ones so that a chunk of 4 holds only them
BROKEN_FILES = {
    "zz_broken_1.toml": "duplicate_id.toml",
    "zz_broken_2.json": "json_nan.json",
    "zz_broken_3.toml": "range_nps.toml",
}
GENERATED = 20  # partnerships, each written as JSON and as TOML: 40 files


def _load_generator() -> ModuleType:
    return realign_generate


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("portfolio")
    _load_generator().write_pool(directory, GENERATED, formats=("json", "toml"))
    for name, original in BROKEN_FILES.items():
        shutil.copyfile(BROKEN / original, directory / name)
    return directory


@pytest.fixture(scope="module")
def client(crash_plugin_dir: Path) -> Iterator[Any]:
    # Worker processes are spawned with this process's sys.path, so they can
    # import the crash plugin (also when the nanny restarts one).
    sys.path.insert(0, str(crash_plugin_dir))
    try:
        with (
            dask.config.set({"distributed.scheduler.allowed-failures": 0}),
            on_dask.local_cluster(n_workers=2) as cluster,
            distributed.Client(cluster) as connected,
        ):
            yield connected
    finally:
        sys.path.remove(str(crash_plugin_dir))


@pytest.fixture(scope="module")
def engine() -> realign.Engine:
    return realign.Engine.default()


@pytest.fixture(scope="module")
def spec(engine: realign.Engine) -> EngineSpec:
    return engine.spec


@pytest.fixture(scope="module")
def areas(engine: realign.Engine) -> list[str]:
    return list(engine.catalog.scoring.weights)


@pytest.fixture(scope="module")
def pool_records(portfolio: Path, spec: EngineSpec) -> dict[str, PortfolioRecord]:
    """The reference: the local process pool's records, by source."""
    records = list(assess_many(portfolio_sources([portfolio]), engine=spec, jobs=2))
    return {r.source: r for r in records}


@pytest.fixture(scope="module")
def dask_records(portfolio: Path, spec: EngineSpec, client: Any) -> list[PortfolioRecord]:
    return list(on_dask.assess_on_dask(portfolio_sources([portfolio]), spec=spec, client=client))


def _lines(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True) for row in rows)


def _builds(client: Any, name: str) -> dict[str, tuple[int, int, int]]:
    """Per worker: the plugin's builds, its engine's id, and engines built outside plugins."""

    def read(dask_worker: Any) -> tuple[int, int, int]:
        plugin = dask_worker.plugins[name]
        return plugin.builds, id(plugin.engine), len(on_dask._FALLBACK)

    return client.run(read)  # type: ignore[no-any-return]


# --- records ----------------------------------------------------------------------------


def test_records_equal_the_local_pools_byte_for_byte(
    dask_records: list[PortfolioRecord],
    pool_records: dict[str, PortfolioRecord],
    areas: list[str],
) -> None:
    assert len(dask_records) == GENERATED * 2 + len(BROKEN_FILES)
    assert sorted(r.source for r in dask_records) == sorted(pool_records)
    assert _lines([r.row(areas) for r in dask_records]) == _lines(
        [r.row(areas) for r in pool_records.values()]
    )
    for record in dask_records:
        reference = pool_records[record.source]
        assert json.dumps(record.document, sort_keys=True) == json.dumps(
            reference.document, sort_keys=True
        ), record.source
        assert record.problems == reference.problems
        assert record.name == reference.name
    assert sum(r.ok for r in dask_records) == GENERATED * 2


def test_broken_files_become_located_error_records(
    dask_records: list[PortfolioRecord], portfolio: Path
) -> None:
    broken = {Path(r.source).name: r for r in dask_records if not r.ok}
    assert sorted(broken) == sorted(BROKEN_FILES)
    for name, record in broken.items():
        assert record.document is None
        assert record.problems
        located = re.compile(rf"{re.escape(str(portfolio / name))}:\d+:\d+: error: ")
        assert all(located.match(problem) for problem in record.problems), record.problems


def test_ordered_keeps_the_order_of_sources_and_reports_progress(
    portfolio: Path, spec: EngineSpec, client: Any, pool_records: dict[str, PortfolioRecord]
) -> None:
    sources = list(portfolio_sources([portfolio]))[::-1]  # not an order tasks finish in
    seen: list[int] = []
    records = list(
        on_dask.assess_on_dask(
            sources,
            spec=spec,
            client=client,
            chunk_size=3,
            ordered=True,
            window=2,
            progress=seen.append,
        )
    )
    assert [r.source for r in records] == [s.name for s in sources]
    assert seen == [1] * len(sources)
    assert records == [pool_records[s.name] for s in sources]


def test_paths_and_a_local_cluster_of_its_own(
    portfolio: Path, spec: EngineSpec, pool_records: dict[str, PortfolioRecord]
) -> None:
    paths = [*sorted(portfolio.glob("p0000[0-2].*")), portfolio / "zz_broken_1.toml"]
    records = list(on_dask.assess_on_dask(paths, spec=spec, address="local", n_workers=1))
    assert sorted(r.source for r in records) == sorted(str(p) for p in paths)
    assert all(r == pool_records[r.source] for r in records)


def test_the_cli_runs_on_a_scheduler_by_its_address(
    portfolio: Path,
    client: Any,
    pool_records: dict[str, PortfolioRecord],
    areas: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from realign.cli import main

    few = tmp_path / "few"
    few.mkdir()
    for path in sorted(portfolio.glob("p0000[0-4].json")):
        shutil.copyfile(path, few / path.name)
    out = tmp_path / "rows.jsonl"
    address = client.scheduler.address
    assert main(["portfolio", str(few), "--dask", address, "--out", str(out)]) == 0
    capsys.readouterr()
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = [pool_records[str(portfolio / Path(row["source"]).name)].row(areas) for row in rows]
    for row, reference in zip(rows, expected, strict=True):
        assert {**row, "source": None} == {**reference, "source": None}
    assert len(rows) == 5


def test_an_address_with_no_scheduler_exits_2_without_a_traceback(
    portfolio: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from realign.cli import main

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["portfolio", str(portfolio / "p00000.json"), "--dask", "tcp://127.0.0.1:9"])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err


def test_tasks_start_small_for_every_worker_then_grow(
    portfolio: Path, spec: EngineSpec, client: Any
) -> None:
    sources = list(portfolio_sources([portfolio]))[:40]
    with distributed.get_task_stream(client) as stream:
        records = list(on_dask.assess_on_dask(sources, spec=spec, client=client))
    assert len(records) == 40
    tasks = [t for t in stream.data if "_assess_chunk_pickled" in str(t["key"])]
    # 8 and 8 (one each for the two worker threads), then 16, then the 8 left.
    assert len(tasks) == 4


def test_each_worker_builds_its_engine_once_and_reuses_it(
    portfolio: Path, spec: EngineSpec, client: Any, dask_records: list[PortfolioRecord]
) -> None:
    name = on_dask._plugin_name(spec)
    before = _builds(client, name)
    assert len(before) == 2
    assert all(builds == 1 and fallback == 0 for builds, _, fallback in before.values())
    again = list(on_dask.assess_on_dask(portfolio_sources([portfolio]), spec=spec, client=client))
    assert len(again) == len(dask_records)
    # the same engine objects, not rebuilt, and no task built one of its own
    assert _builds(client, name) == before


# --- DataFrame and Parquet ---------------------------------------------------------------


def _pylist(frame: Any) -> list[dict[str, Any]]:
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False).to_pylist()  # type: ignore[no-any-return]


def test_dataframe_has_a_row_per_source_with_the_declared_types(
    portfolio: Path,
    spec: EngineSpec,
    client: Any,
    areas: list[str],
    pool_records: dict[str, PortfolioRecord],
) -> None:
    frame = on_dask.portfolio_dataframe(
        portfolio_sources([portfolio]), spec=spec, client=client, areas=areas, chunk_size=4
    )
    declared = on_dask.row_dtypes(areas)
    assert list(frame.columns) == row_columns(areas)
    assert dict(frame.dtypes) == declared
    partitions = dask.compute(*frame.to_delayed())
    # the last partition holds only the broken files: no value to guess a type from
    assert sorted(partitions[-1]["source"]) == sorted(str(portfolio / n) for n in BROKEN_FILES)
    assert set(partitions[-1]["status"]) == {"error"}
    for partition in partitions:
        assert dict(partition.dtypes) == declared
    rows = _pylist(frame.compute())
    assert len(rows) == len(pool_records)
    assert _lines(rows) == _lines([r.row(areas) for r in pool_records.values()])


def test_parquet_dataset_reads_back_to_the_same_rows(
    portfolio: Path,
    spec: EngineSpec,
    client: Any,
    areas: list[str],
    pool_records: dict[str, PortfolioRecord],
    tmp_path: Path,
) -> None:
    out = tmp_path / "rows"
    on_dask.write_parquet_dataset(
        portfolio_sources([portfolio]), out, spec=spec, client=client, areas=areas, chunk_size=4
    )
    assert len(list(out.glob("*.parquet"))) == -(-len(pool_records) // 4)
    table = pq.read_table(out)
    assert table.column_names == row_columns(areas)
    declared = on_dask.row_dtypes(areas)
    assert {f.name: f.type for f in table.schema} == {
        c: t.pyarrow_dtype for c, t in declared.items()
    }
    assert _lines(table.to_pylist()) == _lines([r.row(areas) for r in pool_records.values()])


# --- without dask -----------------------------------------------------------------------


def test_without_dask_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, spec: EngineSpec, client: Any, areas: list[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(on_dask.DaskMissingError, match=re.escape("pip install 'realign[dask]'")):
        on_dask.assess_on_dask([], spec=spec)
    with pytest.raises(realign.RealignError, match=re.escape("realign[dask]")):
        on_dask.portfolio_dataframe([], spec=spec, client=client, areas=areas)


def test_realign_imports_without_dask_and_says_what_to_install() -> None:
    script = textwrap.dedent(
        """
        import sys
        for name in ("dask", "distributed", "pyarrow"):
            sys.modules[name] = None  # not installed
        import realign, realign.portfolio
        from realign.portfolio import on_dask
        assert "dask" not in sys.modules or sys.modules["dask"] is None
        try:
            on_dask.assess_on_dask([], spec=realign.Engine.default().spec)
        except realign.RealignError as error:
            print(type(error).__name__, error)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("DaskMissingError ")
    assert "pip install 'realign[dask]'" in done.stdout


# --- a worker that dies (last: it replaces a worker) ---------------------------------------


def test_a_source_that_kills_its_worker_becomes_an_error_record(
    portfolio: Path,
    spec: EngineSpec,
    client: Any,
    pool_records: dict[str, PortfolioRecord],
    tmp_path: Path,
    with_crash_plugin: Callable[[EngineSpec], EngineSpec],
) -> None:
    crashing = with_crash_plugin(spec)
    boom = tmp_path / "boom.crash"
    boom.write_text("no matter\n", encoding="utf-8")
    good = sorted(portfolio.glob("p0000[0-5].json"))
    sources = [FactSource.from_path(p) for p in [*good[:3], boom, *good[3:]]]
    records = list(
        on_dask.assess_on_dask(sources, spec=crashing, client=client, chunk_size=3, ordered=True)
    )
    assert [r.source for r in records] == [s.name for s in sources]
    died = records[3]
    assert not died.ok
    assert len(died.problems) == 1
    assert died.problems[0].startswith(
        f"{boom}: error: the Dask task assessing it failed twice (KilledWorker"
    )
    assert "it was not assessed" in died.problems[0]
    assert [r for r in records if r is not died] == [pool_records[str(p)] for p in good]
