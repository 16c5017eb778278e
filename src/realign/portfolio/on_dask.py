"""Assess a portfolio on a Dask cluster: records as they finish, a Dask DataFrame, or Parquet.

Dask is an optional extra (``pip install 'realign[dask]'``); this module imports
it only when one of its functions runs, so ``import realign.portfolio`` works
without it.

Each Dask worker builds its engine once, in a worker plugin registered under a
name derived from the :class:`~realign.engine_spec.EngineSpec`: a worker that
joins later builds one on joining, and a second run with the same spec on the
same cluster reuses the engines already built (the plugin stays registered, so a
Dask DataFrame can be computed after the call returns). Tasks fetch the engine
from their worker.

Threads: a worker with several threads shares its one engine between them under
a lock, one assessment at a time. durable_rules holds the GIL in C (threads
would not run it in parallel anyway) and must not see two threads at once; a
lock keeps one engine per worker, instead of one per thread, each costing
memory that durable_rules never gives back. Use one thread per worker and more
worker processes for throughput.

Sources given by path are sent as paths: the workers read the files, so they
must see the same filesystem as this process (as a local cluster does).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import pickle
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine_spec import EngineSpec
from ..errors import RealignError
from ..loading import FactSource
from .output import arrow_type
from .pool import chunks, default_jobs
from .records import PortfolioRecord, assess_one, row_columns

try:
    from distributed import WorkerPlugin as _WorkerPlugin
except ImportError:  # the dask extra is not installed; _require_dask says so when used
    _WorkerPlugin = object

if TYPE_CHECKING:
    import dask.dataframe
    import distributed
    import pandas

    from ..engine import Engine

__all__ = [
    "DaskClusterError",
    "DaskMissingError",
    "assess_on_dask",
    "local_cluster",
    "portfolio_dataframe",
    "row_dtypes",
    "write_parquet_dataset",
]

#: chunks in flight per worker thread: every thread busy, memory bounded
_WINDOW_PER_THREAD = 4
#: sources in the first task of each worker thread; later tasks double up to chunk_size
_FIRST_CHUNK = 8
#: how often a wait for results looks whether the cluster still has workers (seconds)
_POLL = 5.0
#: how long a cluster may have no workers before a run gives up (seconds)
_NO_WORKERS_GRACE = 60.0


class DaskMissingError(RealignError, ImportError):
    """Dask is not installed: the ``dask`` extra is needed."""


class DaskClusterError(RealignError, RuntimeError):
    """The Dask cluster cannot run the portfolio: no workers left, or no scheduler."""


def _require_dask(*modules: str) -> None:
    """Import *modules* (by default everything the DataFrame functions use), or say what to install.

    ``assess_on_dask`` asks for ``distributed`` alone: pandas, pyarrow and
    ``dask.dataframe`` take half a second to import, which a run that never makes
    a DataFrame should not wait for.
    """
    try:
        for module in modules or ("dask.dataframe", "distributed", "pyarrow"):
            importlib.import_module(module)
    except ImportError as error:
        msg = (
            f"running a portfolio on Dask needs dask, distributed and pyarrow ({error}); "
            "install them with: pip install 'realign[dask]'"
        )
        raise DaskMissingError(msg) from error


# -- the worker side ------------------------------------------------------------------


def _plugin_name(spec: EngineSpec) -> str:
    # Same spec, same name: registering again on a cluster keeps the engines built.
    return "realign-engine-" + hashlib.sha256(pickle.dumps(spec)).hexdigest()[:20]


class _EnginePlugin(_WorkerPlugin):  # type: ignore[misc]
    """Builds a spec's engine once on every worker, and lends it to one task at a time."""

    # Registered again under the same name, the scheduler keeps the plugin it has,
    # and the workers their engines.
    idempotent = True

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self.engine: Engine | None = None
        # made on the worker: the plugin travels there pickled, and a lock cannot
        self.lock: threading.Lock | None = None
        #: engines this plugin built in this worker: one, by design
        self.builds = 0

    def setup(self, worker: Any) -> None:
        self.lock = threading.Lock()
        self.engine = self.spec.build()
        self.builds += 1

    def teardown(self, worker: Any) -> None:
        self.engine = None


#: engines of specs whose tasks ran outside a worker with the plugin (a DataFrame
#: computed by Dask's local schedulers): one per spec, with its lock
_FALLBACK: dict[str, tuple[Engine, threading.Lock]] = {}
_FALLBACK_LOCK = threading.Lock()


