"""Every extension point of realign, as pluggy hook specifications.

Built-in behaviour is registered through these same hooks (see
:mod:`realign.plugins`), so a third-party plugin can add to or override any of
it. Every hook name starts with ``realign_``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from .assessment import Assessment, Finding
    from .enrich.factset import DerivedFact, FactSet
    from .loading.source import FactSource, RawFacts
    from .renderers import Renderer
    from .rules.functions import Function

__all__ = [
    "hookimpl",
    "hookspec",
    "realign_action_catalogs",
    "realign_assessment_finished",
    "realign_assessment_started",
    "realign_condition_functions",
    "realign_enrich_facts",
    "realign_finding_raised",
    "realign_load_facts",
    "realign_renderers",
    "realign_rulesets",
]

PROJECT = "realign"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- loading --------------------------------------------------------------------------


@hookspec(firstresult=True)
def realign_load_facts(source: FactSource) -> RawFacts | None:
    """Parse *source* into plain data, or return None so another loader can try.

    A loader decides from ``source.format`` (when the caller named one) or
    ``source.suffix`` whether the source is its own. It returns the parsed
    document together with a source map, so that realign can report every
    later validation problem at its file, line and column. A loader that owns
    the source but finds it malformed raises :class:`realign.FactError`.

    Stops at first non-None result.
    """


# --- enrichment -----------------------------------------------------------------------


@hookspec
def realign_enrich_facts(facts: FactSet) -> Iterable[DerivedFact] | None:
    """Return derived facts computed from *facts*.

    Enrichers run one after another; each sees the derived facts of those that
    ran before it in ``facts.derived``. A derived fact may not reuse a name that
    already exists. Each derived fact names the input facts it came from, so that
    explanations can show its provenance.
    """


# --- rules ----------------------------------------------------------------------------


@hookspec
def realign_rulesets() -> Iterable[str | Path] | None:
    """Return paths of TOML rule-set files this plugin contributes to the default catalog.

    ``Engine.default()`` loads every file returned by every plugin; rule, action
    and param ids must be unique across all of them.
    """


@hookspec
def realign_action_catalogs() -> Iterable[str | Path] | None:
    """Return paths of TOML files that define actions, and nothing else.

    An action catalog is a rule-set file with ``[[actions]]`` (and optionally
    params) but no rules: actions that any rule set's rules may recommend by id.
    ``Engine.default()`` loads them beside the rule sets; action ids must be
    unique across all files. A file that defines rules is reported and left out.
    """


@hookspec
def realign_condition_functions() -> Iterable[Function] | None:
    """Return functions that conditions may call, each with its signature.

    The signature (parameter and return types) lets ``realign check`` type-check
    every call before anything runs. Two plugins may not define the same name.
    """


# --- output ---------------------------------------------------------------------------


@hookspec
def realign_renderers() -> Iterable[Renderer] | None:
    """Return output formats for ``realign assess --format NAME``.

    Each :class:`realign.renderers.Renderer` has a name, a one-line description
    and a ``render(assessments, context)`` function that returns the text to
    write. Built-in formats keep their names; a plugin cannot replace them.
    """


# --- lifecycle observers ------------------------------------------------------------


@hookspec
def realign_assessment_started(facts: FactSet) -> None:
    """An assessment of *facts* (loaded and enriched) begins.

    Observers watch; what they return is ignored and they cannot change the
    result. One that raises is reported under its plugin's name in the
    assessment's diagnostics, and the assessment goes on.
    """


@hookspec
def realign_finding_raised(finding: Finding, facts: FactSet) -> None:
    """A rule fired on *facts*: *finding* is complete, with its evidence and actions.

    Called once per finding, in the order rules are decided (by stratum), before
    the findings are sorted for the report.
    """


@hookspec
def realign_assessment_finished(assessment: Assessment) -> None:
    """An assessment is complete: findings, scores, plan and diagnostics."""
