"""Building the plugin manager: built-ins first, then installed plugins.

There is no module-level plugin manager. Callers build one with
:func:`get_plugin_manager` and hand it to whatever needs it, so two engines in
one process never see each other's plugins.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib import metadata

import pluggy

from . import hookspecs
from .errors import PluginError

__all__ = ["DEFAULT_PLUGINS", "ENTRY_POINT_GROUP", "get_plugin_manager"]

ENTRY_POINT_GROUP = "realign"

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
)


def get_plugin_manager(
    *,
    load_entrypoints: bool = True,
    block: Iterable[str] = (),
    extra: Iterable[object] = (),
) -> pluggy.PluginManager:
    """Return a new plugin manager with the built-ins and, optionally, installed plugins.

    Args:
        load_entrypoints: also load plugins from the ``realign`` entry-point group.
        block: plugin names (built-in module names or entry-point names) not to load.
        extra: further plugin objects (modules or instances) to register, for
            embedding code and tests.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    blocked = set(block)
    for name in blocked:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        if module_name not in blocked:
            pm.register(importlib.import_module(module_name), name=module_name)
    if load_entrypoints:
        _load_entry_points(pm)
    for plugin in extra:
        pm.register(plugin)
    pm.check_pending()
    return pm


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    """Register the installed plugins, naming the one that fails instead of a traceback."""
    for dist in metadata.distributions():
        for entry_point in dist.entry_points:
            name = entry_point.name
            if entry_point.group != ENTRY_POINT_GROUP or pm.is_blocked(name) or pm.get_plugin(name):
                continue
            where = f"{dist.metadata['name']} {dist.version}"
            try:
                plugin = entry_point.load()
            except Exception as exc:
                raise PluginError(name, f"failed to import ({where}): {exc!r}") from exc
            try:
                pm.register(plugin, name=name)
            except (ValueError, pluggy.PluginValidationError) as exc:
                raise PluginError(name, f"is not a valid realign plugin ({where}): {exc}") from exc