def _worker_engine(spec: EngineSpec, name: str) -> tuple[Engine, threading.Lock]:
    from distributed import get_worker

    try:
        plugin = get_worker().plugins.get(name)
    except ValueError:  # not in a Dask worker
        plugin = None
    if plugin is not None and plugin.engine is not None and plugin.lock is not None:
        return plugin.engine, plugin.lock
    with _FALLBACK_LOCK:
        if name not in _FALLBACK:
            _FALLBACK[name] = (spec.build(), threading.Lock())
        return _FALLBACK[name]


def _assess_chunk(
    spec: EngineSpec, name: str, sources: list[FactSource], detail: str = "full"
) -> list[PortfolioRecord]:
    engine, lock = _worker_engine(spec, name)
    with lock:
        return [assess_one(engine, source, detail=detail) for source in sources]


def _assess_chunk_pickled(
    spec: EngineSpec, name: str, sources: list[FactSource], detail: str = "full"
) -> bytes:
    """The chunk's records as one pickle (:func:`_unpickle_records` reads it).

    Dask would serialize a returned list item by item, each with a header of its
    own, and the client would decode the items on its event loop: about 0.1 ms of
    CPU per partnership (measured on 2 cores), on the cores the workers use when
    the cluster is local. One pickle per chunk takes a tenth of that.
    """
    return pickle.dumps(_assess_chunk(spec, name, sources, detail), pickle.HIGHEST_PROTOCOL)


def _unpickle_records(data: bytes) -> list[PortfolioRecord]:
    # Our own workers made these bytes for this run, as Dask's own pickles are.
    records: list[PortfolioRecord] = pickle.loads(data)
    return records


def _chunk_frame(
    sources: list[FactSource], *, spec: EngineSpec, name: str, areas: tuple[str, ...]
) -> pandas.DataFrame:
    return _frame([r.row(areas) for r in _assess_chunk(spec, name, sources, "summary")], areas)


# -- the client side ------------------------------------------------------------------


def _register(client: distributed.Client, spec: EngineSpec) -> str:
    name = _plugin_name(spec)
    client.register_plugin(_EnginePlugin(spec), name=name)
    return name


#: dask settings for the local cluster's workers: no profiler, a slower housekeeping tick
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def local_cluster(n_workers: int | None = None) -> distributed.LocalCluster:
    """A Dask cluster on this machine: *n_workers* processes (one per core), one thread each.

    Everything listens on loopback only, and the workers' profiler is off. There is
    no dashboard, and the scheduler's small HTTP server (health checks) takes a free
    port rather than 8787, so two clusters at once do not collide.
    """
    _require_dask("distributed")
    import dask
    from distributed import LocalCluster

    # Each worker samples its running task's stack every 10 ms by default, for the
    # dashboard's profile, and its event loop wakes every 20 ms; the loop's thread
    # takes the GIL from the task's. With no dashboard, and tasks of many
    # partnerships, that costs a quarter of the throughput (measured on 2 cores).
    # Workers take the config as it is when they are made.
    with dask.config.set(QUIET_WORKERS):
        return LocalCluster(
            n_workers=n_workers or default_jobs(),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # Without a dashboard the scheduler still serves HTTP, on 8787 unless told
            # otherwise, and warns when that port is taken.
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        )


@contextlib.contextmanager
def _connected(
    client: distributed.Client | None, address: str | None, n_workers: int | None
) -> Iterator[distributed.Client]:
    """The client to use: *client* as is, one connected to *address*, or a local cluster's."""
    from distributed import Client

    if client is not None:
        yield client
        return
    if address is None or address == "local":
        with local_cluster(n_workers) as cluster, Client(cluster) as local:
            yield local
        return
    try:
        connected = Client(address)
    except OSError as error:
        msg = f"cannot reach the Dask scheduler at {address}: {error}"
        raise DaskClusterError(msg) from error
    with connected:
        yield connected


