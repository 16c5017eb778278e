"""Benchmark: a portfolio of generated partnerships on one core, two, and Dask (not a test).

Run: .venv/bin/python bench/portfolio.py [--n 10000] [--runs jobs1 jobs2 dask] [--dir DIR]
                                         [--recycle-after 2000] [--chunk-size 8]

Workload: N partnerships from ``realign generate`` (realistic, seed 0), written once as
JSON into a temporary directory (or --dir, reused when it already holds them). Each run
assesses all of them with the default backend and the standard catalog, streaming the
records (summary documents) as ``realign portfolio`` does, and counts them:

- jobs1: ``assess_many(jobs=1)``, in this process;
- jobs2: ``assess_many(jobs=2)``, a process pool of two workers (recycled after
  --recycle-after partnerships each);
- dask: ``assess_on_dask`` on ``local_cluster(2)``, two worker processes of one thread
  each, started for the run (its start-up is timed too), in chunks growing from 8 to
  --dask-chunk-size (128 by default, as ``realign portfolio --dask`` sends them).

The table gives partnerships per second over the whole run, the speedup against jobs1,
and the workers' memory, read from /proc every half second: how many worker processes
served the run, their peak RSS (lowest and highest), and the RSS of the longest-lived
worker a quarter into its life (warmed up) and at its last reading, which stay close when
memory is flat. For jobs1 the
"worker" is this process. The load average before each run says how busy the machine was.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from realign.portfolio import assess_many, portfolio_sources
from realign.portfolio.pool import default_jobs
from realign.testing.generate import generate

RUNS = ("jobs1", "jobs2", "dask")


def _children(root: int) -> set[int]:
    """Every live descendant of process *root*, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                # The command may hold spaces and parentheses; the ppid follows the last ')'.
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _status(pid: int) -> tuple[float, float, str] | None:
    """RSS and peak RSS in MiB, and the command line, of *pid*."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if "VmRSS" not in fields:  # a process that has exited and not been reaped yet
        return None
    rss = int(fields["VmRSS"].split()[0]) / 1024
    peak = int(fields["VmHWM"].split()[0]) / 1024
    return rss, peak, command


class _Memory:
    """Samples the RSS of worker processes (or this one) every half second."""

    def __init__(self, workers: Callable[[], set[int]]) -> None:
        self.workers = workers
        self.samples: dict[int, list[float]] = {}
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for pid in self.workers():
                status = _status(pid)
                if status is None:
                    continue
                rss, peak, _ = status
                self.samples.setdefault(pid, []).append(rss)
                self.peaks[pid] = max(peak, self.peaks.get(pid, 0.0))

    def summary(self) -> tuple[str, str, str]:
        if not self.samples:
            return "0", "n/a", "n/a"
        peaks = [self.peaks[pid] for pid in self.samples]
        longest = max(self.samples.values(), key=len)
        # After a quarter of its life the worker has imported everything and built its
        # engine; from there to its end, flat memory means no growth per partnership.
        settled = longest[len(longest) // 4]
        return (
            str(len(self.samples)),
            f"{min(peaks):.0f}–{max(peaks):.0f}",
            f"{settled:.0f} → {longest[-1]:.0f} ({len(longest)} readings)",
        )


def _pool_workers() -> set[int]:
    """Worker processes of a pool: this process's descendants that hold an engine."""
    return {
        pid
        for pid in _children(os.getpid())
        if (status := _status(pid)) is not None
        and "forkserver" in status[2]
        and _parent(pid) != os.getpid()  # the fork server itself is our child
    }


def _dask_workers() -> set[int]:
    return {
        pid
        for pid in _children(os.getpid())
        if (status := _status(pid)) is not None
        and "spawn_main" in status[2]
        and _has_child_of_its_own(pid) is False
    }


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def _has_child_of_its_own(pid: int) -> bool:
    # A Dask nanny's child is the worker; the worker has no child of its own.
    return bool(_children(pid))


def _records(run: str, folder: Path, args: argparse.Namespace) -> Iterator[object]:
    sources = portfolio_sources([folder])
    if run == "jobs1":
        yield from assess_many(sources, jobs=1, detail="summary")
    elif run == "jobs2":
        yield from assess_many(
            sources,
            jobs=2,
            chunk_size=args.chunk_size,
            recycle_after=args.recycle_after,
            detail="summary",
        )
    else:
        from realign.engine_spec import EngineSpec
        from realign.plugins import get_plugin_manager
        from realign.portfolio.on_dask import assess_on_dask

        spec = EngineSpec.of(plugins=get_plugin_manager().recipe)  # type: ignore[attr-defined]
        yield from assess_on_dask(
            sources,
            spec=spec,
            address="local",
            n_workers=2,
            chunk_size=args.dask_chunk_size,
            detail="summary",
        )


def _measure(run: str, folder: Path, args: argparse.Namespace) -> tuple[int, float, _Memory]:
    watch = {"jobs1": lambda: {os.getpid()}, "jobs2": _pool_workers, "dask": _dask_workers}[run]
    with _Memory(watch) as memory:
        start = time.perf_counter()
        count = sum(1 for _ in _records(run, folder, args))
        elapsed = time.perf_counter() - start
    return count, elapsed, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS))
    parser.add_argument("--dir", type=Path, help="where the partnerships are (or go)")
    parser.add_argument("--recycle-after", type=int, default=2000)
    parser.add_argument("--chunk-size", type=int, default=8)
    parser.add_argument("--dask-chunk-size", type=int, default=128, help="as realign portfolio")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.dir or Path(scratch) / "portfolio"
        if not folder.exists() or len(list(folder.glob("*.json"))) != args.n:
            start = time.perf_counter()
            generate(folder, args.n, seed=0, overwrite=True, validate=False)
            print(f"generated {args.n} partnerships in {time.perf_counter() - start:.1f} s")
        print(
            f"Python {sys.version.split()[0]}, {default_jobs()} cores; "
            f"N = {args.n}, chunk {args.chunk_size} (Dask {args.dask_chunk_size}), "
            f"recycle after {args.recycle_after}"
        )
        measured = []
        for run in args.runs:
            load = f"{os.getloadavg()[0]:.2f}"
            count, elapsed, memory = _measure(run, folder, args)
            measured.append((run, load, count, elapsed, memory))
        rates = {run: count / elapsed for run, _, count, elapsed, _ in measured}
        rows = []
        for run, load, count, elapsed, memory in measured:
            speedup = f"{rates[run] / rates['jobs1']:.2f}×" if "jobs1" in rates else "n/a"
            workers, peaks, drift = memory.summary()
            rows.append(
                [run, load, f"{count:,}", f"{elapsed:.1f}", f"{rates[run]:.1f}", speedup,
                 workers, peaks, drift]
            )  # fmt: skip
        header = [
            "run", "load before", "partnerships", "seconds", "per second", "speedup",
            "workers", "peak RSS MiB", "longest-lived worker RSS MiB (¼ → end)",
        ]  # fmt: skip
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, ["-" * w for w in widths], *rows]:
            print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if "jobs2" in rates and "dask" in rates:
            print(f"dask / pool: {rates['dask'] / rates['jobs2']:.2f}")


if __name__ == "__main__":
    main()
