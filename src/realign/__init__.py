"""realign: diagnose misaligned strategic partnerships and plan their realignment.

The public API: load a fact file, derive the facts the engine matches against,
build an :class:`Engine` from rule sets once, assess partnerships with it, and
extend every step through plugins.
"""

from __future__ import annotations

from pathlib import Path

import pluggy

from ._version import __version__
from .assessment import Assessment, Evidence, Finding, NotEvaluable
from .engine import Engine, RuleSetError, SelectionError
from .engine.explain import RuleExplanation
from .enrich import DerivedFact, DerivedFactConflict, FactSet, enrich
from .enrich.factset import UnknownFactError
from .errors import FactError, PluginError, Problem, RealignError
from .hookspecs import hookimpl
from .loading import FactSource, LoadedPartnership, RawFacts, load_partnership
from .loading.dump import dump_partnership
from .model import Partnership
from .plugins import get_plugin_manager
from .portfolio import EngineSpec, PortfolioRecord, assess_many
from .rules.functions import Function
from .rules.ruleset import load_ruleset_file
from .schema import assessment_schema, facts_schema
from .scoring import ScoringModel
from .trend import SeriesError, Trend

__all__ = [
    "Assessment",
    "DerivedFact",
    "DerivedFactConflict",
    "Engine",
    "EngineSpec",
    "Evidence",
    "FactError",
    "FactSet",
    "FactSource",
    "Finding",
    "Function",
    "LoadedPartnership",
    "NotEvaluable",
    "Partnership",
    "PluginError",
    "PortfolioRecord",
    "Problem",
    "RawFacts",
    "RealignError",
    "RuleExplanation",
    "RuleSetError",
    "ScoringModel",
    "SelectionError",
    "SeriesError",
    "Trend",
    "UnknownFactError",
    "__version__",
    "assess_many",
    "assessment_schema",
    "dump_partnership",
    "enrich",
    "facts_schema",
    "get_plugin_manager",
    "hookimpl",
    "load_facts",
    "load_partnership",
    "load_ruleset_file",
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