def assess_on_dask(
    sources: Iterable[FactSource | str | Path],
    *,
    spec: EngineSpec,
    client: distributed.Client | None = None,
    address: str | None = None,
    chunk_size: int = 128,
    ordered: bool = False,
    window: int | None = None,
    progress: Callable[[int], object] | None = None,
    n_workers: int | None = None,
    detail: str = "full",
) -> Iterator[PortfolioRecord]:
    """Assess every source on a Dask cluster, yielding one record each, as they finish.

    The contract of :func:`~realign.portfolio.assess_many`: sources are consumed
    lazily, at most *window* chunks are in flight, and a source that fails to load
    or assess becomes a record with ``problems``.

    Args:
        spec: how every worker builds its engine (``engine.spec``).
        client: a connected ``distributed.Client``, used as is (and left open).
        address: without *client*: a scheduler's address, or ``"local"`` (also the
            default) for a local cluster of *n_workers* processes on loopback,
            closed at the end.
        chunk_size: sources per task once the run is under way. The first task of
            each worker thread takes 8, and the size doubles from there: each task
            costs the scheduler and this client a few milliseconds of the cores
            the workers use, so large tasks pay, but small first ones put every
            worker to work at once, even for a short list.
        ordered: yield in the order of *sources* (otherwise as they finish).
        window: chunks in flight; by default four per worker thread.
        progress: called with the number of sources each record covers (1).
        n_workers: worker processes of a local cluster; by default one per core.
        detail: ``"full"`` documents or ``"summary"`` ones, as for ``assess_many``.

    A chunk whose worker dies is tried again one source per task; a source whose
    task fails again becomes an error record.

    Raises:
        DaskMissingError: dask, distributed or pyarrow is not installed.
        SpecError: the engine cannot be rebuilt in worker processes.
        DaskClusterError: the scheduler cannot be reached, or the cluster has had
            no workers for a minute.
    """
    _require_dask("distributed")
    spec.check_portable()
    if chunk_size < 1:
        msg = f"chunk_size must be 1 or more, not {chunk_size}"
        raise ValueError(msg)
    if window is not None and window < 1:
        msg = f"window must be 1 or more, not {window}"
        raise ValueError(msg)
    stream = (s if isinstance(s, FactSource) else FactSource.from_path(s) for s in sources)
    return _run(
        stream, spec, client, address, n_workers, chunk_size, ordered, window, progress, detail
    )


def _run(
    stream: Iterator[FactSource],
    spec: EngineSpec,
    client: distributed.Client | None,
    address: str | None,
    n_workers: int | None,
    chunk_size: int,
    ordered: bool,
    window: int | None,
    progress: Callable[[int], object] | None,
    detail: str,
) -> Iterator[PortfolioRecord]:
    with _connected(client, address, n_workers) as connected:
        run = _Run(connected, spec, window, detail)
        for record in run.records(stream, chunk_size, ordered):
            if progress is not None:
                progress(1)
            yield record


class _Run:
    def __init__(
        self, client: distributed.Client, spec: EngineSpec, window: int | None, detail: str
    ) -> None:
        self.client = client
        self.spec = spec
        self.detail = detail
        self.name = _register(client, spec)
        self.threads = sum(client.nthreads().values())
        self.window = window or max(2, self.threads * _WINDOW_PER_THREAD)
        self.no_workers_since: float | None = None

    def submit(self, chunk: list[FactSource]) -> distributed.Future:
        # pure=False: two chunks with equal content are still two tasks of their own
        return self.client.submit(
            _assess_chunk_pickled, self.spec, self.name, chunk, self.detail, pure=False
        )

    def records(
        self, stream: Iterator[FactSource], chunk_size: int, ordered: bool
    ) -> Iterator[PortfolioRecord]:
        batches = chunks(stream, chunk_size, first=_FIRST_CHUNK, every=max(1, self.threads))
        pending: deque[tuple[distributed.Future, list[FactSource]]] = deque()

        def refill() -> None:
            while len(pending) < self.window and (chunk := next(batches, None)) is not None:
                pending.append((self.submit(chunk), chunk))

        try:
            refill()
            while pending:
                if ordered:
                    self.wait([pending[0][0]])
                    future, chunk = pending.popleft()
                else:
                    done = self.wait([f for f, _ in pending])
                    index = next(i for i, (f, _) in enumerate(pending) if f in done)
                    future, chunk = pending[index]
                    del pending[index]
                records = self.result(future, chunk)
                del future  # the scheduler forgets the result once no one holds it
                yield from records
                refill()
        finally:
            for future, _ in pending:
                future.cancel()

    def result(self, future: distributed.Future, chunk: list[FactSource]) -> list[PortfolioRecord]:
        try:
            data: bytes = future.result()
        except Exception:  # a worker died (KilledWorker) or the connection broke
            return self.one_by_one(chunk)
        return _unpickle_records(data)

    def one_by_one(self, chunk: list[FactSource]) -> list[PortfolioRecord]:
        """A failed chunk, tried again one source per task; most of its sources are innocent.

        One task at a time: a source that kills its worker again then takes only
        itself down, not the other retries the worker held besides the running one.
        """
        records = []
        for source in chunk:
            future = self.submit([source])
            self.wait([future])
            try:
                records.extend(_unpickle_records(future.result()))
            except Exception as error:  # the source failed a second time
                records.append(
                    PortfolioRecord(
                        source=source.name,
                        problems=(
                            f"{source.name}: error: the Dask task assessing it failed twice "
                            f"({type(error).__name__}: {error}), e.g. its worker died "
                            "(a crash inside the matcher); it was not assessed",
                        ),
                    )
                )
        return records

    def wait(self, futures: list[distributed.Future]) -> set[Any]:
        """Wait for the first of *futures* to finish, but not on a cluster without workers."""
        from distributed import wait

        while True:
            try:
                done, _ = wait(
                    futures,
                    timeout=_POLL,
                    return_when="FIRST_COMPLETED",
                )
            except TimeoutError:
                self.check_workers()
                continue
            return set(done)

    def check_workers(self) -> None:
        try:
            workers = self.client.nthreads()
        except OSError as error:
            msg = f"lost the Dask scheduler: {error}"
            raise DaskClusterError(msg) from error
        now = time.monotonic()
        if workers:
            self.no_workers_since = None
        elif self.no_workers_since is None:
            self.no_workers_since = now
        elif now - self.no_workers_since > _NO_WORKERS_GRACE:
            msg = f"the Dask cluster has had no workers for {_NO_WORKERS_GRACE:.0f} s"
            raise DaskClusterError(msg)


