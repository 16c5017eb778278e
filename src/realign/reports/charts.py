"""Inline SVG charts for the HTML report, drawn by pygal.

Charts are SVG inside the page: no script file, no network. pygal builds the
SVG with an XML library, so every label it draws is escaped. Its chart ids are
random and its comments carry the date; both are fixed here, so one input
gives one page.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence

import pygal
from pygal.style import Style

# Importing pygal appends a finder for its long-gone plugin packages to sys.meta_path.
# It has no find_spec, which breaks code that walks the import finders (pytest's
# importlib mode does); realign never imports those packages, so it is taken out.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

__all__ = ["area_chart", "histogram_chart", "lights_chart", "trend_chart"]

_LIGHTS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}
_STYLE = Style(
    background="white",
    plot_background="white",
    font_family="system-ui, sans-serif",
    colors=("#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#2e7d32", "#ad1457", "#37474f"),
)
#: pygal's comments (they carry the date) and its configuration script (the page needs none)
_NOT_DRAWING = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.S)


def _svg(chart: pygal.graph.graph.Graph, name: str) -> str:
    chart.uuid = name  # a stable id instead of a random one
    return _NOT_DRAWING.sub("", chart.render(is_unicode=True))


def _config() -> dict[str, object]:
    return {
        "style": _STYLE,
        "js": [],  # tooltips would load a script from the network
        "disable_xml_declaration": True,
        "range": (0, 100),
        "width": 760,
        "height": 340,
        "legend_at_bottom": True,
    }


def area_chart(areas: Mapping[str, Mapping[str, object]], overall: float) -> str:
    """Each area's score (0-100) as a horizontal bar in its light's colour."""
    chart = pygal.HorizontalBar(**_config(), show_legend=False, title="Area health (0-100)")
    labels = [*(name.replace("_", " ").capitalize() for name in areas), "Overall"]
    bars: list[dict[str, object]] = [
        {"value": score["score"], "color": _LIGHTS.get(str(score["light"]), "#607d8b")}
        for score in areas.values()
    ]
    bars.append({"value": overall, "color": "#37474f"})
    # pygal stacks horizontal bars from the bottom up; reversed, they read top-down
    # in the order of the areas table, with the overall last.
    chart.x_labels = labels[::-1]
    chart.add("score", bars[::-1])
    return _svg(chart, "areas")


def trend_chart(periods: Sequence[str], series: Mapping[str, Sequence[float | None]]) -> str:
    """Overall and area scores over the periods, one line each."""
    chart = pygal.Line(**_config(), title="Scores over time", dots_size=3)
    chart.x_labels = list(periods)
    for name, values in series.items():
        chart.add(name.replace("_", " ").capitalize(), list(values))
    return _svg(chart, "trend")


def histogram_chart(labels: Sequence[str], counts: Sequence[int]) -> str:
    """How many partnerships fall in each score band, one bar a band."""
    config = {**_config(), "range": (0, max(1, *counts))}
    chart = pygal.Bar(
        **config,
        show_legend=False,
        title="Overall scores (partnerships per band)",
        x_title="overall score",
        y_title="partnerships",
        min_scale=1,
    )
    chart.x_labels = list(labels)
    chart.add("partnerships", list(counts))
    return _svg(chart, "histogram")


def lights_chart(areas: Mapping[str, Mapping[str, int]]) -> str:
    """Each area's partnerships by light, stacked: green, amber, red, then unknown."""
    most = max((sum(lights.values()) for lights in areas.values()), default=0)
    config = {**_config(), "range": (0, max(1, most))}
    colors = (_LIGHTS["green"], _LIGHTS["amber"], _LIGHTS["red"], "#9e9e9e")
    config["style"] = Style(
        background="white", plot_background="white", font_family=_STYLE.font_family, colors=colors
    )
    # pygal stacks horizontal bars from the bottom up; reversed, they read top-down.
    chart = pygal.HorizontalStackedBar(**config, title="Lights per area (partnerships)")
    chart.x_labels = list(areas)[::-1]
    for light in ("green", "amber", "red", "unknown"):
        chart.add(light, [lights.get(light, 0) for lights in list(areas.values())[::-1]])
    return _svg(chart, "lights")
