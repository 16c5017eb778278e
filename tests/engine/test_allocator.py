"""The allocator thresholds that keep durable_rules' session state from being refaulted.

Page faults are counted by the kernel, not timed, so the test is exact: with
the thresholds fixed, assessing again touches no new page; with glibc's
static defaults put back in the same process, every assessment maps the state
afresh. The control shows the count is sensitive to the setting at all.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from realign.engine.allocator import keep_session_memory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "case_study_before.toml"

glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the thresholds are glibc's",
)

FAULTS = textwrap.dedent(
    """
    import ctypes, json, resource, sys
    import realign

    engine = realign.Engine.default(
        plugin_manager=realign.get_plugin_manager(load_entrypoints=False)
    )
    facts = engine.facts(sys.argv[1])

    def faults_per_assessment():
        for _ in range(20):
            engine.assess(facts)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(100):
            engine.assess(facts)
        return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 100

    tuned = faults_per_assessment()
    libc = ctypes.CDLL(None)
    libc.mallopt(-3, 128 * 1024)  # glibc's default thresholds, held fixed
    libc.mallopt(-1, 128 * 1024)
    print(json.dumps([tuned, faults_per_assessment()]))
    """
)


def _run(code: str, *args: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
        timeout=120,
    )
    return done.stdout


@glibc_only
def test_assessing_again_faults_no_page_in() -> None:
    tuned, default = json.loads(_run(FAULTS, str(EXAMPLE)))
    assert tuned < 5
    assert default > 50  # the session state is mapped afresh every time


@glibc_only
def test_the_thresholds_are_set_once_per_process() -> None:
    assert keep_session_memory() is True
    assert keep_session_memory.cache_info().currsize == 1


def test_the_environment_can_leave_the_allocator_alone() -> None:
    code = "from realign.engine.allocator import keep_session_memory as k; print(k())"
    assert _run(code, REALIGN_MALLOC_TUNING="0").strip() == "False"


@glibc_only
def test_a_durable_matcher_sets_the_thresholds() -> None:
    code = textwrap.dedent(
        """
        from realign.engine import allocator
        from realign.engine.durable import DurableMatcher
        assert allocator.keep_session_memory.cache_info().currsize == 0
        DurableMatcher({})
        print(allocator.keep_session_memory.cache_info().currsize)
        """
    )
    assert _run(code).strip() == "1"
