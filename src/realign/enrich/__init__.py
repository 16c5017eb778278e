"""From a validated partnership to the :class:`FactSet` the engine matches against."""

from __future__ import annotations

from typing import Any

import attrs
import pluggy

from ..errors import PluginError
from ..model import Partnership
from .factset import DerivedFact, FactSet, unknown_facts

__all__ = ["DerivedFact", "DerivedFactConflict", "FactSet", "enrich"]


class DerivedFactConflict(PluginError):
    """Two enrichers produced a derived fact with the same name."""


def enrich(partnership: Partnership, plugin_manager: pluggy.PluginManager) -> FactSet:
    """Run every enricher in hook order and return the complete fact set.

    Each enricher sees the derived facts of the ones before it. Derived facts
    are kept in name order, so the result does not depend on which enricher
    produced what first.
    """
    facts = FactSet(partnership=partnership, unknown=unknown_facts(partnership))
    derived: dict[str, DerivedFact] = {}
    origin: dict[str, str] = {}
    hook = plugin_manager.hook.realign_enrich_facts
    # Called one implementation at a time, in pluggy's order, so that each sees
    # what the previous ones derived and every fact is tied to its plugin.
    for impl in reversed(hook.get_hookimpls()):
        try:
            result: Any = impl.function(facts=facts)
            produced: list[object] = list(result or ())
        except Exception as exc:
            raise PluginError(impl.plugin_name, f"raised in realign_enrich_facts: {exc!r}") from exc
        for fact in produced:
            if not isinstance(fact, DerivedFact):
                msg = f"realign_enrich_facts returned {type(fact).__name__}, not DerivedFact"
                raise PluginError(impl.plugin_name, msg)
            if fact.name in derived:
                msg = f"derived fact {fact.name!r} is also produced by {origin[fact.name]!r}"
                raise DerivedFactConflict(impl.plugin_name, msg)
            derived[fact.name] = fact
            origin[fact.name] = impl.plugin_name
        facts = attrs.evolve(facts, derived=dict(sorted(derived.items())))
    return facts
