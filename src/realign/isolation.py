"""A failing plugin is reported under its name and left out; the others go on.

realign's plugin manager remembers every plugin failure it works around: a
plugin that does not import or is not a valid plugin, a hook that raises or
returns something it should not, a name another plugin already has. The
assessment completes without that plugin's contribution, and its report names
the failure in ``diagnostics``. A strict manager raises :class:`PluginError` at
the first failure instead, and so does any plain pluggy manager.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import pluggy

from .errors import FactError, PluginError
from .hookspecs import PROJECT

__all__ = [
    "PluginFailure",
    "PluginManager",
    "each_result",
    "failures_of",
    "listed_result",
    "plugin_failed",
]


@attrs.frozen
class PluginFailure:
    """What went wrong with one plugin, and what realign did about it."""

    plugin: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.plugin!r}: {self.message}"


class PluginManager(pluggy.PluginManager):
    """pluggy's plugin manager, with the failures of its plugins.

    Args:
        strict: raise :class:`PluginError` at the first failure instead of
            leaving the plugin out.
    """

    def __init__(self, *, strict: bool = False) -> None:
        super().__init__(PROJECT)
        self.strict = strict
        #: every failure so far, in the order they happened, each once
        self.failures: list[PluginFailure] = []
        #: how ``get_plugin_manager`` made it, for worker processes; None otherwise
        self.recipe: Any = None


def plugin_failed(
    pm: pluggy.PluginManager, plugin: str, message: str, cause: BaseException | None = None
) -> None:
    """Record that *plugin* failed, or raise :class:`PluginError` if *pm* is strict."""
    if isinstance(pm, PluginManager) and not pm.strict:
        failure = PluginFailure(plugin, message)
        if failure not in pm.failures:
            pm.failures.append(failure)
        return
    raise PluginError(plugin, message) from cause


def failures_of(pm: pluggy.PluginManager) -> tuple[PluginFailure, ...]:
    """The failures *pm* has recorded (none for a plain pluggy manager, which raises)."""
    return tuple(pm.failures) if isinstance(pm, PluginManager) else ()


def each_result(
    pm: pluggy.PluginManager, hook: str, *, registration_order: bool = False, **kwargs: Any
) -> Iterator[tuple[str, Any]]:
    """Each implementation's result and plugin name, in the order pluggy would call them.

    With *registration_order*, realign's own plugins come first instead, so that a
    name they define stays theirs when a later plugin claims it too.
    An implementation that raises is reported and skipped. A :class:`FactError`
    is not a failure of the plugin but a verdict on the input, so it propagates.
    """
    impls = getattr(pm.hook, hook).get_hookimpls()
    for impl in impls if registration_order else reversed(impls):
        try:
            result = impl.function(**{name: kwargs[name] for name in impl.argnames})
        except FactError:
            raise
        except Exception as exc:  # a plugin must not take the others down
            plugin_failed(pm, impl.plugin_name, f"raised in {hook}: {exc!r}", exc)
            continue
        yield impl.plugin_name, result


def listed_result(pm: pluggy.PluginManager, plugin: str, hook: str, result: Any) -> list[Any]:
    """A list hook's result as a list; one that is no list (or fails half way) is reported."""
    if result is None:
        return []
    if isinstance(result, str | bytes) or not isinstance(result, Iterable):
        plugin_failed(pm, plugin, f"{hook} returned {type(result).__name__}, not a list")
        return []
    try:
        return list(result)
    except Exception as exc:  # a generator that fails half way
        plugin_failed(pm, plugin, f"raised in {hook}: {exc!r}", exc)
        return []
