"""Benchmark: how long loading and enriching one fact file takes (not a test).

Run: .venv/bin/python bench/load_facts.py [--repeat N]

For each golden example, as TOML and as JSON, it times the steps of
``realign.load_facts`` separately and prints the median per file in
milliseconds, and files per second for the whole of load + enrich.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

import realign
from realign.loading.dump import dump_partnership

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    pm = realign.get_plugin_manager(load_entrypoints=False)
    table = Table(title=f"load + enrich, median of {args.repeat} runs (ms per file)")
    for column in ("example", "format", "KiB", "load", "enrich", "total", "files/s"):
        table.add_column(column, justify="left" if column in ("example", "format") else "right")
    for name in ("healthy", "case_study_before"):
        partnership = realign.load_partnership(EXAMPLES / f"{name}.toml").partnership
        for fmt in ("toml", "json"):
            text = dump_partnership(partnership, fmt)
            source = realign.FactSource.from_text(text, name=f"{name}.{fmt}", format=fmt)
            loaded = realign.load_partnership(source, plugin_manager=pm).partnership
            load = _median_ms(
                lambda s=source: realign.load_partnership(s, plugin_manager=pm), args.repeat
            )
            enrich = _median_ms(lambda p=loaded: realign.enrich(p, pm), args.repeat)
            total = load + enrich
            table.add_row(
                name,
                fmt,
                f"{len(text.encode()) / 1024:.1f}",
                f"{load:.2f}",
                f"{enrich:.2f}",
                f"{total:.2f}",
                f"{1000 / total:,.0f}",
            )
    Console().print(table)


if __name__ == "__main__":
    main()