# -- rows as a DataFrame and as Parquet -------------------------------------------------


def row_dtypes(areas: Sequence[str]) -> dict[str, Any]:
    """The pandas dtype of every row column: Arrow types, nullable, the same in every partition.

    Lists stay lists (``list<string>``): Parquet stores them natively, and a
    reader gets ids back without splitting strings that might hold the separator.
    """
    import pandas as pd

    return {column: pd.ArrowDtype(arrow_type(column)) for column in row_columns(areas)}


def _frame(rows: list[dict[str, Any]], areas: Sequence[str]) -> pandas.DataFrame:
    import pandas as pd
    import pyarrow as pa

    dtypes = row_dtypes(areas)
    # Through Arrow, with each column's type given: no column's type is guessed from
    # its values, so an all-error partition has the same schema as any other.
    table = pa.Table.from_pylist(
        rows, schema=pa.schema([(column, dtype.pyarrow_dtype) for column, dtype in dtypes.items()])
    )
    return table.to_pandas(types_mapper=pd.ArrowDtype).reset_index(drop=True)


def portfolio_dataframe(
    sources: Iterable[FactSource | str | Path],
    *,
    spec: EngineSpec,
    client: distributed.Client,
    areas: Sequence[str],
    chunk_size: int = 8,
) -> dask.dataframe.DataFrame:
    """The portfolio's rows (:meth:`PortfolioRecord.row`) as a lazy Dask DataFrame.

    One partition per *chunk_size* sources, computed on *client*'s cluster, whose
    workers build their engine once (the plugin stays registered for later
    computations). Columns are :func:`row_columns`, typed as :func:`row_dtypes`
    says. The sources are listed now (the graph holds them), assessed when the
    DataFrame is computed.
    """
    _require_dask()
    import dask.dataframe as dd

    spec.check_portable()
    if chunk_size < 1:
        msg = f"chunk_size must be 1 or more, not {chunk_size}"
        raise ValueError(msg)
    areas = tuple(areas)
    stream = (s if isinstance(s, FactSource) else FactSource.from_path(s) for s in sources)
    parts = list(chunks(stream, chunk_size))
    meta = _frame([], areas)
    if not parts:
        return dd.from_pandas(meta, npartitions=1)
    name = _register(client, spec)
    return dd.from_map(
        _chunk_frame,
        parts,
        meta=meta,
        label="realign-portfolio",
        spec=spec,
        name=name,
        areas=areas,
    )


def write_parquet_dataset(
    sources: Iterable[FactSource | str | Path],
    directory: str | Path,
    *,
    spec: EngineSpec,
    client: distributed.Client,
    areas: Sequence[str],
    chunk_size: int = 64,
) -> None:
    """Write the portfolio's rows to *directory* as a Parquet dataset, one file per partition.

    Each Dask task assesses *chunk_size* sources and writes their rows; the
    schema (:func:`row_dtypes`) is the same in every file, so readers see one
    table.
    """
    frame = portfolio_dataframe(
        sources, spec=spec, client=client, areas=areas, chunk_size=chunk_size
    )
    frame.to_parquet(str(directory), write_index=False, engine="pyarrow", compute=True)
