"""The ``realign`` command line: a thin argparse layer over the library.

Exit codes: 0 ok; 1 findings at or above ``--fail-on``; 2 bad input (facts,
rules or usage); 3 a plugin failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from rich.console import Console

from ._version import __version__
from .enrich import enrich
from .errors import FactError, PluginError, RealignError
from .facts_report import facts_document, print_facts, to_json
from .loading import FactSource, load_partnership
from .plugins import get_plugin_manager
from .schema import facts_schema

__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_PLUGIN_FAILED = 3


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message but add the hint."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="realign", description="Diagnose misaligned strategic partnerships.")
    parser.add_argument("--version", action="version", version=f"realign {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    facts = commands.add_parser(
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

    schema = commands.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("which", choices=("facts",), help="which schema")
    schema.set_defaults(handler=cmd_schema)
    return parser


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
    pm = get_plugin_manager()
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


def cmd_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json.dumps(facts_schema(), indent=2) + "\n")
    return EXIT_OK


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
        return int(args.handler(args))
    except FactError as error:
        _report_problems(error, args)
        return EXIT_BAD_INPUT
    except PluginError as error:
        sys.stderr.write(f"realign: error: {error}\n")
        return EXIT_PLUGIN_FAILED
    except RealignError as error:
        sys.stderr.write(f"realign: error: {error}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
