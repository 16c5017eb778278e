"""The ``realign`` command line: a thin argparse layer over the library.

Exit codes: 0 ok; 1 findings at or above ``--fail-on``; 2 bad input (facts,
rules or usage); 3 a plugin failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pluggy
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from ._version import __version__
from .assessment import Finding, severity_rank
from .catalog_report import print_rule, print_rules, rule_document, rules_document
from .engine import Engine, RuleSetError
from .engine.engine import functions_of, vocabulary_of
from .enrich import enrich
from .errors import FactError, PluginError, Problem, RealignError, closest
from .facts_report import facts_document, print_facts, to_json
from .isolation import failures_of
from .loading import FactSource, load_partnership
from .plugin_inventory import describe_plugins, plugins_document, print_plugins
from .plugins import DISABLE_PLUGINS_ENV, LOAD_PLUGINS_ENV, get_plugin_manager
from .portfolio.pool import default_jobs
from .renderers import RenderContext, Renderer, renderers_of
from .reports.trend import render_trend_html, render_trend_markdown
from .rules.catalog import compile_catalog
from .rules.ruleset import load_ruleset_file, ruleset_files
from .rules.types import SEVERITIES
from .schema import (
    assessment_schema,
    facts_schema,
    plugins_schema,
    portfolio_schema,
    ruleset_schema,
    trend_schema,
)
from .standard_catalog import catalog_directory
from .starter import write_starter
from .testcases import load_test_file, run_tests, test_files
from .testcases.report import print_test_run
from .trend import FindingRef
from .trend_report import print_trend

__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_PLUGIN_FAILED = 3

TREND_FORMATS = REPORT_FORMATS = ("text", "json", "markdown", "html")
#: fewer files than this finish before a progress bar would be worth drawing
PROGRESS_FROM = 2


class UsageError(RealignError):
    """The command line was used wrongly in a way argparse cannot see."""


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message but add the hint."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _plugin_options() -> _Parser:
    """Options every command takes to choose plugins, after those of the environment."""
    options = _Parser(add_help=False)
    group = options.add_argument_group("plugins")
    group.add_argument(
        "--plugin",
        action="append",
        dest="plugins_only",
        metavar="NAME",
        help=f"load only this installed plugin (repeatable; overrides ${LOAD_PLUGINS_ENV})",
    )
    group.add_argument(
        "--no-plugins",
        action="store_const",
        const=[],
        dest="plugins_only",
        help="load no installed plugin, only the built-ins",
    )
    group.add_argument(
        "--strict-plugins",
        action="store_true",
        help="stop at the first plugin that fails (exit 3) instead of leaving it out",
    )
    group.add_argument(
        "--disable-plugin",
        action="append",
        default=[],
        dest="plugins_disabled",
        metavar="NAME",
        help=f"do not load this plugin, installed or built-in (repeatable; adds to "
        f"${DISABLE_PLUGINS_ENV})",
    )
    return options


def _plugin_manager(args: argparse.Namespace) -> pluggy.PluginManager:
    """The plugin manager the environment and the command line choose."""
    pm: pluggy.PluginManager = get_plugin_manager(
        only=getattr(args, "plugins_only", None),
        block=getattr(args, "plugins_disabled", ()),
        strict=getattr(args, "strict_plugins", False),
    )
    # Kept, so that main() can report what failed once the command is done.
    args.plugin_managers = [*getattr(args, "plugin_managers", []), pm]
    return pm


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="realign", description="Diagnose misaligned strategic partnerships.")
    parser.add_argument("--version", action="version", version=f"realign {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    plugin_options = _plugin_options()

    def add_command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(
            name, parents=[plugin_options], **kwargs
        )
        return parser

    facts = add_command(
        "facts", help="show a fact file as the engine sees it, with its derived facts"
    )
    facts.add_argument("file", metavar="FILE", help="a fact file (.toml or .json)")
    facts.add_argument("--format", choices=("text", "json"), default="text")
    facts.add_argument(
        "--input-format",
        choices=("toml", "json"),
        help="read FILE as this format whatever its suffix",
    )
    facts.add_argument(
        "--lenient", action="store_true", help="report unknown keys as warnings, not errors"
    )
    facts.add_argument(
        "--provenance",
        action="store_true",
        help="show the stated facts each derived fact came from",
    )
    facts.add_argument("--no-color", action="store_true", help="plain output without colour")
    facts.set_defaults(handler=cmd_facts)

    check = add_command("check", help="validate and lint rule sets without running them")
    check.add_argument(
        "paths", nargs="+", metavar="RULESET", help="rule-set files, or directories of them"
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="check with this param value (repeatable)",
    )
    check.set_defaults(handler=cmd_check)

    assess = add_command(
        "assess", help="assess partnerships against the standard catalog and other rule sets"
    )
    assess.add_argument("files", nargs="+", metavar="FILE", help="fact files (.toml or .json)")
    assess.add_argument(
        "--format",
        default="text",
        metavar="FORMAT",
        help="text, json, or a format a plugin provides (realign plugins lists them)",
    )
    _engine_options(assess)
    assess.add_argument("-o", "--output", metavar="OUT", help="write the report to OUT")
    assess.add_argument("--no-color", action="store_true", help="plain output without colour")
    assess.set_defaults(handler=cmd_assess)

    trend = add_command(
        "trend",
        help="one partnership over time: quarterly fact files, or one with History",
    )
    trend.add_argument(
        "files", nargs="+", metavar="FILE", help="fact files of one partnership, any order"
    )
    trend.add_argument("--format", choices=TREND_FORMATS, default="text")
    _engine_options(trend)
    trend.add_argument(
        "--fail-on-alert",
        action="store_true",
        help="exit 1 when the latest period has a drift alert",
    )
    trend.add_argument("-o", "--output", metavar="OUT", help="write the report to OUT")
    trend.add_argument("--no-color", action="store_true", help="plain output without colour")
    trend.set_defaults(handler=cmd_trend)

    test = add_command(
        "test", help="run rule-set test cases (*.test.toml) and report rule coverage"
    )
    test.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="a directory of rule sets and their *.test.toml cases, or test files "
        "(default: the standard catalog)",
    )
    test.add_argument(
        "--ruleset",
        action="append",
        default=[],
        metavar="PATH",
        help="also load this rule-set file or directory (repeatable)",
    )
    test.add_argument("--format", choices=("text", "json"), default="text")
    test.add_argument("--backend", choices=("durable_rules", "python"), default="durable_rules")
    test.add_argument(
        "--min-coverage",
        type=float,
        default=100.0,
        metavar="PCT",
        help="exit 1 when fewer than PCT%% of the rules were seen firing, or seen not "
        "firing (default: 100)",
    )
    test.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    test.add_argument("--no-color", action="store_true", help="plain output without colour")
    test.set_defaults(handler=cmd_test)

    schema = add_command("schema", help="print a JSON Schema")
    schema.add_argument(
        "which",
        choices=("facts", "ruleset", "assessment", "plugins", "trend", "portfolio"),
        help="which schema",
    )
    schema.set_defaults(handler=cmd_schema)

    init = add_command("init", help="write a commented starter fact file and rule set into DIR")
    init.add_argument("directory", metavar="DIR", help="where to write them (made if missing)")
    init.set_defaults(handler=cmd_init)

    explain = add_command(
        "explain", help="why a rule fired on a fact file, or why not and what would make it fire"
    )
    explain.add_argument("rule", metavar="RULE", help="a rule id, e.g. GOV-02")
    explain.add_argument("file", metavar="FILE", help="a fact file (.toml or .json)")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    _catalog_options(explain)
    explain.set_defaults(handler=cmd_explain)

    rules = add_command(
        "rules", help="browse the catalog: realign rules [--area A], realign rules show ID"
    )
    rules.add_argument("words", nargs="*", metavar="show ID", help="show one rule whole")
    rules.add_argument("--area", action="append", default=[], help="only rules of this area")
    rules.add_argument("--json", action="store_true", help="print JSON instead of text")
    _catalog_options(rules)
    rules.add_argument("--no-color", action="store_true", help="plain output without colour")
    rules.set_defaults(handler=cmd_rules)

    generate = add_command(
        "generate",
        help="write N synthetic partnerships into DIR, for demos, load tests, benchmarks",
    )
    generate.add_argument("directory", metavar="DIR", help="where to write them (made if missing)")
    generate.add_argument("--n", type=int, required=True, metavar="N", help="how many files")
    generate.add_argument(
        "--seed", type=int, default=0, metavar="S", help="the same N and S give the same files"
    )
    generate.add_argument("--format", choices=("json", "toml"), default="json")
    generate.add_argument(
        "--kind",
        choices=("realistic", "hypothesis"),
        default="realistic",
        help="perturbed examples (default), or random ones from the Hypothesis strategies",
    )
    generate.add_argument("--force", action="store_true", help="overwrite files of the same names")
    generate.set_defaults(handler=cmd_generate)

    portfolio = add_command(
        "portfolio",
        help="assess many partnerships on every core (or a Dask cluster), with a portfolio report",
    )
    portfolio.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="fact files, directories of them, globs, or JSON Lines files (one per line)",
    )
    portfolio.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help=f"worker processes (default: every core, {default_jobs()} here)",
    )
    portfolio.add_argument(
        "--out", metavar="FILE", help="one row per partnership: a .jsonl, .csv or .parquet file"
    )
    portfolio.add_argument(
        "--resume", action="store_true", help="skip the partnerships --out already holds"
    )
    portfolio.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on a dask.distributed scheduler at ADDRESS, or 'local' for a local cluster",
    )
    portfolio.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        default="text",
        help="the portfolio report's format",
    )
    portfolio.add_argument("-o", "--output", metavar="REPORT", help="write the report to REPORT")
    _engine_options(portfolio)
    portfolio.add_argument("--no-color", action="store_true", help="plain output without colour")
    portfolio.set_defaults(handler=cmd_portfolio)

    plugins = add_command(
        "plugins", help="list the plugins: where each comes from, its hooks and what it adds"
    )
    plugins.add_argument("--json", action="store_true", help="print JSON instead of a table")
    plugins.add_argument("--no-color", action="store_true", help="plain text, no colours")
    plugins.set_defaults(handler=cmd_plugins)
    return parser


def _engine_options(parser: argparse.ArgumentParser) -> None:
    """The options of commands that assess: which rules, which params, which matcher."""
    parser.add_argument(
        "--ruleset",
        action="append",
        default=[],
        metavar="PATH",
        help="add a rule-set file or directory (repeatable)",
    )
    parser.add_argument(
        "--no-default-rules",
        action="store_true",
        help="use only the --ruleset files, not the rule sets plugins provide (the standard "
        "catalog among them)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a rule-set param (repeatable)",
    )
    parser.add_argument(
        "--backend",
        choices=("durable_rules", "python"),
        default="durable_rules",
        help="the matcher: durable_rules (default) or the pure Python evaluator",
    )
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="RULE-OR-PREFIX",
        help="run only these rules, by id or id prefix such as GOV or CUL-0 (repeatable)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RULE-OR-PREFIX",
        help="do not run these rules, by id or id prefix (repeatable)",
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEVERITY",
        help="exit 1 when a finding is at least this severe (info, low, medium, high, "
        "critical); for trend, a finding of the latest period",
    )


def _catalog_options(parser: argparse.ArgumentParser) -> None:
    """The options that say which catalog a command reads, as ``assess`` takes them."""
    parser.add_argument(
        "--ruleset", action="append", default=[], metavar="PATH", help="another rule set"
    )
    parser.add_argument(
        "--no-default-rules", action="store_true", help="without the installed rule sets"
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a param's value"
    )


def _console(args: argparse.Namespace, *, stderr: bool = False) -> Console:
    return Console(
        stderr=stderr,
        no_color=getattr(args, "no_color", False),
        highlight=False,
        # Fact files hold free text; "[bold]" in a partner's name is text, not markup.
        markup=False,
        soft_wrap=False,
    )


def cmd_facts(args: argparse.Namespace) -> int:
    pm = _plugin_manager(args)
    source = (
        FactSource.from_path(args.file, format=args.input_format)
        if args.file != "-"
        else FactSource(
            name="<stdin>", content=sys.stdin.buffer.read(), format=args.input_format or "toml"
        )
    )
    loaded = load_partnership(source, plugin_manager=pm, lenient=args.lenient)
    facts = enrich(loaded.partnership, pm)
    if args.format == "json":
        sys.stdout.write(
            to_json(facts_document(facts, source=loaded.source, warnings=loaded.warnings))
        )
    else:
        print_facts(
            _console(args),
            facts,
            source=loaded.source,
            warnings=loaded.warnings,
            provenance=args.provenance,
        )
    return EXIT_OK


def _ruleset_paths(paths: Sequence[str]) -> list[Path]:
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = ruleset_files(path)
            if not found:
                msg = f"{name}: no rule-set files (*.toml) in this directory"
                raise UsageError(msg)
            out.extend(found)
        else:
            out.append(path)
    return out


def _params(pairs: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            msg = f"--param takes NAME=VALUE, got {pair!r}"
            raise UsageError(msg)
        params[name.strip()] = value.strip()
    return params


def cmd_check(args: argparse.Namespace) -> int:
    pm = _plugin_manager(args)
    files = [load_ruleset_file(p) for p in _ruleset_paths(args.paths)]
    catalog = compile_catalog(
        files,
        vocabulary=vocabulary_of(pm),
        functions=functions_of(pm),
        params=_params(args.param),
    )
    problems = catalog.problems
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if args.format == "json":
        document = {
            "schema": "realign/check@1",
            "files": [f.source for f in files],
            "rules": sum(len(f.rules) for f in files),
            "errors": errors,
            "warnings": warnings,
            "problems": [p.to_dict() for p in problems],
        }
        sys.stdout.write(to_json(document))
    else:
        for problem in problems:
            sys.stdout.write(f"{problem}\n")
        noun = "file" if len(files) == 1 else "files"
        rules = sum(len(f.rules) for f in files)
        sys.stdout.write(
            f"{len(files)} {noun}, {rules} rule{'s' if rules != 1 else ''}: "
            f"{errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}\n"
        )
    return EXIT_BAD_INPUT if errors else EXIT_OK


def _assessing_engine(args: argparse.Namespace, pm: pluggy.PluginManager) -> Engine:
    """The engine ``assess`` and ``trend`` run, as their options choose it."""
    extra = _ruleset_paths(args.ruleset)
    params = _params(args.param)
    chosen = {"select": args.select, "ignore": args.ignore}
    if args.no_default_rules:
        engine = Engine(extra, plugin_manager=pm, params=params, backend=args.backend, **chosen)
    else:
        engine = Engine.default(
            plugin_manager=pm, params=params, backend=args.backend, extra=extra, **chosen
        )
    if not engine.rules:
        sys.stderr.write(
            "realign: note: no rule sets to run; give one with --ruleset "
            "(e.g. --ruleset examples/rules/first_look.toml)\n"
        )
    return engine


@contextlib.contextmanager
def _progress(
    args: argparse.Namespace, total: int, label: str = "assessing"
) -> Iterator[Callable[[], None]]:
    """A step function for a progress bar on stderr, drawn only for many files on a terminal."""
    console = _console(args, stderr=True)
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=total < PROGRESS_FROM or not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _at_or_above(findings: Iterable[Finding | FindingRef], severity: str | None) -> bool:
    if severity is None:
        return False
    bar = severity_rank(severity)
    return any(severity_rank(f.severity) >= bar for f in findings)


def cmd_assess(args: argparse.Namespace) -> int:
    pm = _plugin_manager(args)
    engine = _assessing_engine(args, pm)
    plugin, renderer = _renderer(pm, args.format)
    assessments = []
    problems: list[Problem] = []
    with _progress(args, len(args.files)) as step:
        for name in args.files:
            # Every bad file is reported, not only the first one.
            try:
                assessments.append(engine.assess(FactSource.from_path(name)))
            except FactError as error:
                problems.extend(error.problems)
            step()
    if problems:
        raise FactError(problems)
    context = _render_context(args, [str(name) for name in args.files], len(engine.rules))
    try:
        text = renderer.render(assessments, context)
    except Exception as exc:  # the chosen format failed: nothing to write
        raise PluginError(plugin, f"raised rendering --format {renderer.name}: {exc!r}") from exc
    _write(args, text)
    if _at_or_above((f for a in assessments for f in a.findings), args.fail_on):
        return EXIT_FINDINGS
    return EXIT_OK


def cmd_trend(args: argparse.Namespace) -> int:
    pm = _plugin_manager(args)
    engine = _assessing_engine(args, pm)
    with _progress(args, len(args.files)) as step:
        trend = engine.trend(
            [FactSource.from_path(name) for name in args.files], args.files, progress=step
        )
    if args.format == "json":
        _write(args, trend.to_json())
    elif args.format == "markdown":
        _write(args, render_trend_markdown(trend))
    elif args.format == "html":
        _write(args, render_trend_html(trend))
    elif args.output:
        with Path(args.output).open("w", encoding="utf-8") as out:
            print_trend(Console(file=out, width=120, no_color=True, markup=False), trend)
    else:
        print_trend(_console(args), trend)
    latest = trend.latest
    findings = latest.findings.fired if latest.findings is not None else ()
    if _at_or_above(findings, args.fail_on):
        return EXIT_FINDINGS
    if args.fail_on_alert and trend.alerts_at(latest.period):
        return EXIT_FINDINGS
    return EXIT_OK


def _renderer(pm: pluggy.PluginManager, name: str) -> tuple[str, Renderer]:
    """The output format *name* and its plugin, or a usage error listing the formats."""
    renderers = renderers_of(pm)
    if name in renderers:
        return renderers[name]
    guess = closest(name, renderers)
    hint = f"; did you mean {guess!r}?" if guess else ""
    msg = f"no output format is named {name!r}{hint} (formats: {', '.join(renderers)})"
    raise UsageError(msg)


def _render_context(args: argparse.Namespace, sources: list[str], rules: int) -> RenderContext:
    """Colour and width as the terminal has them; a file gets plain text, 120 wide."""
    if args.output:
        return RenderContext(sources=tuple(sources), rules=rules)
    console = _console(args)
    return RenderContext(
        sources=tuple(sources),
        rules=rules,
        color=console.is_terminal and console.color_system is not None,
        width=console.width,
    )


def cmd_test(args: argparse.Namespace) -> int:
    rulesets: list[Path] = []
    tests: list[Path] = []
    for name in args.paths or [str(catalog_directory())]:
        path = Path(name)
        if path.is_dir():
            rulesets.extend(ruleset_files(path))
            tests.extend(test_files(path))
        elif path.name.endswith(".test.toml") and path.is_file():
            tests.append(path)
            rulesets.extend(ruleset_files(path.parent))
        else:
            msg = f"{name}: not a directory or a *.test.toml file"
            raise UsageError(msg)
    rulesets = sorted(set(rulesets) | set(_ruleset_paths(args.ruleset)))
    files = [load_test_file(p) for p in sorted(set(tests))]
    problems = [p for f in files for p in f.problems]
    if not files:
        msg = f"no *.test.toml files in {', '.join(args.paths or ['the standard catalog'])}"
        raise UsageError(msg)
    run = run_tests(rulesets, files, backend=args.backend, plugin_manager=_plugin_manager(args))
    problems.extend(run.problems)
    run = attrs.evolve(run, problems=tuple(problems))
    if args.format == "json":
        sys.stdout.write(run.to_json())
    else:
        print_test_run(_console(args), run, verbose=args.verbose)
    if problems:
        return EXIT_BAD_INPUT
    bar = args.min_coverage / 100
    low = run.coverage_ratio("fires") < bar or run.coverage_ratio("passes") < bar
    return EXIT_FINDINGS if run.failed or low else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    schema = {
        "facts": facts_schema,
        "ruleset": ruleset_schema,
        "assessment": assessment_schema,
        "plugins": plugins_schema,
        "trend": trend_schema,
        "portfolio": portfolio_schema,
    }[args.which]()
    sys.stdout.write(json.dumps(schema, indent=2) + "\n")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    try:
        written = write_starter(directory)
    except FileExistsError as error:
        msg = f"not overwriting what is there already: {error}"
        raise UsageError(msg) from None
    facts, rules = (str(path) for path in written)
    sys.stdout.write(
        f"wrote {facts} and {rules}; next:\n"
        f"  realign check {rules}\n"
        f"  realign assess {facts} --ruleset {rules}\n"
    )
    return EXIT_OK


def _catalog_engine(args: argparse.Namespace) -> Engine:
    """The engine of the catalog the options name, for commands that read rules."""
    pm = _plugin_manager(args)
    extra = _ruleset_paths(args.ruleset)
    params = _params(args.param)
    if args.no_default_rules:
        return Engine(extra, plugin_manager=pm, params=params, backend="python")
    return Engine.default(plugin_manager=pm, params=params, backend="python", extra=extra)


def cmd_explain(args: argparse.Namespace) -> int:
    engine = _catalog_engine(args)
    if args.rule not in {rule.id for rule in engine.catalog.rules}:
        guess = closest(args.rule, [rule.id for rule in engine.catalog.rules])
        hint = f"; did you mean {guess!r}?" if guess else ""
        msg = f"no rule is named {args.rule!r}{hint}"
        raise UsageError(msg)
    explanation = engine.explain(args.rule, FactSource.from_path(args.file))
    if args.format == "json":
        sys.stdout.write(to_json(explanation.to_dict()))
    else:
        sys.stdout.write(f"{explanation}\n")
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    if args.words and (args.words[0] != "show" or len(args.words) != 2):
        msg = "use 'realign rules' to list the rules, or 'realign rules show ID' for one"
        raise UsageError(msg)
    engine = _catalog_engine(args)
    if args.words:
        rule = rule_document(engine.catalog, args.words[1])
        if args.json:
            sys.stdout.write(to_json(rule))
        else:
            print_rule(_console(args), rule)
        return EXIT_OK
    document = rules_document(engine.catalog, args.area)
    if args.json:
        sys.stdout.write(to_json(document))
    else:
        print_rules(_console(args), document)
    return EXIT_OK


def cmd_plugins(args: argparse.Namespace) -> int:
    pm = _plugin_manager(args)
    plugins = describe_plugins(pm)
    if args.json:
        sys.stdout.write(to_json(plugins_document(plugins)))
    else:
        print_plugins(_console(args), plugins)
    return EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    # Imported here: only this command needs the generator and its templates.
    from .testing.generate import generate

    if args.n < 0:
        msg = f"--n takes a count of files, got {args.n}"
        raise UsageError(msg)
    try:
        with _progress(args, args.n, "writing") as step:
            paths = generate(
                args.directory,
                args.n,
                seed=args.seed,
                format=args.format,
                kind=args.kind,
                overwrite=args.force,
                plugin_manager=_plugin_manager(args),
                progress=step,
            )
    except FileExistsError as error:
        msg = f"not overwriting ({error}); use --force to replace them"
        raise UsageError(msg) from None
    span = f"{paths[0].name} to {paths[-1].name}" if paths else "no files"
    sys.stdout.write(
        f"wrote {len(paths)} {args.kind} partnership{'s' if len(paths) != 1 else ''} "
        f"({args.format}, seed {args.seed}) into {args.directory}: {span}\n"
    )
    return EXIT_OK


def cmd_portfolio(args: argparse.Namespace) -> int:
    # Its own module: the run, the rows, the report and the exit code.
    from .portfolio.command import run_portfolio

    return run_portfolio(args)


def _with_plugin_failures(args: argparse.Namespace, code: int) -> int:
    """*code*, or 3 after naming them when plugins failed and were left out."""
    failures = dict.fromkeys(
        failure for pm in getattr(args, "plugin_managers", []) for failure in failures_of(pm)
    )
    for failure in failures:
        sys.stderr.write(f"realign: warning: {failure}; it was left out\n")
    if failures and code != EXIT_BAD_INPUT:
        return EXIT_PLUGIN_FAILED
    return code


def _report_problems(error: FactError, args: argparse.Namespace) -> None:
    if getattr(args, "format", None) == "json":
        document = {
            "schema": "realign/errors@1",
            "errors": [p.to_dict() for p in error.problems],
        }
        sys.stdout.write(to_json(document))
    stream = sys.stderr
    for problem in error.problems:
        stream.write(f"{problem}\n")
    errors = sum(p.severity == "error" for p in error.problems)
    stream.write(f"{errors} error{'s' if errors != 1 else ''}; nothing was assessed.\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    try:
        code = int(args.handler(args))
        return _with_plugin_failures(args, code)
    except FactError as error:
        _report_problems(error, args)
        return EXIT_BAD_INPUT
    except RuleSetError as error:
        for problem in error.problems:
            sys.stderr.write(f"{problem}\n")
        errors = sum(p.severity == "error" for p in error.problems)
        plural = "s" if errors != 1 else ""
        sys.stderr.write(f"{errors} error{plural} in rule sets; nothing was assessed.\n")
        return EXIT_BAD_INPUT
    except PluginError as error:
        sys.stderr.write(f"realign: error: {error}\n")
        return EXIT_PLUGIN_FAILED
    except RealignError as error:
        sys.stderr.write(f"realign: error: {error}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`realign check ... | head`); that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
