"""A broken installed plugin is named and left out; the assessment completes without it.

Each fixture plugin below fails in one of the ways a plugin can: it does not
import, its hook has a wrong signature, a hook raises, a hook returns garbage,
or it claims a name another plugin has. Installed beside realign, each must
leave the report complete and the other plugins' results unchanged, name the
plugin in the CLI's output and in the JSON diagnostics, and make the command
exit 3; with --strict-plugins the command stops at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from realign import DerivedFact, FactSet, FactSource, Function, RawFacts, hookimpl
from realign.cli import main
from realign.plugins import get_plugin_manager
from realign.rules.types import NUMBER


def _import_fails() -> Any:
    raise ImportError("No module named 'numpyy'")


class _WrongSignature:
    @hookimpl
    def realign_enrich_facts(self, fact_set: FactSet) -> Iterable[DerivedFact]:
        return []


class _UnknownHook:
    @hookimpl
    def realign_enrich_fact(self, facts: FactSet) -> Iterable[DerivedFact]:
        return []


class _EnricherRaises:
    @hookimpl
    def realign_enrich_facts(self, facts: FactSet) -> Iterable[DerivedFact]:
        raise ZeroDivisionError("boom")


class _LoaderRaises:
    @hookimpl(tryfirst=True)
    def realign_load_facts(self, source: FactSource) -> RawFacts | None:
        raise OSError("the disk is on fire")


class _RulesetsRaise:
    @hookimpl
    def realign_rulesets(self) -> Iterable[Path]:
        raise RuntimeError("no rule sets today")


class _FunctionsRaise:
    @hookimpl
    def realign_condition_functions(self) -> Iterable[Function]:
        raise RuntimeError("no functions today")


class _EnricherGarbage:
    @hookimpl
    def realign_enrich_facts(self, facts: FactSet) -> Iterable[DerivedFact]:
        return [42]  # type: ignore[list-item]


class _LoaderGarbage:
    @hookimpl(tryfirst=True)
    def realign_load_facts(self, source: FactSource) -> RawFacts | None:
        return "not raw facts"  # type: ignore[return-value]


class _RulesetsGarbage:
    @hookimpl
    def realign_rulesets(self) -> Iterable[Path]:
        return 42  # type: ignore[return-value]


class _FunctionsGarbage:
    @hookimpl
    def realign_condition_functions(self) -> Iterable[Function]:
        return ["len"]  # type: ignore[list-item]


class _ClaimsAFunction:
    @hookimpl
    def realign_condition_functions(self) -> Iterable[Function]:
        return [Function(name="len", params=(NUMBER,), returns=NUMBER, impl=lambda x: x)]


class _ClaimsADerivedFact:
    @hookimpl
    def realign_enrich_facts(self, facts: FactSet) -> Iterable[DerivedFact]:
        return [DerivedFact(name="culture.gaps", value={})]


def _plugin(obj: object) -> Callable[[], Any]:
    return lambda: obj


#: (failure mode, how the entry point loads, a fragment of the reported failure)
MODES = [
    ("fails to import", _import_fails, "failed to import (realign-broken 0.0.1)"),
    ("wrong hook signature", _plugin(_WrongSignature()), "is not a valid realign plugin"),
    ("unknown hook", _plugin(_UnknownHook()), "is not a valid realign plugin"),
    ("enricher raises", _plugin(_EnricherRaises()), "raised in realign_enrich_facts"),
    ("loader raises", _plugin(_LoaderRaises()), "raised in realign_load_facts"),
    ("rule sets raise", _plugin(_RulesetsRaise()), "raised in realign_rulesets"),
    ("functions raise", _plugin(_FunctionsRaise()), "raised in realign_condition_functions"),
    ("enricher garbage", _plugin(_EnricherGarbage()), "returned int, not DerivedFact"),
    ("loader garbage", _plugin(_LoaderGarbage()), "returned str, not RawFacts"),
    ("rule sets garbage", _plugin(_RulesetsGarbage()), "returned int, not a list"),
    ("functions garbage", _plugin(_FunctionsGarbage()), "returned str, not Function"),
    ("claims a function", _plugin(_ClaimsAFunction()), "function 'len' is also provided"),
    ("claims a derived fact", _plugin(_ClaimsADerivedFact()), "'culture.gaps' is also produced"),
]


def _assess(
    capsys: pytest.CaptureFixture[str], source: Path, *args: str
) -> tuple[int, dict[str, Any] | None, str]:
    code = main(["assess", str(source), "--format", "json", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else None, captured.err


def _results(document: dict[str, Any]) -> dict[str, Any]:
    """Everything an assessment concludes, without its diagnostics."""
    return {k: v for k, v in document.items() if k not in ("diagnostics", "engine")}


@pytest.mark.parametrize(("mode", "load", "fragment"), MODES, ids=[m[0] for m in MODES])
def test_a_broken_plugin_is_named_left_out_and_exits_3(
    install: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
    examples_dir: Path,
    mode: str,
    load: Callable[[], Any],
    fragment: str,
) -> None:
    source = examples_dir / "case_study_before.toml"
    install()
    code, baseline, _ = _assess(capsys, source)
    assert code == 0
    assert baseline is not None

    install(("broken", "realign-broken", load))
    code, document, err = _assess(capsys, source)
    assert code == 3
    assert document is not None, "the report is complete"
    assert _results(document) == _results(baseline), "the other plugins' results are unchanged"
    named = [d for d in document["diagnostics"] if d.startswith("plugin 'broken'")]
    assert len(named) == 1
    assert fragment in named[0]
    assert "plugin 'broken'" in err
    assert fragment in err
    assert "Traceback" not in err

    # With --strict-plugins the command stops at the first failure, without a report.
    code, document, err = _assess(capsys, source, "--strict-plugins")
    assert (code, document) == (3, None)
    assert "plugin 'broken'" in err
    assert "Traceback" not in err


def test_two_distributions_claiming_one_plugin_name(install: Callable[..., None]) -> None:
    first, second = _EnricherRaises(), _ClaimsADerivedFact()
    install(
        ("twin", "realign-twin-a", _plugin(first)),
        ("twin", "realign-twin-b", _plugin(second)),
    )
    pm = get_plugin_manager()
    assert pm.get_plugin("twin") is first
    assert any(
        f.plugin == "twin" and "realign-twin-a 0.0.1 and by realign-twin-b 0.0.1" in f.message
        for f in pm.failures
    )


def test_a_failed_plugin_is_listed_as_failed(
    install: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    install(("broken", "realign-broken", _import_fails))
    assert main(["plugins", "--json"]) == 3
    captured = capsys.readouterr()
    plugins = {p["name"]: p for p in json.loads(captured.out)["plugins"]}
    assert plugins["broken"]["status"] == "failed"
    assert "numpyy" in plugins["broken"]["problems"][0]
    assert "plugin 'broken'" in captured.err


def test_a_failure_is_reported_in_every_assessment_of_a_run(
    install: Callable[..., None], capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    install(("broken", "realign-broken", _import_fails))
    files = [str(examples_dir / "healthy.toml"), str(examples_dir / "case_study_before.toml")]
    assert main(["assess", *files, "--format", "json"]) == 3
    documents = json.loads(capsys.readouterr().out)["assessments"]
    assert all(
        any(d.startswith("plugin 'broken'") for d in doc["diagnostics"]) for doc in documents
    )
