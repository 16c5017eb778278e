"""realign: diagnose misaligned strategic partnerships and plan their realignment.

The public API: load a fact file, derive the facts the engine matches against,
and extend every step through plugins.
"""

from __future__ import annotations

from pathlib import Path

import pluggy

from ._version import __version__
from .enrich import DerivedFact, DerivedFactConflict, FactSet, enrich
from .enrich.factset import UnknownFactError
from .errors import FactError, PluginError, Problem, RealignError
from .hookspecs import hookimpl
from .loading import FactSource, LoadedPartnership, RawFacts, load_partnership
from .loading.dump import dump_partnership
from .model import Partnership
from .plugins import get_plugin_manager
from .schema import facts_schema

__all__ = [
    "DerivedFact",
    "DerivedFactConflict",
    "FactError",
    "FactSet",
    "FactSource",
    "LoadedPartnership",
    "Partnership",
    "PluginError",
    "Problem",
    "RawFacts",
    "RealignError",
    "UnknownFactError",
    "__version__",
    "dump_partnership",
    "enrich",
    "facts_schema",
    "get_plugin_manager",
    "hookimpl",
    "load_facts",
    "load_partnership",
]


def load_facts(
    source: FactSource | str | Path,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
    lenient: bool = False,
) -> FactSet:
    """Load a fact file and derive its facts: what the engine will match against.

    Raises:
        FactError: listing every problem in the file, each located.
    """
    pm = plugin_manager if plugin_manager is not None else get_plugin_manager()
    loaded = load_partnership(source, plugin_manager=pm, lenient=lenient)
    return enrich(loaded.partnership, pm)
