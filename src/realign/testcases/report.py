"""The terminal report of a test run: failures first, then the rule-coverage table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .._text import percent
from .runner import TestRun

__all__ = ["print_test_run"]


def print_test_run(console: Console, run: TestRun, *, verbose: bool = False) -> None:
    for problem in run.problems:
        console.print(str(problem))
    for result in run.results:
        if result.passed:
            if verbose:
                console.print(f"PASS {result.case.name}")
            continue
        console.print(f"FAIL {result.case.name}  ({result.case.where})")
        if result.error:
            for line in result.error.splitlines():
                console.print(f"     {line}")
        for failure in result.failures:
            console.print(f"     {failure}")
    table = Table(title="Rule coverage", title_justify="left")
    table.add_column("rule")
    table.add_column("seen firing", justify="right")
    table.add_column("seen not firing", justify="right")
    for item in run.coverage:
        table.add_row(item.rule, _count(len(item.fires)), _count(len(item.passes)))
    console.print(table)
    passed = len(run.results) - len(run.failed)
    console.print(
        f"{passed} of {len(run.results)} case{'s' if len(run.results) != 1 else ''} passed; "
        f"coverage: {percent(run.coverage_ratio('fires'))} of rules seen firing, "
        f"{percent(run.coverage_ratio('passes'))} seen not firing"
    )


def _count(n: int) -> str:
    return f"{n} case{'s' if n != 1 else ''}" if n else "MISSING"
