"""Output formats of ``realign assess``: the built-in text and JSON renderers, and the type.

Every format, the built-in ones included, comes from the ``realign_renderers``
hook, so a plugin adds a format (Markdown, CSV, a ticket system's import file)
the same way.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import attrs
import pluggy
from rich.console import Console

from .assessment import Assessment
from .assessment_report import print_assessment
from .facts_report import to_json
from .hookspecs import hookimpl
from .isolation import each_result, listed_result, plugin_failed
from .reports.html import render_html
from .reports.markdown import render_markdown

__all__ = ["RenderContext", "Renderer", "realign_renderers", "renderers_of"]


@attrs.frozen
class RenderContext:
    """What a renderer may need besides the assessments."""

    #: the fact file of each assessment, as the user named it
    sources: tuple[str, ...]
    #: how many rules ran
    rules: int
    #: whether the output goes to a terminal that shows colour
    color: bool = False
    #: the width of that terminal, or a sensible width for a file
    width: int = 120


@attrs.frozen
class Renderer:
    """One output format: ``realign assess --format NAME``.

    ``render`` turns the assessments of one run (one per fact file, in the
    order given) into the text written to standard output or ``-o FILE``.
    """

    name: str
    description: str
    render: Callable[[Sequence[Assessment], RenderContext], str]


def _text(assessments: Sequence[Assessment], context: RenderContext) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=context.width,
        force_terminal=context.color,
        no_color=not context.color,
        highlight=False,
        # Fact files hold free text; "[bold]" in a partner's name is text, not markup.
        markup=False,
        soft_wrap=False,
    )
    for source, assessment in zip(context.sources, assessments, strict=True):
        print_assessment(console, assessment, source=source, rules=context.rules)
    return buffer.getvalue()


def _json(assessments: Sequence[Assessment], context: RenderContext) -> str:
    if len(assessments) == 1:
        return assessments[0].to_json()
    documents = [a.to_dict() for a in assessments]
    return to_json({"schema": "realign/assessments@1", "assessments": documents})


def _markdown(assessments: Sequence[Assessment], context: RenderContext) -> str:
    return render_markdown(assessments, context.sources)


def _html(assessments: Sequence[Assessment], context: RenderContext) -> str:
    return render_html(assessments, context.sources)


@hookimpl
def realign_renderers() -> list[Renderer]:
    return [
        Renderer("text", "a terminal report: areas, findings with evidence, the plan", _text),
        Renderer("json", "realign/assessment@1 (realign/assessments@1 for several)", _json),
        Renderer("markdown", "a client-ready report: summary, areas, findings, plan", _markdown),
        Renderer("html", "the markdown report as one self-contained page with charts", _html),
    ]


def renderers_of(plugin_manager: pluggy.PluginManager) -> dict[str, tuple[str, Renderer]]:
    """Every output format the plugins provide, by name, with the plugin that provides it.

    A name already taken stays with the first plugin (realign's own come first).
    """
    out: dict[str, tuple[str, Renderer]] = {}
    for plugin, result in each_result(plugin_manager, "realign_renderers", registration_order=True):
        for renderer in listed_result(plugin_manager, plugin, "realign_renderers", result):
            if not isinstance(renderer, Renderer):
                msg = f"realign_renderers returned {type(renderer).__name__}, not Renderer"
                plugin_failed(plugin_manager, plugin, msg)
            elif renderer.name in out:
                msg = f"format {renderer.name!r} is also provided by {out[renderer.name][0]!r}"
                plugin_failed(plugin_manager, plugin, msg)
            else:
                out[renderer.name] = (plugin, renderer)
    return out
