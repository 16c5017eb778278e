"""How to build an engine again, in another process: what worker processes receive.

An :class:`~realign.engine.Engine` holds compiled rules and, on the default
backend, durable_rules state that cannot leave its process. A worker process
(a process pool's or a Dask worker's) therefore gets an :class:`EngineSpec`
and builds its own engine from it, once.
"""

from __future__ import annotations

import importlib
import pickle
import types
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .errors import RealignError

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["EngineSpec", "PluginRecipe", "SpecError"]


class SpecError(RealignError, TypeError):
    """The engine cannot be rebuilt elsewhere, e.g. a plugin object that cannot be sent."""


@attrs.frozen(kw_only=True)
class PluginRecipe:
    """The plugin manager's choices, resolved: workers do not read their own environment."""

    load_entrypoints: bool = True
    only: tuple[str, ...] | None = None
    disabled: tuple[str, ...] = ()
    #: further plugins: module names (imported in the worker) or picklable objects
    extra: tuple[Any, ...] = ()
    strict: bool = False

    @classmethod
    def of(
        cls,
        *,
        load_entrypoints: bool,
        only: Iterable[str] | None,
        disabled: Iterable[str],
        extra: Iterable[object],
        strict: bool,
    ) -> PluginRecipe:
        return cls(
            load_entrypoints=load_entrypoints,
            only=None if only is None else tuple(only),
            disabled=tuple(disabled),
            # A module travels by name: the worker imports it.
            extra=tuple(
                ("module", plugin.__name__) if isinstance(plugin, types.ModuleType) else plugin
                for plugin in extra
            ),
            strict=strict,
        )

    def build(self) -> Any:
        from .plugins import get_plugin_manager

        extra = [
            importlib.import_module(p[1])
            if isinstance(p, tuple) and len(p) == 2 and p[0] == "module"
            else p
            for p in self.extra
        ]
        return get_plugin_manager(
            load_entrypoints=self.load_entrypoints,
            only=self.only,
            block=self.disabled,
            extra=extra,
            environ={},
            strict=self.strict,
        )


@attrs.frozen(kw_only=True)
class EngineSpec:
    """Everything an engine was built from, so that a worker can build the same one.

    ``default_rules`` builds it as :meth:`Engine.default` does: the installed rule
    sets first, then ``rulesets``.
    """

    rulesets: tuple[Any, ...] = ()
    default_rules: bool = True
    params: tuple[tuple[str, Any], ...] = ()
    backend: str = "durable_rules"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: None when the plugin manager was not made by ``get_plugin_manager``: not rebuildable
    plugins: PluginRecipe | None = attrs.field(factory=PluginRecipe)

    @classmethod
    def of(
        cls,
        *,
        rulesets: Iterable[Any] = (),
        default_rules: bool = True,
        params: Mapping[str, Any] | None = None,
        backend: str = "durable_rules",
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        plugins: PluginRecipe | None = None,
    ) -> EngineSpec:
        return cls(
            rulesets=tuple(str(r) if isinstance(r, Path) else r for r in rulesets),
            default_rules=default_rules,
            params=tuple(sorted((params or {}).items())),
            backend=backend,
            select=tuple(select),
            ignore=tuple(ignore),
            plugins=plugins,
        )

    def build(self, *, backend: str | None = None) -> Engine:
        """A new engine, as specified; *backend* overrides the matcher."""
        from .engine import Engine

        self.check_portable()
        assert self.plugins is not None  # check_portable says so
        options: dict[str, Any] = {
            "plugin_manager": self.plugins.build(),
            "params": dict(self.params),
            "backend": backend or self.backend,
            "select": self.select,
            "ignore": self.ignore,
        }
        if self.default_rules:
            return Engine.default(extra=self.rulesets, **options)
        return Engine(self.rulesets, **options)

    def check_portable(self) -> None:
        """Raise :class:`SpecError` unless this spec can be sent to another process."""
        if self.plugins is None:
            msg = (
                "this engine cannot be rebuilt in worker processes: its plugin manager was "
                "not made by realign.get_plugin_manager, so workers cannot make the same one"
            )
            raise SpecError(msg)
        try:
            pickle.dumps(self)
        except Exception as error:  # any object's pickling can fail in its own way
            msg = (
                "this engine cannot be rebuilt in worker processes: a plugin or rule set "
                f"given as an object cannot be sent there ({error}); install the plugin, "
                "or pass modules and rule-set paths"
            )
            raise SpecError(msg) from error
