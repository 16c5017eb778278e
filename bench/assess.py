"""Benchmark: end-to-end assessments per second with the standard catalog (not a test).

Run: .venv/bin/python bench/assess.py [--n 100 1000 10000] [--backend durable_rules python]
                                      [--format toml json] [--pool 200] [--out DIR] [--quick]
     .venv/bin/python bench/assess.py --profile python [--profile-n 200]

Workload: a pool of generated partnerships about the size of the examples
(realign.testing.generate.write_pool: the two golden examples, perturbed
with a seeded random.Random), written once per format into a temporary
directory (or --out). A run of N assessments reads files i % pool, so when N exceeds the
pool it cycles; every file is still read from disk and parsed each time.

Everything runs in this one process, one measurement after another, with one
``Engine.default()`` per backend (the 50 rules of rulesets/*.toml), built
once and warmed up on the pool. For each format, backend and N the table
gives assessments per second for the whole loop (load from disk, enrich,
assess), the mean milliseconds per assessment of each phase: load
(``load_partnership``), enrich (``enrich``), then match, explain and score as
``Engine.assess(..., timings=)`` reports them, and "other" (the rest of the
loop: Assessment construction, timing overhead), all wall-clock; "CPU ms" is
this process's CPU time per assessment, which other processes on a busy
machine inflate much less than wall time (compare the load average printed
before and after). Memory is the process's peak
RSS (getrusage) and current RSS (/proc, Linux only) at the start, after N/2
and at the end of each run: flat numbers mean no per-assessment growth. The
"dr / py" rows divide the durable_rules time by the pure Python evaluator's
on the same files.

With --profile BACKEND it instead runs cProfile over --profile-n end-to-end
assessments and prints the top functions by cumulative and by internal time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import pluggy

import realign
from realign.engine.engine import Backend
from realign.testing.generate import FORMATS, write_pool

BACKENDS: tuple[Backend, ...] = ("durable_rules", "python")
PHASES = ("load", "enrich", "match", "explain", "score", "other")


def _peak_mib() -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _current_mib() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _load_average() -> str:
    # Other processes on the machine skew every timing; the load average says how much.
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def _memory() -> tuple[float, float | None]:
    return _peak_mib(), _current_mib()


def _assess_once(
    engine: realign.Engine, path: Path, pm: pluggy.PluginManager, times: dict[str, float]
) -> realign.Assessment:
    """One end-to-end assessment of the file at *path*, adding each phase's seconds to *times*."""
    start = time.perf_counter()
    loaded = realign.load_partnership(path, plugin_manager=pm)
    loaded_at = time.perf_counter()
    facts = realign.enrich(loaded.partnership, pm)
    times["load"] += loaded_at - start
    times["enrich"] += time.perf_counter() - loaded_at
    # A separate dict: given a FactSet, assess still laps a (near-zero) "load" phase of its
    # own, which belongs to "other" here, not to load_partnership's time.
    laps: dict[str, float] = {}
    assessment = engine.assess(facts, timings=laps)
    for phase in ("match", "explain", "score"):
        times[phase] += laps.get(phase, 0.0)
    return assessment


class Run:
    """One measurement: N assessments of one format on one backend."""

    def __init__(self, fmt: str, backend: Backend, n: int) -> None:
        self.fmt, self.backend, self.n = fmt, backend, n
        self.times: dict[str, float] = dict.fromkeys(
            ("load", "enrich", "match", "explain", "score"), 0.0
        )
        self.wall = 0.0
        self.cpu = 0.0
        self.memory: list[tuple[float, float | None]] = []

    def measure(
        self, engine: realign.Engine, paths: Sequence[Path], pm: pluggy.PluginManager
    ) -> None:
        half = self.n // 2
        self.memory.append(_memory())
        start, cpu_start = time.perf_counter(), time.process_time()
        for i in range(self.n):
            _assess_once(engine, paths[i % len(paths)], pm, self.times)
            if i + 1 == half:
                self.memory.append(_memory())
        self.wall = time.perf_counter() - start
        self.cpu = time.process_time() - cpu_start
        self.memory.append(_memory())

    def ms(self, phase: str) -> float:
        """Mean milliseconds per assessment in *phase*."""
        if phase == "other":
            named = sum(v for k, v in self.times.items() if k in PHASES)
            return (self.wall - named) / self.n * 1000
        return self.times[phase] / self.n * 1000

    @property
    def rate(self) -> float:
        return self.n / self.wall


