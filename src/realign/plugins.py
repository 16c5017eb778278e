"""Building the plugin manager: built-ins first, then installed plugins.

There is no module-level plugin manager. Callers build one with
:func:`get_plugin_manager` and hand it to whatever needs it, so two engines in
one process never see each other's plugins.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

import attrs
import pluggy

from . import hookspecs
from .engine_spec import PluginRecipe
from .errors import RealignError, closest
from .isolation import PluginManager, plugin_failed

__all__ = [
    "DEFAULT_PLUGINS",
    "DISABLE_PLUGINS_ENV",
    "ENTRY_POINT_GROUP",
    "InstalledPlugin",
    "LOAD_PLUGINS_ENV",
    "PluginSelection",
    "UnknownPluginError",
    "get_plugin_manager",
    "installed_plugins",
]

ENTRY_POINT_GROUP = "realign"
#: Comma-separated names of the installed plugins to load (all when unset, none when empty).
LOAD_PLUGINS_ENV = "REALIGN_LOAD_PLUGINS"
#: Comma-separated names of plugins, installed or built-in, not to load.
DISABLE_PLUGINS_ENV = "REALIGN_DISABLE_PLUGINS"

#: Modules that provide realign's own behaviour through its hooks.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "realign.loading.builtin_loaders",
    "realign.enrich.governance",
    "realign.enrich.culture",
    "realign.enrich.market",
    "realign.enrich.execution",
    "realign.enrich.monitoring",
    "realign.rules.functions",
    "realign.standard_catalog",
    "realign.renderers",
)


class UnknownPluginError(RealignError, ValueError):
    """A plugin was selected or disabled by a name no plugin has."""


@attrs.frozen
class InstalledPlugin:
    """A plugin found in the ``realign`` entry-point group, not necessarily loaded."""

    name: str  # the entry point's name: what the plugin manager registers it under
    distribution: str
    version: str
    entry_point: Any = attrs.field(eq=False, repr=False)

    def answers_to(self, name: str) -> bool:
        """Whether *name* selects this plugin: its own name or its distribution's."""
        return name in (self.name, self.distribution)


def installed_plugins() -> tuple[InstalledPlugin, ...]:
    """Every plugin of the ``realign`` entry-point group, by name; the first of a name wins."""
    found: dict[str, InstalledPlugin] = {}
    for plugin in _entry_points():
        found.setdefault(plugin.name, plugin)
    return tuple(found[name] for name in sorted(found))


def _entry_points() -> list[InstalledPlugin]:
    """Every entry point of the group, two of one name included."""
    return [
        InstalledPlugin(
            name=entry_point.name,
            distribution=str(dist.metadata["name"]),
            version=str(dist.version),
            entry_point=entry_point,
        )
        for dist in metadata.distributions()
        for entry_point in dist.entry_points
        if entry_point.group == ENTRY_POINT_GROUP
    ]


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


@attrs.frozen
class PluginSelection:
    """Which plugins to load: the environment's choice, then the command line's.

    ``only`` names the installed plugins to load (None: all of them); built-ins
    always load unless ``disabled`` names them.
    """

    only: tuple[str, ...] | None = None
    disabled: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> PluginSelection:
        only = environ.get(LOAD_PLUGINS_ENV)
        return cls(
            only=None if only is None else _names(only),
            disabled=_names(environ.get(DISABLE_PLUGINS_ENV, "")),
        )

    def narrowed(
        self, only: Sequence[str] | None = None, disabled: Sequence[str] = ()
    ) -> PluginSelection:
        """This selection with the command line's: its ``only`` replaces, its ``disabled`` adds."""
        return PluginSelection(
            only=self.only if only is None else tuple(only),
            disabled=(*self.disabled, *(d for d in disabled if d not in self.disabled)),
        )


