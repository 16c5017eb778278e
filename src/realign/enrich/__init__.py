"""From a validated partnership to the :class:`FactSet` the engine matches against."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pluggy

from ..errors import PluginError
from ..isolation import PluginManager, plugin_failed
from ..model import Partnership
from .factset import DerivedFact, FactSet, unknown_facts, with_derived

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
    # Each plugin's facts by name: which plugin derived a fact is needed only for an error.
    batches: list[tuple[str, dict[str, DerivedFact]]] = []
    # Called one implementation at a time, in pluggy's order, so that each sees
    # what the previous ones derived and every fact is tied to its plugin.
    impls = plugin_manager.hook.realign_enrich_facts.get_hookimpls()[::-1]
    last = len(impls) - 1
    for position, impl in enumerate(impls):
        plugin = impl.plugin_name
        try:
            result: Any = impl.function(facts=facts)
            produced: list[object] = list(result or ())
        except Exception as exc:  # one enricher must not take the others down
            plugin_failed(plugin_manager, plugin, f"raised in realign_enrich_facts: {exc!r}", exc)
            produced = []
        batch = {fact.name: fact for fact in produced if isinstance(fact, DerivedFact)}
        if len(batch) < len(produced) or not derived.keys().isdisjoint(batch):
            batch = _kept(produced, batches, plugin, plugin_manager)
        derived.update(batch)
        batches.append((plugin, batch))
        if position == last:
            facts = with_derived(facts, {name: derived[name] for name in sorted(derived)})
        else:
            # The next enricher sees what is derived so far in name order too, but
            # most never iterate it: the names are sorted only if one does.
            facts = with_derived(facts, _InNameOrder(dict(derived)))
    return facts


class _InNameOrder(Mapping[str, DerivedFact]):
    """Derived facts that iterate in name order, sorted on the first iteration only."""

    __slots__ = ("_facts", "_names")

    def __init__(self, facts: dict[str, DerivedFact]) -> None:
        self._facts = facts
        self._names: list[str] | None = None

    def __getitem__(self, name: str) -> DerivedFact:
        return self._facts[name]

    def __contains__(self, name: object) -> bool:
        return name in self._facts

    def __len__(self) -> int:
        return len(self._facts)

    def __iter__(self) -> Iterator[str]:
        if self._names is None:
            self._names = sorted(self._facts)
        return iter(self._names)


def _kept(
    produced: list[object],
    batches: list[tuple[str, dict[str, DerivedFact]]],
    plugin: str,
    plugin_manager: pluggy.PluginManager,
) -> dict[str, DerivedFact]:
    """The facts of *plugin* that are derived facts with names of their own.

    Anything else is reported under the plugin's name and left out: a name an
    earlier enricher derived stays that enricher's. *batches* holds the facts
    of each plugin before *plugin*.
    """
    taken = {name: earlier for earlier, batch in batches for name in batch}
    kept: dict[str, DerivedFact] = {}
    for fact in produced:
        if not isinstance(fact, DerivedFact):
            msg = f"realign_enrich_facts returned {type(fact).__name__}, not DerivedFact"
            plugin_failed(plugin_manager, plugin, msg)
        elif fact.name in taken:
            msg = f"derived fact {fact.name!r} is also produced by {taken[fact.name]!r}"
            if not (isinstance(plugin_manager, PluginManager) and not plugin_manager.strict):
                raise DerivedFactConflict(plugin, msg)
            plugin_failed(plugin_manager, plugin, msg)
        else:
            kept[fact.name] = fact
            taken[fact.name] = plugin
    return kept
