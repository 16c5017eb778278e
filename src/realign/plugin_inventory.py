"""What ``realign plugins`` shows: every plugin, where it comes from and what it adds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
import pluggy
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ._version import __version__
from .isolation import failures_of
from .plugins import DEFAULT_PLUGINS, InstalledPlugin, installed_plugins
from .rules.ruleset import load_ruleset_file

__all__ = ["PluginInfo", "describe_plugins", "plugins_document", "print_plugins"]

Status = Literal["built-in", "loaded", "failed", "disabled", "not selected"]


@attrs.frozen
class PluginInfo:
    """One plugin as ``realign plugins`` lists it."""

    name: str
    distribution: str
    version: str
    status: Status
    #: the realign_* hooks it implements (known only once it is loaded)
    hooks: tuple[str, ...] = ()
    #: rule ids of the rule-set files it contributes
    rules: tuple[str, ...] = ()
    #: names of the condition-language functions it contributes
    functions: tuple[str, ...] = ()
    #: names of the output formats (renderers) it contributes
    formats: tuple[str, ...] = ()
    #: ids of the actions of its action catalogs
    actions: tuple[str, ...] = ()
    #: its fact-file loaders, by the function that implements each
    loaders: tuple[str, ...] = ()
    #: what went wrong while asking it what it provides
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "hooks": list(self.hooks),
            "provides": {
                "rules": list(self.rules),
                "functions": list(self.functions),
                "formats": list(self.formats),
                "actions": list(self.actions),
                "loaders": list(self.loaders),
            },
            "problems": list(self.problems),
        }


def describe_plugins(
    pm: pluggy.PluginManager, installed: Sequence[InstalledPlugin] | None = None
) -> tuple[PluginInfo, ...]:
    """Every built-in and installed plugin of *pm*'s world: built-ins first, then by name.

    *installed* defaults to what the ``realign`` entry-point group holds now.
    Installed plugins that *pm* did not load are listed as failed (with why),
    disabled (blocked) or not selected, without importing them.
    """
    out = [
        _loaded(pm, name, "realign", __version__, "built-in")
        if pm.get_plugin(name) is not None
        else PluginInfo(name, "realign", __version__, "disabled")
        for name in DEFAULT_PLUGINS
    ]
    failed: dict[str, list[str]] = {}
    for failure in failures_of(pm):
        failed.setdefault(failure.plugin, []).append(failure.message)
    for plugin in installed_plugins() if installed is None else installed:
        where = (plugin.name, plugin.distribution, plugin.version)
        if pm.get_plugin(plugin.name) is not None:
            out.append(_loaded(pm, *where, "loaded"))
        elif plugin.name in failed:
            out.append(PluginInfo(*where, "failed", problems=tuple(failed[plugin.name])))
        else:
            out.append(
                PluginInfo(*where, "disabled" if pm.is_blocked(plugin.name) else "not selected")
            )
    return tuple(out)


def _loaded(
    pm: pluggy.PluginManager, name: str, distribution: str, version: str, status: Status
) -> PluginInfo:
    plugin = pm.get_plugin(name)
    callers = pm.get_hookcallers(plugin) or []
    problems: list[str] = []
    rules: list[str] = []
    for path in _own_results(pm, plugin, "realign_rulesets", problems):
        file = load_ruleset_file(Path(path))
        rules.extend(rule.id for rule in file.rules)
        problems.extend(str(problem) for problem in file.problems if problem.severity == "error")
    functions = [f.name for f in _own_results(pm, plugin, "realign_condition_functions", problems)]
    formats = [r.name for r in _own_results(pm, plugin, "realign_renderers", problems)]
    actions = [
        action.id
        for path in _own_results(pm, plugin, "realign_action_catalogs", problems)
        for action in load_ruleset_file(Path(path)).actions
    ]
    return PluginInfo(
        name=name,
        distribution=distribution,
        version=version,
        status=status,
        hooks=tuple(sorted(caller.name for caller in callers)),
        rules=tuple(sorted(rules)),
        functions=tuple(sorted(functions)),
        formats=tuple(sorted(formats)),
        actions=tuple(sorted(actions)),
        loaders=tuple(
            f"{impl.function.__module__}.{impl.function.__qualname__}"
            for impl in pm.hook.realign_load_facts.get_hookimpls()
            if impl.plugin is plugin
        ),
        problems=tuple(problems),
    )


def _own_results(
    pm: pluggy.PluginManager, plugin: object, hook: str, problems: list[str]
) -> list[Any]:
    """What *plugin*'s own implementation of a no-argument list hook returns."""
    out: list[Any] = []
    for impl in getattr(pm.hook, hook).get_hookimpls():
        if impl.plugin is not plugin:
            continue
        try:
            out.extend(impl.function() or ())
        except Exception as exc:  # a broken plugin is reported, not raised
            problems.append(f"{hook} raised {exc!r}")
    return out


def plugins_document(plugins: Sequence[PluginInfo]) -> dict[str, Any]:
    """The JSON ``realign plugins --json`` prints."""
    return {"schema": "realign/plugins@1", "plugins": [p.to_dict() for p in plugins]}


def print_plugins(console: Console, plugins: Sequence[PluginInfo]) -> None:
    """The plugins as a terminal table."""
    table = Table(title="Plugins", title_justify="left")
    table.add_column("plugin", overflow="fold")
    table.add_column("from", overflow="fold")
    table.add_column("status")
    table.add_column("hooks", overflow="fold")
    table.add_column("provides", overflow="fold", ratio=1)
    for plugin in plugins:
        provides = []
        if plugin.rules:
            provides.append(f"{len(plugin.rules)} rules: {_ranges(plugin.rules)}")
        if plugin.functions:
            provides.append(f"functions: {', '.join(plugin.functions)}")
        if plugin.formats:
            provides.append(f"formats: {', '.join(plugin.formats)}")
        if plugin.actions:
            provides.append(f"{len(plugin.actions)} actions: {_ranges(plugin.actions)}")
        if plugin.loaders:
            provides.append(f"loaders: {', '.join(plugin.loaders)}")
        provides.extend(f"problem: {problem}" for problem in plugin.problems)
        table.add_row(
            plugin.name,
            f"{plugin.distribution} {plugin.version}",
            Text(
                plugin.status, style="green" if plugin.status in ("built-in", "loaded") else "dim"
            ),
            "\n".join(hook.removeprefix("realign_") for hook in plugin.hooks),
            "\n".join(provides),
        )
    console.print(table)


_STYLES = {"built-in": "green", "loaded": "green", "failed": "bold red"}


def _ranges(rule_ids: Sequence[str]) -> str:
    """Rule ids grouped by prefix: ``GOV-01 to GOV-11`` instead of eleven ids."""
    groups: dict[str, list[str]] = {}
    for rule_id in rule_ids:
        groups.setdefault(rule_id.rpartition("-")[0] or rule_id, []).append(rule_id)
    parts = []
    for ids in groups.values():
        parts.append(f"{ids[0]} to {ids[-1]}" if len(ids) > 2 else ", ".join(ids))
    return ", ".join(parts)
