"""Assess many partnerships: in this process, or on every core with worker processes.

Each worker process builds its engine once, from an :class:`EngineSpec`, and assesses
chunks of sources with it. Workers are replaced after a number of partnerships, because
durable_rules never frees what a ruleset allocates (DURABLE_RULES.md P10). The whole
pool is replaced, not one worker at a time:
``ProcessPoolExecutor(max_tasks_per_child=...)`` deadlocks on Python 3.11 and 3.12 once
a worker retires (CPython gh-115634). The next pool starts while the last one finishes
its chunks, so the switch costs little. Only a bounded window of chunks is in flight, so
memory stays flat however many sources there are. A worker that dies (a crash inside the
matcher) costs its chunk a retry, one source at a time in a worker of its own; a source
that kills that worker becomes an error record. Failures of the pool itself stop the run
with a :class:`WorkerError`: workers that cannot build their engine, or that die even on a
task without a partnership.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..engine_spec import EngineSpec
from ..errors import RealignError
from ..loading import FactSource
from ..plugins import get_plugin_manager
from .records import PortfolioRecord, assess_one

__all__ = ["WorkerError", "assess_many", "chunks", "default_jobs"]

#: seconds between a worker's checks that the process that started it still runs
_OWNER_CHECK = 1.0
#: what a record's document holds: the whole assessment, or its summary
DETAILS = ("full", "summary")
#: chunks in flight per worker: enough to keep every worker busy, few enough to bound memory
_WINDOW_PER_JOB = 4
#: partnerships in a row whose worker died before a task without one tests the pool itself
PROBE_AFTER_DEATHS = 3


class WorkerError(RealignError, RuntimeError):
    """The worker processes cannot assess anything: no engine, or they die on any task."""


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def assess_many(
    sources: Iterable[FactSource | str | Path],
    *,
    engine: Engine | EngineSpec | None = None,
    jobs: int = 1,
    ordered: bool = False,
    chunk_size: int = 8,
    recycle_after: int = 2000,
    progress: Callable[[int], object] | None = None,
    detail: str = "full",
) -> Iterator[PortfolioRecord]:
    """Assess every source, yielding one :class:`PortfolioRecord` each, as they finish.

    Args:
        sources: fact sources or paths, consumed lazily (see
            :func:`~realign.portfolio.portfolio_sources` for directories, globs and
            JSON Lines).
        engine: the engine, or how to build it; by default ``Engine.default()``.
            With ``jobs > 1`` an engine is rebuilt in each worker from its
            :attr:`~realign.engine.Engine.spec`, so its plugins must be installed
            ones or importable modules.
        jobs: worker processes; 1 assesses in this process.
        ordered: yield in the order of *sources* (otherwise as they finish).
        chunk_size: sources sent to a worker at a time.
        recycle_after: partnerships a worker assesses before it is replaced.
        progress: called with the number of sources each record covers (1).
        detail: ``"full"`` assessment documents, or ``"summary"`` ones (see
            :func:`~realign.portfolio.records.summary_document`), a sixth of the
            size to send back from the workers.

    A source that fails to load or assess becomes a record with ``problems``;
    the run never stops for one partnership.

    Raises:
        WorkerError: the worker processes cannot build the engine, or die even on a
            task without a partnership (tried after :data:`PROBE_AFTER_DEATHS`
            partnerships in a row killed their worker).
    """
    if jobs < 1:
        msg = f"jobs must be 1 or more, not {jobs}"
        raise ValueError(msg)
    if detail not in DETAILS:
        msg = f"detail must be one of {', '.join(DETAILS)}, not {detail!r}"
        raise ValueError(msg)
    stream = (s if isinstance(s, FactSource) else FactSource.from_path(s) for s in sources)
    if jobs == 1:
        built = engine if isinstance(engine, Engine) else _spec(engine).build()
        for source in stream:
            record = assess_one(built, source, detail=detail)
            if progress is not None:
                progress(1)
            yield record
        return
    spec = engine.spec if isinstance(engine, Engine) else _spec(engine)
    spec.check_portable()
    pool = _Pool(spec, jobs, chunk_size, recycle_after, detail)
    try:
        yield from pool.run(stream, chunk_size, ordered, progress)
    finally:
        pool.close()


def _spec(engine: EngineSpec | None) -> EngineSpec:
    if engine is not None:
        return engine
    return EngineSpec.of(plugins=get_plugin_manager().recipe)


# -- the worker side ------------------------------------------------------------------

#: this worker process's engine, built once by _start_worker (one per process, by design)
_WORKER_ENGINE: list[Engine] = []
#: why this worker process has no engine, when building it failed
_WORKER_FAILURE: list[str] = []


def _start_worker(spec: EngineSpec, owner: int) -> None:
    threading.Thread(target=_exit_after, args=(owner,), daemon=True).start()
    try:
        _WORKER_ENGINE[:] = [spec.build()]
    except Exception as error:
        # An initializer that raises only breaks the pool, and the parent would learn
        # no reason; every task this worker gets reports it instead.
        _WORKER_FAILURE[:] = [f"{type(error).__name__}: {error}"]


def _exit_after(owner: int) -> None:
    """End this worker, and the fork server it came from, once process *owner* is gone.

    A run that is killed (``kill -9``, the OOM killer) cannot shut its pool down,
    and its workers and fork server would otherwise wait for work forever.
    """
    while True:
        time.sleep(_OWNER_CHECK)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            break
        except PermissionError:  # the pid was reused by another user's process
            break
    server = os.getppid()
    if server not in (1, owner):
        with contextlib.suppress(OSError):
            os.kill(server, signal.SIGTERM)
    os._exit(0)


def _assess_chunk(sources: list[FactSource], detail: str) -> list[PortfolioRecord]:
    if not _WORKER_ENGINE:
        msg = f"the worker processes cannot build the engine: {_WORKER_FAILURE[0]}"
        raise WorkerError(msg)
    engine = _WORKER_ENGINE[0]
    return [assess_one(engine, source, detail=detail) for source in sources]


# -- the parent side ------------------------------------------------------------------


def _context() -> Any:
    # Workers are replaced after a number of tasks, which "fork" cannot do; a fork
    # server starts each new worker from a process that has imported realign already.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["realign.portfolio.pool"])
        return context
    return multiprocessing.get_context("spawn")


def _executor(spec: EngineSpec, workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_start_worker,
        initargs=(spec, os.getpid()),
    )


class _Pool:
    """A process pool that survives its workers dying."""

    def __init__(
        self, spec: EngineSpec, jobs: int, chunk_size: int, recycle_after: int, detail: str
    ) -> None:
        self.spec = spec
        self.detail = detail
        self.jobs = jobs
        #: a pool is replaced once its workers have had recycle_after partnerships each
        self.chunks_per_pool = max(1, recycle_after // chunk_size) * jobs
        self.recycle_after = recycle_after
        self.submitted = 0
        self.deaths_in_a_row = 0
        self.retired: list[ProcessPoolExecutor] = []
        self.executor = self._new_executor()
        #: one worker for retries, apart from the pool (made when first needed)
        self.retry: ProcessPoolExecutor | None = None
        self.retried = 0

    def _new_executor(self) -> ProcessPoolExecutor:
        self.submitted = 0
        return _executor(self.spec, self.jobs)

    def submit(self, chunk: list[FactSource]) -> Future[list[PortfolioRecord]]:
        if self.submitted >= self.chunks_per_pool:
            # Its workers have done their share: they finish what they hold and exit.
            self.executor.shutdown(wait=False)
            self.retired.append(self.executor)
            self.executor = self._new_executor()
        self.submitted += 1
        return self.executor.submit(_assess_chunk, chunk, self.detail)

    def close(self) -> None:
        for executor in (*self.retired, self.executor, self.retry):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    def run(
        self,
        stream: Iterator[FactSource],
        chunk_size: int,
        ordered: bool,
        progress: Callable[[int], object] | None,
    ) -> Iterator[PortfolioRecord]:
        batches = chunks(stream, chunk_size)
        pending: deque[tuple[Future[list[PortfolioRecord]], list[FactSource]]] = deque()
        window = self.jobs * _WINDOW_PER_JOB

        def refill() -> None:
            while len(pending) < window and (chunk := next(batches, None)) is not None:
                try:
                    future = self.submit(chunk)
                except BrokenProcessPool:  # a worker died since the last submission
                    self._working()
                    future = self.submit(chunk)
                pending.append((future, chunk))

        refill()
        while pending:
            if ordered:
                future, chunk = pending.popleft()
                wait([future])
            else:
                done, _ = wait([f for f, _ in pending], return_when=FIRST_COMPLETED)
                index = next(i for i, (f, _) in enumerate(pending) if f in done)
                future, chunk = pending[index]
                del pending[index]
            try:
                records = future.result()
                self.deaths_in_a_row = 0
            except BrokenProcessPool:
                records = self._one_by_one(chunk)
            for record in records:
                if progress is not None:
                    progress(1)
                yield record
            refill()

    def _one_by_one(self, chunk: list[FactSource]) -> list[PortfolioRecord]:
        """A chunk whose worker died, tried again a source at a time in a worker of its own.

        Every chunk in flight fails when one worker dies, so most of them are
        innocent. The retry worker runs nothing else, so when it dies, the source
        it was assessing killed it: that source gets an error record.
        """
        records = []
        for source in chunk:
            try:
                records.extend(self._retry([source]))
                self.deaths_in_a_row = 0
            except BrokenProcessPool:
                self.deaths_in_a_row += 1
                if self.deaths_in_a_row >= PROBE_AFTER_DEATHS:
                    self._probe(source)
                records.append(
                    PortfolioRecord(
                        source=source.name,
                        problems=(
                            f"{source.name}: error: the worker process died assessing it "
                            "(a crash inside the matcher); it was not assessed",
                        ),
                    )
                )
        return records

    def _retry(self, sources: list[FactSource]) -> list[PortfolioRecord]:
        """*sources* assessed by the retry worker, replaced when it dies or has done its share."""
        if self.retry is not None and self.retried >= self.recycle_after:
            self.retry.shutdown(wait=False)
            self.retry = None
        if self.retry is None:
            self.retry = _executor(self.spec, 1)
            self.retried = 0
        self.retried += len(sources)
        try:
            return self.retry.submit(_assess_chunk, sources, self.detail).result()
        except BrokenProcessPool:
            self.retry.shutdown(wait=False, cancel_futures=True)
            self.retry = None
            raise

    def _probe(self, source: FactSource) -> None:
        """Several partnerships in a row killed their worker: see whether any task can run.

        Either they all crash the matcher, and the run goes on, or no worker can
        run a task at all (a crash loop that would fail every partnership, one new
        process each), and the run stops.
        """
        try:
            self._retry([])
        except BrokenProcessPool as error:
            msg = (
                f"worker processes died on {self.deaths_in_a_row} partnerships in a row, the "
                f"last {source.name}, and then on a task without a partnership: the pool, "
                f"not the partnerships, is failing ({error}), so the run stops"
            )
            raise WorkerError(msg) from error
        self.deaths_in_a_row = 0

    def _working(self) -> None:
        """Replace the executor if a worker's death broke it."""
        probe = None
        with contextlib.suppress(BrokenProcessPool):  # submit raises once it knows
            probe = self.executor.submit(int)
        if probe is None or isinstance(probe.exception(), BrokenProcessPool):
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._new_executor()


def chunks(
    stream: Iterator[FactSource], size: int, *, first: int | None = None, every: int = 1
) -> Iterator[list[FactSource]]:
    """*stream* in lists of *size* (the last one shorter), read as they are needed.

    With *first*, the lists start at that size and double every *every* lists
    until they reach *size*: large chunks spare a scheduler its per-task cost, and
    small ones first put every worker to work at once, even on a short stream,
    and return the first records early.
    """
    for name, value in (("size", size), ("first", first), ("every", every)):
        if value is not None and value < 1:
            msg = f"{name} must be 1 or more, not {value}"
            raise ValueError(msg)
    return _growing_chunks(stream, size, min(first or size, size), every)


def _growing_chunks(
    stream: Iterator[FactSource], size: int, current: int, every: int
) -> Iterator[list[FactSource]]:
    made = 0
    while chunk := list(itertools.islice(stream, current)):
        yield chunk
        made += 1
        if made % every == 0:
            current = min(current * 2, size)
