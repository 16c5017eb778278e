"""Assessments take turns in one durable_rules state, so assessing again maps no new memory.

Page faults are counted by the kernel, not timed, so the test is exact. It
holds glibc's malloc thresholds at their defaults, the case where a state
made per assessment is mapped afresh every time; the control opens a session
on every matcher around each assessment, so that the engine's own sessions
are nested and get states of their own, and shows the count is sensitive.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "case_study_before.toml"

FAULTS = textwrap.dedent(
    """
    import contextlib, ctypes, json, resource, sys
    import realign

    libc = ctypes.CDLL(None)
    libc.mallopt(-3, 128 * 1024)  # glibc's default thresholds, held fixed
    libc.mallopt(-1, 128 * 1024)
    engine = realign.Engine.default(
        plugin_manager=realign.get_plugin_manager(load_entrypoints=False)
    )
    facts = engine.facts(sys.argv[1])

    def faults_per_assessment(assess):
        for _ in range(20):
            assess()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(100):
            assess()
        return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 100

    def in_states_of_their_own():
        with contextlib.ExitStack() as stack:
            for matcher in engine._matchers:
                stack.enter_context(matcher.session())
            engine.assess(facts)

    shared = faults_per_assessment(lambda: engine.assess(facts))
    print(json.dumps([shared, faults_per_assessment(in_states_of_their_own)]))
    """
)


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the thresholds are glibc's",
)
def test_assessing_again_faults_no_page_in() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FAULTS, str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    shared, own = json.loads(done.stdout)
    assert shared < 5
    assert own > 50  # a state of its own per assessment is mapped afresh every time
