"""Benchmark: assessments per second with the sample rule set, on both backends (not a test).

Run: .venv/bin/python bench/engine.py [--large] [--rounds N] [--builds N]

For N partnerships (the two golden examples, alternating) it times the three
steps of an assessment separately: load (parse and validate the fact file),
enrich (derive facts), and match + explain (``Engine.assess`` on the enriched
fact set: matching, findings and their evidence). Each step runs over all N
partnerships in a round; the table gives the median round's mean cost per
assessment in milliseconds, then assessments per second for the whole and
for match + explain alone. A second table gives the time to build an
Engine (compile the rule set and, for durable_rules, register it).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import realign
from realign.engine.engine import Backend

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SAMPLE = ROOT / "tests" / "data" / "rulesets" / "sample.toml"
BACKENDS: tuple[Backend, ...] = ("durable_rules", "python")
NAMES = ("case_study_before", "healthy")


def _seconds(action: Callable[[Any], object], items: Sequence[Any], rounds: int) -> float:
    """The median over *rounds* of the time to apply *action* to every item."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            action(item)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", action="store_true", help="also run N = 10,000")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measurement")
    parser.add_argument("--builds", type=int, default=5, help="engine builds to time")
    args = parser.parse_args()
    sizes = [100, 1_000, *([10_000] if args.large else [])]
    pm = realign.get_plugin_manager(load_entrypoints=False)
    paths = [EXAMPLES / f"{name}.toml" for name in NAMES]

    builds = Table(title=f"building an Engine from sample.toml, median of {args.builds} (ms)")
    for column in ("backend", "build"):
        builds.add_column(column, justify="left" if column == "backend" else "right")
    engines: dict[Backend, realign.Engine] = {}
    for backend in BACKENDS:
        samples = []
        for _ in range(args.builds):
            start = time.perf_counter()
            engines[backend] = realign.Engine([SAMPLE], plugin_manager=pm, backend=backend)
            samples.append(time.perf_counter() - start)
        builds.add_row(backend, f"{statistics.median(samples) * 1000:.1f}")

    texts = {
        backend: [engine.assess(engine.facts(p)).to_json() for p in paths]
        for backend, engine in engines.items()
    }
    agree = texts["durable_rules"] == texts["python"]

    table = Table(title="sample.toml on the golden examples, alternating (ms per assessment)")
    columns = ("backend", "N", "load", "enrich", "match+explain", "total", "assess/s", "match/s")
    for column in columns:
        table.add_column(column, justify="left" if column == "backend" else "right")
    loaded = {p: realign.load_partnership(p, plugin_manager=pm).partnership for p in paths}
    facts = {p: realign.enrich(loaded[p], pm) for p in paths}
    for engine in engines.values():  # warm-up: the first assessments fill caches
        for _ in range(20):
            for p in paths:
                engine.assess(facts[p])
    for backend, engine in engines.items():
        for n in sizes:
            batch = [paths[i % 2] for i in range(n)]
            load = _seconds(
                partial(realign.load_partnership, plugin_manager=pm), batch, args.rounds
            )
            enrich = _seconds(
                partial(realign.enrich, plugin_manager=pm), [loaded[p] for p in batch], args.rounds
            )
            match = _seconds(engine.assess, [facts[p] for p in batch], args.rounds)
            total = load + enrich + match
            table.add_row(
                backend,
                f"{n:,}",
                f"{load / n * 1000:.3f}",
                f"{enrich / n * 1000:.3f}",
                f"{match / n * 1000:.3f}",
                f"{total / n * 1000:.3f}",
                f"{n / total:,.0f}",
                f"{n / match:,.0f}",
            )
    console = Console(width=max(Console().width, 100))
    console.print(builds)
    console.print(table)
    console.print(f"both backends give byte-identical JSON on the examples: {agree}")


if __name__ == "__main__":
    main()
