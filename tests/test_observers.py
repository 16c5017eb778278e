"""Lifecycle observers: told when an assessment starts, at each finding, and at its end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from realign import Assessment, FactSet, Finding, hookimpl
from realign.testing import engine_with


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    @hookimpl
    def realign_assessment_started(self, facts: FactSet) -> None:
        self.events.append(("started", facts))

    @hookimpl
    def realign_finding_raised(self, finding: Finding, facts: FactSet) -> None:
        self.events.append(("finding", (finding, facts)))

    @hookimpl
    def realign_assessment_finished(self, assessment: Assessment) -> None:
        self.events.append(("finished", assessment))


def test_observers_see_the_whole_assessment_in_order(examples_dir: Path) -> None:
    recorder = _Recorder()
    engine = engine_with(recorder)
    assessment = engine.assess(examples_dir / "case_study_before.toml")
    kinds = [kind for kind, _ in recorder.events]
    assert kinds[0] == "started"
    assert kinds[-1] == "finished"
    assert kinds.count("finding") == len(assessment.findings) > 0
    started = recorder.events[0][1]
    assert started.partnership.partnership.id == assessment.facts.partnership.partnership.id
    raised = [event for kind, event in recorder.events if kind == "finding"]
    assert {f.rule for f, _ in raised} == {f.rule for f in assessment.findings}
    assert all(facts is started for _, facts in raised)
    assert recorder.events[-1][1] == assessment
    assert not [d for d in assessment.diagnostics if d.startswith("plugin")]


class _Failing:
    def __init__(self, hook: str) -> None:
        self.hook = hook

    def _maybe_fail(self, hook: str) -> None:
        if hook == self.hook:
            raise RuntimeError(f"{hook} is broken")

    @hookimpl
    def realign_assessment_started(self, facts: FactSet) -> None:
        self._maybe_fail("realign_assessment_started")

    @hookimpl
    def realign_finding_raised(self, finding: Finding) -> None:
        self._maybe_fail("realign_finding_raised")

    @hookimpl
    def realign_assessment_finished(self, assessment: Assessment) -> None:
        self._maybe_fail("realign_assessment_finished")


@pytest.mark.parametrize(
    "hook",
    ["realign_assessment_started", "realign_finding_raised", "realign_assessment_finished"],
)
def test_an_observer_that_raises_is_named_and_changes_nothing_else(
    examples_dir: Path, hook: str
) -> None:
    source = examples_dir / "case_study_before.toml"
    clean = engine_with().assess(source)
    failing = _Failing(hook)
    engine = engine_with(failing)
    assessment = engine.assess(source)
    name = engine.plugin_manager.get_name(failing)
    [reported] = [d for d in assessment.diagnostics if d.startswith("plugin")]
    assert reported == f"plugin {name!r}: raised in {hook}: RuntimeError('{hook} is broken')"
    assert assessment.findings == clean.findings
    assert assessment.overall == clean.overall
    assert set(assessment.diagnostics) - {reported} == set(clean.diagnostics)