def _memory_cell(values: Sequence[float | None]) -> str:
    if any(v is None for v in values):
        return "n/a"
    return " / ".join(f"{v:.0f}" for v in values if v is not None)


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]], left: int) -> str:
    """A markdown table: the first *left* columns aligned left, the others right."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(w) if i < left else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [("-" * w if i < left else "-" * (w - 1) + ":") for i, w in enumerate(widths)]
    return "\n".join([line(header), line(rule), *(line(r) for r in rows)])


def _generate_pool(
    args: argparse.Namespace, directory: Path, pm: pluggy.PluginManager
) -> dict[str, list[Path]]:
    start = time.perf_counter()
    pool = write_pool(directory, args.pool, formats=args.format, seed=args.seed, plugin_manager=pm)
    seconds = time.perf_counter() - start
    sizes = {
        fmt: sum(p.stat().st_size for p in paths) / len(paths) / 1024 for fmt, paths in pool.items()
    }
    print(
        f"generated {args.pool} partnerships (seed {args.seed}) per format in {directory}"
        f"{'' if args.out else ' (removed at exit)'} "
        f"in {seconds:.1f} s, each validated by loading it back; mean size "
        + ", ".join(f"{fmt} {kib:.1f} KiB" for fmt, kib in sizes.items())
    )
    return pool


def _profile(
    args: argparse.Namespace, pm: pluggy.PluginManager, pool: dict[str, list[Path]]
) -> None:
    backend: Backend = args.profile
    engine = realign.Engine.default(plugin_manager=pm, backend=backend)
    paths = pool[args.format[0]]
    times = dict.fromkeys(("load", "enrich", "match", "explain", "score"), 0.0)
    for path in paths[: args.warmup]:
        _assess_once(engine, path, pm, times)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(args.profile_n):
        _assess_once(engine, paths[i % len(paths)], pm, times)
    profiler.disable()
    print(f"cProfile: {args.profile_n} end-to-end assessments, {backend}, {args.format[0]} files")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(args.top)
        print(f"\n--- top {args.top} by {order} ---")
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--n", type=int, nargs="+", default=[100, 1_000, 10_000], help="assessments per run"
    )
    parser.add_argument("--backend", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--format", nargs="+", choices=FORMATS, default=["toml"])
    parser.add_argument("--pool", type=int, default=200, help="distinct generated files, cycled")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first generated file")
    parser.add_argument("--out", help="write the generated files here (kept) instead of a temp dir")
    parser.add_argument(
        "--warmup", type=int, help="assessments per engine before measuring (default: the pool)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: N = 100 only, short warm-up"
    )
    parser.add_argument(
        "--profile", choices=BACKENDS, help="profile this backend instead of the table"
    )
    parser.add_argument("--profile-n", type=int, default=200, help="assessments to profile")
    parser.add_argument("--top", type=int, default=15, help="functions to list when profiling")
    args = parser.parse_args()
    if args.quick:
        args.n = [100]
        args.warmup = 20 if args.warmup is None else args.warmup
    if args.warmup is None:
        args.warmup = args.pool

    pm = realign.get_plugin_manager(load_entrypoints=False)
    print(
        f"realign {realign.__version__}, durable-rules {version('durable-rules')}, "
        f"Python {platform.python_version()} on {platform.machine()} {platform.system()}, "
        f"{os.cpu_count()} CPUs, load average (1 min) {_load_average()}"
    )
    with tempfile.TemporaryDirectory(prefix="realign-bench-") as scratch:
        directory = Path(args.out) if args.out else Path(scratch)
        pool = _generate_pool(args, directory, pm)
        if args.profile:
            _profile(args, pm, pool)
        else:
            _benchmark(args, pm, pool)


def _benchmark(
    args: argparse.Namespace, pm: pluggy.PluginManager, pool: dict[str, list[Path]]
) -> None:
    engines: dict[Backend, realign.Engine] = {}
    outputs: dict[Backend, dict[Path, str]] = {}
    for backend in args.backend:
        start = time.perf_counter()
        engines[backend] = engine = realign.Engine.default(plugin_manager=pm, backend=backend)
        built = time.perf_counter() - start
        # Warm-up: caches fill, the files enter the page cache; keep the outputs to compare.
        outputs[backend] = {}
        warm = [p for fmt in args.format for p in pool[fmt]][: args.warmup]
        times = dict.fromkeys(("load", "enrich", "match", "explain", "score"), 0.0)
        for path in warm:
            outputs[backend][path] = _assess_once(engine, path, pm, times).to_json()
        print(
            f"{backend}: Engine.default() built in {built * 1000:.0f} ms, "
            f"{len(engine.rules)} rules; warmed up on {len(warm)} files"
        )
    if len(outputs) == 2:
        first, second = outputs.values()
        same = sum(first[p] == second[p] for p in first)
        print(f"both backends give byte-identical JSON on {same} of {len(first)} warm-up files")

    runs: list[Run] = []
    for backend in args.backend:
        for fmt in args.format:
            for n in args.n:
                run = Run(fmt, backend, n)
                run.measure(engines[backend], pool[fmt], pm)
                runs.append(run)
                print(f"  {backend} {fmt} N={n:,}: {run.rate:,.1f} assessments/s", flush=True)

    cycled = [n for n in args.n if n > args.pool]
    header = [
        "format",
        "backend",
        "N",
        "assess/s",
        *PHASES,
        "total ms",
        "CPU ms",
        "peak RSS MiB",
        "RSS MiB",
    ]
    rows: list[list[str]] = []
    by_key = {(r.fmt, r.backend, r.n): r for r in runs}
    for fmt in args.format:
        for n in args.n:
            for backend in args.backend:
                run = by_key[fmt, backend, n]
                rows.append(
                    [
                        fmt,
                        backend,
                        f"{n:,}",
                        f"{run.rate:,.1f}",
                        *(f"{run.ms(p):.2f}" for p in PHASES),
                        f"{1000 / run.rate:.2f}",
                        f"{run.cpu / n * 1000:.2f}",
                        _memory_cell([m[0] for m in run.memory]),
                        _memory_cell([m[1] for m in run.memory]),
                    ]
                )
            dr, py = by_key.get((fmt, "durable_rules", n)), by_key.get((fmt, "python", n))
            if dr and py:
                rows.append(
                    [
                        fmt,
                        "dr / py",
                        f"{n:,}",
                        "",
                        *(f"{dr.ms(p) / py.ms(p):.2f}×" if py.ms(p) > 0 else "-" for p in PHASES),
                        f"{py.rate / dr.rate:.2f}×",
                        f"{dr.cpu / py.cpu:.2f}×",
                        "",
                        "",
                    ]
                )
    print(f"load average (1 min) at the end: {_load_average()}")
    print()
    print(
        f"**Standard catalog ({len(next(iter(engines.values())).rules)} rules), one process, "
        f"ms per assessment by phase; pool of {args.pool} generated files"
        + (f", cycled for N = {', '.join(f'{n:,}' for n in cycled)}" if cycled else "")
        + "; RSS at start / N/2 / end.**"
    )
    print(_markdown(header, rows, left=2))


if __name__ == "__main__":
    main()
