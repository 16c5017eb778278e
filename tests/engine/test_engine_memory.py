"""One engine, 5,000 assessments in a row: no session limit, flat memory, same answers.

durable_rules allows 1024 live sessions per ruleset and never gives memory
back on its own, so an engine that forgot to delete a session, or kept
something per assessment, fails here long before a consultant would notice.
"""

from __future__ import annotations

import os
from pathlib import Path

from realign import Engine, FactSet, get_plugin_manager

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "rulesets" / "sample.toml"

#: Allowed RSS growth between assessment 500 and assessment 5,000.
#: Measured on the 2-core VM (Python 3.11.7, durable-rules 2.0.28): 0.0 MB in five
#: runs of this test, up to 0.32 MB in standalone scripts. Keeping every
#: Assessment alive, the likeliest Python-side leak, adds 23.5 MB over the same
#: 4,500 assessments; a live durable_rules state costs about 12 KB per rule, so
#: leaked sessions would cost hundreds of MB (and hit the 1024-session limit
#: first). 4 MB is over ten times the worst measurement and still catches any
#: leak of about 1 KB per assessment.
MAX_GROWTH_BYTES = 4 * 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def test_5000_assessments_in_a_row_keep_memory_flat(examples_dir: Path) -> None:
    engine = Engine(
        [SAMPLE],
        plugin_manager=get_plugin_manager(load_entrypoints=False),
        backend="durable_rules",
    )
    # Enriched once, so the loop measures the engine alone.
    inputs: list[FactSet] = [
        engine.facts(examples_dir / name) for name in ("case_study_before.toml", "healthy.toml")
    ]
    expected = [engine.assess(facts).to_json() for facts in inputs]
    assert expected[0] != expected[1]
    assert '"findings": []' not in expected[0], "the test needs an input with findings"
    rss: dict[int, int] = {}
    for n in range(1, 5001):
        which = n % 2
        text = engine.assess(inputs[which]).to_json()
        if text != expected[which]:
            raise AssertionError(f"assessment {n} differs from the first run on input {which}")
        if n in (500, 5000):
            rss[n] = rss_bytes()
    growth = rss[5000] - rss[500]
    assert growth < MAX_GROWTH_BYTES, f"RSS grew {growth / 2**20:.2f} MB from 500 to 5000"