def get_plugin_manager(
    *,
    load_entrypoints: bool = True,
    block: Iterable[str] = (),
    only: Iterable[str] | None = None,
    extra: Iterable[object] = (),
    environ: Mapping[str, str] | None = None,
    strict: bool = False,
) -> PluginManager:
    """Return a new plugin manager with the built-ins and, optionally, installed plugins.

    ``REALIGN_LOAD_PLUGINS`` and ``REALIGN_DISABLE_PLUGINS`` in *environ* (the
    process environment unless given; ``{}`` ignores it) choose plugins first;
    *only* then replaces the environment's selection and *block* adds to its
    disabled plugins.

    Args:
        load_entrypoints: also load plugins from the ``realign`` entry-point group.
        block: plugin names not to load: built-in module names, or installed
            plugins by entry-point or distribution name.
        only: if given, the installed plugins to load, by entry-point or
            distribution name; the others are not imported at all.
        extra: further plugin objects (modules or instances) to register, for
            embedding code and tests.
        environ: where to read the two variables from.
        strict: fail at once when a plugin fails, instead of leaving it out and
            recording the failure in the manager's ``failures``.

    Raises:
        UnknownPluginError: a name chosen here or in the environment names no plugin.
        PluginError: with *strict*, an installed plugin fails to import or is not
            a valid plugin.
    """
    extra = tuple(extra)
    pm = PluginManager(strict=strict)
    pm.add_hookspecs(hookspecs)
    selection = PluginSelection.from_environment(
        os.environ if environ is None else environ
    ).narrowed(only=None if only is None else list(only), disabled=list(block))
    blocked = set(selection.disabled)
    chosen = None if selection.only is None else set(selection.only)
    installed = installed_plugins() if load_entrypoints or blocked or chosen else ()
    _check_names(blocked, chosen, installed)
    for plugin in installed:
        if any(plugin.answers_to(name) for name in blocked):
            blocked.add(plugin.name)
    for name in blocked:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        if module_name not in blocked:
            pm.register(importlib.import_module(module_name), name=module_name)
    if load_entrypoints:
        for plugin in installed:
            if chosen is None or any(plugin.answers_to(name) for name in chosen):
                _register(pm, plugin)
        _report_shadowed(pm, installed)
    for extra_plugin in extra:
        # A plugin handed in that is also installed (its module, loaded from the
        # entry point) is registered once, under its entry point's name.
        if not pm.is_registered(extra_plugin):
            pm.register(extra_plugin)
    _drop_unknown_hooks(pm)
    # What a worker process needs to make the same manager, environment resolved.
    pm.recipe = PluginRecipe.of(
        load_entrypoints=load_entrypoints,
        only=selection.only,
        disabled=selection.disabled,
        extra=extra,
        strict=strict,
    )
    return pm


def _report_shadowed(pm: PluginManager, installed: Sequence[InstalledPlugin]) -> None:
    """Two distributions that claim one plugin name: the second is never loaded."""
    first = {plugin.name: plugin for plugin in installed}
    for plugin in _entry_points():
        kept = first.get(plugin.name)
        if kept is not None and kept.distribution != plugin.distribution:
            plugin_failed(
                pm,
                plugin.name,
                f"the name is claimed by {kept.distribution} {kept.version} and by "
                f"{plugin.distribution} {plugin.version}; only the first is loaded",
            )


def _drop_unknown_hooks(pm: PluginManager) -> None:
    """Leave out each plugin that implements a realign_ hook realign does not have."""
    while True:
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or repr(exc.plugin)
            if pm.get_name(exc.plugin) in DEFAULT_PLUGINS:
                raise  # realign's own plugins are realign's bugs
            pm.unregister(exc.plugin)
            plugin_failed(pm, name, f"is not a valid realign plugin: {exc}", exc)
            continue
        return


def _check_names(
    blocked: set[str], chosen: set[str] | None, installed: Sequence[InstalledPlugin]
) -> None:
    known = {*DEFAULT_PLUGINS, *(p.name for p in installed), *(p.distribution for p in installed)}
    for name in sorted(blocked | (chosen or set())):
        if name not in known:
            guess = closest(name, known)
            hint = f"; did you mean {guess!r}?" if guess else ""
            listed = ", ".join(sorted(p.name for p in installed)) or "none"
            msg = (
                f"no plugin is named {name!r}{hint} (installed plugins: {listed}; "
                f"names come from the command line, {LOAD_PLUGINS_ENV} and {DISABLE_PLUGINS_ENV})"
            )
            raise UnknownPluginError(msg)


def _register(pm: PluginManager, installed: InstalledPlugin) -> None:
    """Register an installed plugin; one that fails is left out, under its name."""
    name = installed.name
    if pm.is_blocked(name) or pm.get_plugin(name):
        return
    where = f"{installed.distribution} {installed.version}"
    try:
        plugin = installed.entry_point.load()
    except Exception as exc:  # whatever importing it raises, the others still load
        plugin_failed(pm, name, f"failed to import ({where}): {exc!r}", exc)
        return
    try:
        pm.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:
        plugin_failed(pm, name, f"is not a valid realign plugin ({where}): {exc}", exc)
