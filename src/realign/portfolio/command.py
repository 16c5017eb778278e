"""``realign portfolio``: many partnerships, their rows, their report and one exit code.

Exit codes: 0 every partnership assessed; 1 none failed, but a finding is at or
above ``--fail-on``; 2 a partnership failed to load or assess (bad input), or
the command was used wrongly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console

from ..assessment import severity_rank
from ..engine import Engine
from ..engine_spec import EngineSpec
from ..facts_report import to_json
from ..loading import FactSource
from .output import open_rows
from .pool import assess_many, default_jobs
from .records import PortfolioRecord, row_columns
from .report import PortfolioReport, render_portfolio_html, render_portfolio_markdown
from .report_text import render_portfolio_text
from .sources import check_paths, portfolio_sources

__all__ = ["run_portfolio"]

#: error records shown on stderr as they come; the rest are counted
SHOWN_ERRORS = 20


def run_portfolio(args: argparse.Namespace) -> int:
    from .. import cli

    if args.resume and not args.out:
        msg = "--resume continues the file --out names; give --out too"
        raise cli.UsageError(msg)
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        msg = f"--jobs takes a number of worker processes, 1 or more; got {jobs}"
        raise cli.UsageError(msg)
    check_paths(args.paths)
    pm = cli._plugin_manager(args)
    spec = EngineSpec.of(
        rulesets=cli._ruleset_paths(args.ruleset),
        default_rules=not args.no_default_rules,
        params=cli._params(args.param),
        backend=args.backend,
        select=args.select,
        ignore=args.ignore,
        plugins=getattr(pm, "recipe", None),
    )
    # The rules decide the row's area columns; a pool builds its engines in the workers,
    # so here a quick one (no matcher) says which areas there are.
    engine = spec.build() if jobs == 1 and not args.dask else spec.build(backend="python")
    areas = list(engine.catalog.scoring.weights)
    areas += sorted({rule.area for rule in engine.rules} - set(areas))
    writer = (
        open_rows(
            args.out,
            row_columns(areas),
            resume=args.resume,
            retry=lambda: {source.name for source in portfolio_sources(args.paths)},
        )
        if args.out
        else None
    )
    done = writer.done if writer is not None else set()
    report = PortfolioReport()
    failed = 0
    at_or_above = False
    bar = severity_rank(args.fail_on) if args.fail_on else None
    try:
        stderr = cli._console(args, stderr=True)
        total = _count(args.paths, done) if stderr.is_terminal else 0
        with cli._progress(args, total, "assessing") as step:
            for record in _records(args, spec, engine, jobs, done, step):
                report.add(record)
                if writer is not None:
                    writer.write(record.row(areas))
                if not record.ok:
                    failed += 1
                    if failed <= SHOWN_ERRORS:
                        for problem in record.problems:
                            sys.stderr.write(f"{problem}\n")
                elif bar is not None and record.document is not None:
                    at_or_above = at_or_above or any(
                        severity_rank(f["severity"]) >= bar for f in record.document["findings"]
                    )
    except BaseException:
        if writer is not None:
            writer.abandon()  # what is written stays, for --resume
        raise
    if writer is not None:
        writer.close()
    if done:
        # The report is built from this run's assessments; rows alone cannot rebuild
        # the others' (they keep no finding's title or severity).
        sys.stderr.write(
            f"realign: resumed: the report covers the {report.total} partnerships assessed "
            f"in this run, not the {len(done)} already in {args.out}\n"
        )
    _render(args, report)
    if failed:
        more = f" ({failed - SHOWN_ERRORS} not shown above)" if failed > SHOWN_ERRORS else ""
        sys.stderr.write(
            f"realign: {failed} of {report.total} partnerships could not be assessed{more}\n"
        )
        return cli.EXIT_BAD_INPUT
    return cli.EXIT_FINDINGS if at_or_above else cli.EXIT_OK


def _records(
    args: argparse.Namespace,
    spec: EngineSpec,
    engine: Engine,
    jobs: int,
    done: set[str],
    step: Callable[[], None],
) -> Iterator[PortfolioRecord]:
    sources = _not_done(portfolio_sources(args.paths), done)

    def advance(_count: int) -> None:
        step()

    if args.dask:
        from .on_dask import assess_on_dask

        address = None if args.dask == "local" else args.dask
        yield from assess_on_dask(
            sources,
            spec=spec,
            address=address,
            ordered=True,
            progress=advance,
            n_workers=jobs if args.jobs is not None else None,
            detail="summary",
        )
        return
    yield from assess_many(
        sources,
        engine=engine if jobs == 1 else spec,
        jobs=jobs,
        ordered=True,
        progress=advance,
        detail="summary",
    )


def _not_done(sources: Iterator[FactSource], done: set[str]) -> Iterator[FactSource]:
    return (source for source in sources if source.name not in done)


def _count(paths: list[str], done: set[str]) -> int:
    """How many sources a run has left, for the progress bar (a second, cheap listing)."""
    return sum(1 for source in portfolio_sources(paths) if source.name not in done)


def _render(args: argparse.Namespace, report: PortfolioReport) -> None:
    from .. import cli

    if args.format == "json":
        cli._write(args, to_json(report.to_dict()))
    elif args.format == "markdown":
        cli._write(args, render_portfolio_markdown(report))
    elif args.format == "html":
        cli._write(args, render_portfolio_html(report))
    elif args.output:
        with Path(args.output).open("w", encoding="utf-8") as out:
            render_portfolio_text(Console(file=out, width=120, no_color=True, markup=False), report)
    else:
        render_portfolio_text(cli._console(args), report)
