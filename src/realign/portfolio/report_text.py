"""The terminal report of a portfolio: score bands, lights per area, what recurs, who is at risk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .._text import percent
from ..assessment_report import LIGHT_STYLES
from .report import TREND_WORDS, PortfolioReport, portfolio_context

__all__ = ["render_portfolio_text"]

#: the widest bar of the score histogram, in characters
_BAR = 40


def _plain(value: Any) -> Text:
    """Free text from a fact file or rule set: a cell that is never read as markup."""
    return Text("" if value is None else " ".join(str(value).split()))


def render_portfolio_text(console: Console, report: PortfolioReport | Mapping[str, Any]) -> None:
    """Print the portfolio report (a :class:`PortfolioReport`, or its document) to *console*."""
    context = portfolio_context(report)
    doc = context["doc"]
    counts = doc["partnerships"]
    overall = doc["overall"]
    line = (
        f"Portfolio: {counts['total']} partnerships; {counts['assessed']} assessed, "
        f"{counts['failed']} not assessed"
    )
    if context["unscored"]:
        line += f", {context['unscored']} without an overall score"
    console.print(Text(line))

    _histogram(console, overall, counts["scored"], context["top_bin"])
    _areas(console, doc["areas"], context["area_titles"])
    _findings(console, doc["findings"], context["area_titles"])
    _actions(console, doc["actions"])
    if doc["at_risk"]:
        console.print(_partnerships("Most at risk: the lowest overall scores", doc["at_risk"]))
    drifting = doc["drifting"]
    console.print(
        Text(
            f"Drifting or deteriorating: {drifting['count']} ({drifting['drifting']} drifting, "
            f"{drifting['deteriorating']} deteriorating), by each assessment's trend over "
            "its History",
            style="bold",
        )
    )
    if drifting["first"]:
        console.print(_partnerships("Drifting, the lowest scores first", drifting["first"]))
        if context["more_drifting"]:
            console.print(Text(f"and {context['more_drifting']} more"))
    errors = doc["errors"]
    if errors["count"]:
        console.print(Text(f"Not assessed: {errors['count']}", style="bold"))
        for error in errors["first"]:
            problem = error["problem"] if error["problem"] is not None else "no message"
            more = f" (and {error['problems'] - 1} more)" if error["problems"] > 1 else ""
            # A located problem names its source already.
            where = "" if problem.startswith(error["source"]) else f"{error['source']}: "
            console.print(Text("  " + " ".join(f"{where}{problem}{more}".split())))
        if context["more_errors"]:
            console.print(Text(f"  and {context['more_errors']} more"))


def _histogram(console: Console, overall: Mapping[str, Any], scored: int, top: int) -> None:
    if not scored:
        console.print(Text("No partnership has an overall score."))
    else:
        table = Table(title="Overall scores", title_justify="left")
        table.add_column("score", justify="right")
        table.add_column("partnerships", justify="right")
        table.add_column("")
        for band in overall["bins"]:
            # A non-empty band always shows at least one mark.
            width = -(-band["count"] * _BAR // top) if top else 0
            table.add_row(f"{band['from']}-{band['to']}", str(band["count"]), "█" * width)
        console.print(table)
        console.print(
            Text(
                f"mean {overall['mean']}, median {overall['median']}, lowest {overall['min']}, "
                f"highest {overall['max']}"
            )
        )
    lights = Text("lights: ")
    for i, light in enumerate(("green", "amber", "red", "unknown")):
        lights.append(", " if i else "")
        lights.append(f"{overall['lights'][light]} {light}", style=LIGHT_STYLES[light])
    console.print(lights)
    trends = ", ".join(f"{count} {TREND_WORDS[t]}" for t, count in overall["trends"].items())
    console.print(Text(f"trends: {trends}"))


def _areas(console: Console, areas: Mapping[str, Mapping[str, int]], titles: Any) -> None:
    if not areas:
        return
    table = Table(title="Lights per area", title_justify="left")
    table.add_column("area")
    for light in ("green", "amber", "red", "unknown"):
        table.add_column(light, justify="right", style=LIGHT_STYLES[light])
    for area, lights in areas.items():
        table.add_row(
            _plain(titles[area]), *(str(lights[x]) for x in ("green", "amber", "red", "unknown"))
        )
    console.print(table)


def _findings(console: Console, findings: Mapping[str, Any], titles: Any) -> None:
    if not findings["top"]:
        console.print(Text("No finding."))
        return
    table = Table(
        title=f"Most frequent findings ({findings['distinct']} rules fired)", title_justify="left"
    )
    table.add_column("rule")
    table.add_column("finding")
    table.add_column("area")
    table.add_column("partnerships", justify="right")
    table.add_column("share", justify="right")
    table.add_column("severities")
    for finding in findings["top"]:
        table.add_row(
            _plain(finding["rule"]),
            _plain(finding["title"]),
            _plain(titles.get(finding["area"], finding["area"])),
            str(finding["count"]),
            percent(finding["share"]),
            _plain(", ".join(f"{n} {s}" for s, n in finding["severities"].items())),
        )
    console.print(table)


def _actions(console: Console, actions: Mapping[str, Any]) -> None:
    if not actions["top"]:
        console.print(Text("No action is planned."))
        return
    table = Table(
        title=f"Most frequent actions in the plans ({actions['distinct']} actions, backlog aside)",
        title_justify="left",
    )
    table.add_column("action")
    table.add_column("title")
    table.add_column("partnerships", justify="right")
    table.add_column("share", justify="right")
    for action in actions["top"]:
        table.add_row(
            _plain(action["action"]),
            _plain(action["title"]),
            str(action["count"]),
            percent(action["share"]),
        )
    console.print(table)


def _partnerships(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("overall", justify="right")
    table.add_column("partnership")
    table.add_column("period")
    table.add_column("trend")
    table.add_column("crit", justify="right")
    table.add_column("high", justify="right")
    table.add_column("source")
    for row in rows:
        name = f"{row['name']} ({row['partnership_id']})" if row["name"] else row["partnership_id"]
        table.add_row(
            Text(f"{row['overall']:.1f} {row['light']}", style=LIGHT_STYLES.get(row["light"], "")),
            _plain(name),
            _plain(row["period"]),
            TREND_WORDS[row["trend"] or "none"],
            str(row["critical"]),
            str(row["high"]),
            _plain(row["source"]),
        )
    return table
