"""The plugin host: built-ins are plugins, no global manager, entry points, blocking."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

import realign
from realign import DerivedFact, DerivedFactConflict, FactSet, hookimpl
from realign.plugins import DEFAULT_PLUGINS, get_plugin_manager


def test_each_call_builds_an_independent_manager() -> None:
    first = get_plugin_manager(load_entrypoints=False)
    second = get_plugin_manager(load_entrypoints=False)
    assert first is not second
    first.register(object(), name="only-in-first")
    assert second.get_plugin("only-in-first") is None


def test_builtins_are_registered_as_plugins() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    for name in DEFAULT_PLUGINS:
        assert pm.get_plugin(name) is not None, name
    loaders = {impl.plugin_name for impl in pm.hook.realign_load_facts.get_hookimpls()}
    enrichers = {impl.plugin_name for impl in pm.hook.realign_enrich_facts.get_hookimpls()}
    assert loaders == {"realign.loading.builtin_loaders"}
    assert len(enrichers) == 5


def test_every_hook_is_prefixed() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    assert all(name.startswith("realign_") for name in pm.hook.__dict__ if not name.startswith("_"))


def test_a_blocked_builtin_is_not_loaded(examples_dir: Path) -> None:
    pm = get_plugin_manager(load_entrypoints=False, block=["realign.enrich.culture"])
    facts = realign.load_facts(examples_dir / "healthy.toml", plugin_manager=pm)
    assert "culture.gaps" not in facts.derived
    assert "decisions.median_latency_days_h" in facts.derived


class _SponsorCount:
    """A plugin enricher that builds on a built-in derived fact."""

    @hookimpl
    def realign_enrich_facts(self, facts: FactSet) -> Iterable[DerivedFact]:
        missed = facts.value("governance.sponsors.missed_meetings")
        return [
            DerivedFact(
                name="acme.sponsors_missing_any",
                value=sorted(p for p, n in missed.items() if n),
                sources=("governance.sponsors.missed_meetings",),
                description="partners whose sponsor missed a recent executive meeting",
            )
        ]


def test_plugin_enrichers_see_the_builtin_derived_facts(examples_dir: Path) -> None:
    pm = get_plugin_manager(load_entrypoints=False, extra=[_SponsorCount()])
    facts = realign.load_facts(examples_dir / "case_study_before.toml", plugin_manager=pm)
    assert facts.value("acme.sponsors_missing_any") == ["corvid"]


class _Clash:
    @hookimpl
    def realign_enrich_facts(self, facts: FactSet) -> Iterable[DerivedFact]:
        return [DerivedFact(name="culture.gaps", value={})]


def test_two_enrichers_cannot_claim_one_name(examples_dir: Path) -> None:
    clash = _Clash()
    pm = get_plugin_manager(load_entrypoints=False, extra=[clash])
    facts = realign.load_facts(examples_dir / "healthy.toml", plugin_manager=pm)
    # The name stays the built-in's; the later claim is reported under its plugin.
    assert facts.value("culture.gaps") != {}
    [failure] = pm.failures
    assert failure.plugin == pm.get_name(clash)
    assert "'culture.gaps' is also produced by 'realign.enrich.culture'" in failure.message
    strict = get_plugin_manager(load_entrypoints=False, extra=[_Clash()], strict=True)
    with pytest.raises(DerivedFactConflict, match=r"culture\.gaps"):
        realign.load_facts(examples_dir / "healthy.toml", plugin_manager=strict)


def test_entry_point_plugins_are_discovered(
    install: Callable[..., None], examples_dir: Path
) -> None:
    @hookimpl
    def realign_enrich_facts(facts: FactSet) -> Iterable[DerivedFact]:
        return [DerivedFact(name="fake.partners", value=len(facts.partnership.partners))]

    plugin_module = type(realign)("fake_realign_plugin")
    plugin_module.realign_enrich_facts = realign_enrich_facts  # type: ignore[attr-defined]
    install(("fake", "realign-fake", lambda: plugin_module))
    pm = get_plugin_manager()
    assert pm.get_plugin("fake") is plugin_module
    facts = realign.load_facts(examples_dir / "healthy.toml", plugin_manager=pm)
    assert facts.value("fake.partners") == 2
    blocked = get_plugin_manager(block=["fake"])
    assert blocked.get_plugin("fake") is None


class _Raises:
    @hookimpl
    def realign_enrich_facts(self, facts: FactSet) -> Iterable[DerivedFact]:
        raise ZeroDivisionError("boom")


class _Garbage:
    @hookimpl
    def realign_enrich_facts(self, facts: FactSet) -> Iterable[DerivedFact]:
        return ["not a derived fact"]  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("plugin", "fragment"), [(_Raises(), "ZeroDivisionError"), (_Garbage(), "returned str")]
)
def test_a_failing_enricher_is_named(examples_dir: Path, plugin: object, fragment: str) -> None:
    pm = get_plugin_manager(load_entrypoints=False, extra=[plugin])
    facts = realign.load_facts(examples_dir / "healthy.toml", plugin_manager=pm)
    assert "culture.gaps" in facts.derived  # the other enrichers' facts are all there
    [failure] = pm.failures
    assert failure.plugin == pm.get_name(plugin)
    assert fragment in failure.message
    strict = get_plugin_manager(load_entrypoints=False, extra=[plugin], strict=True)
    with pytest.raises(realign.PluginError, match=fragment) as caught:
        realign.load_facts(examples_dir / "healthy.toml", plugin_manager=strict)
    assert caught.value.plugin == strict.get_name(plugin)


def _import_fails() -> Any:
    raise ImportError("No module named 'numpyy'")


def test_a_plugin_that_fails_to_import_is_named(install: Callable[..., None]) -> None:
    install(("broken", "realign-broken", _import_fails))
    [failure] = get_plugin_manager().failures
    assert failure.plugin == "broken"
    assert re.search(r"failed to import \(realign-broken 0\.0\.1\).*numpyy", failure.message)
    with pytest.raises(realign.PluginError, match=r"realign-broken 0\.0\.1.*numpyy") as caught:
        get_plugin_manager(strict=True)
    assert caught.value.plugin == "broken"


def test_the_cli_exits_3_without_a_traceback_when_a_plugin_fails(
    install: Callable[..., None], examples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from realign.cli import main

    install(("broken", "realign-broken", _import_fails))
    assert main(["facts", str(examples_dir / "healthy.toml")]) == 3
    err = capsys.readouterr().err
    assert "plugin 'broken'" in err
    assert "Traceback" not in err
