"""Derived facts about market drift: how market signals and assumptions were
handled (the MKT rules)."""

from __future__ import annotations

from collections.abc import Iterable

from ..hookspecs import hookimpl
from ..model import ObjectiveLevel
from ._base import Collector
from .factset import DerivedFact, FactSet

__all__ = ["realign_enrich_facts"]


@hookimpl(tryfirst=True)
def realign_enrich_facts(facts: FactSet) -> Iterable[DerivedFact]:
    c = Collector(facts)
    _signals(c)
    _assumptions(c)
    return c.out


def _signals(c: Collector) -> None:
    objectives = {o.id: (i, o) for i, o in enumerate(c.p.objectives)}
    strategic = [o.id for o in c.p.objectives if o.level is ObjectiveLevel.STRATEGIC]
    for i, s in enumerate(c.p.market_signals):
        path = f"market_signals[{i}]"
        c.add(
            f"{path}.age_days",
            c.age(s.observed),
            [f"{path}.observed"],
            "days since the signal was observed",
        )
        tabled = sorted(
            (m.date, m.id, j) for j, m in enumerate(c.p.meetings) if s.id in m.signals_discussed
        )
        first = tabled[0][0] if tabled else None
        sources = [f"meetings[{j}].signals_discussed" for *_, j in tabled]
        needs = ("meetings", "meetings.signals_discussed")
        c.add(
            f"{path}.first_discussed",
            first,
            sources,
            "date of the first meeting that discussed it (none if never)",
            needs=needs,
        )
        c.add(
            f"{path}.days_since_first_discussed",
            c.age(first) if first else None,
            sources,
            "days since it was first discussed (none if never)",
            needs=needs,
        )
        affected = [o for o in (s.affects_objectives or strategic) if o in objectives]
        revised = sorted(
            o
            for o in affected
            if (day := objectives[o][1].last_revised) is not None and day >= s.observed
        )
        undetermined = [o for o in affected if objectives[o][1].last_revised is None]
        name = f"{path}.objectives_revised_since"
        description = (
            "affected objectives (else all strategic ones) revised on or after it was observed"
        )
        inputs = [f"objectives[{objectives[o][0]}].last_revised" for o in affected]
        if undetermined and not revised:
            reason = f"last_revised is not stated for {', '.join(sorted(undetermined))}"
            c.unknown(name, description, reason, inputs)
        else:
            c.add(name, revised, inputs, description, needs=("objectives",))


def _assumptions(c: Collector) -> None:
    objectives = {o.id: (i, o) for i, o in enumerate(c.p.objectives)}
    for i, a in enumerate(c.p.assumptions):
        path = f"assumptions[{i}]"
        name = f"{path}.plan_unchanged_since_status_change"
        description = "every linked objective was last revised before the status changed"
        linked = [objectives[o] for o in a.objectives if o in objectives]
        sources = [f"{path}.status_changed", *(f"objectives[{j}].last_revised" for j, _ in linked)]
        revisions = [o.last_revised for _, o in linked]
        changed = a.status_changed
        if changed is None:
            c.unknown(name, description, "status_changed is not stated", sources)
        elif not linked:
            c.unknown(name, description, "no objectives are linked to it", sources)
        elif any(r is None for r in revisions):
            c.unknown(name, description, "a linked objective's last_revised is not stated", sources)
        else:
            unchanged = all(r < changed for r in revisions if r is not None)
            c.add(name, unchanged, sources, description, needs=("objectives",))
        c.add(
            f"{path}.days_since_review",
            c.age(a.last_reviewed) if a.last_reviewed else None,
            [f"{path}.last_reviewed"],
            "days since the assumption was last reviewed",
            needs=[f"{path}.last_reviewed"],
        )
