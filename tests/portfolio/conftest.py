"""Shared by the portfolio tests: a plugin that kills its process, as a matcher crash would."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from realign.engine_spec import EngineSpec

#: the module name of the crash plugin; its directory must be on the workers' sys.path
CRASH_PLUGIN = "realign_test_crash_plugin"
#: a plugin module that makes a worker process die on any task, with or without sources
ILL_PLUGIN = "realign_test_ill_plugin"


@pytest.fixture(scope="session")
def crash_plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crash plugin, whose loader kills its process on any ``.crash`` source; the ill one."""
    directory = tmp_path_factory.mktemp("crash_plugin")
    (directory / f"{CRASH_PLUGIN}.py").write_text(
        textwrap.dedent(
            """
            import os

            from realign import hookimpl


            @hookimpl(tryfirst=True)
            def realign_load_facts(source):
                if source.kind() == "crash":
                    os._exit(3)  # as a crash inside the matcher would
                return None
            """
        ),
        encoding="utf-8",
    )
    (directory / f"{ILL_PLUGIN}.py").write_text(
        textwrap.dedent(
            """
            import multiprocessing
            import os

            import realign.portfolio.pool

            def _die(*args, **kwargs):
                os._exit(3)

            # Only in a worker process: a task names its function, which is looked up there.
            if multiprocessing.parent_process() is not None:
                realign.portfolio.pool._assess_chunk = _die
            """
        ),
        encoding="utf-8",
    )
    return directory


def _with_crash_plugin(spec: EngineSpec, module: str = CRASH_PLUGIN) -> EngineSpec:
    assert spec.plugins is not None
    extra = (*spec.plugins.extra, ("module", module))
    return attrs.evolve(spec, plugins=attrs.evolve(spec.plugins, extra=extra))


@pytest.fixture(scope="session")
def with_crash_plugin() -> Callable[[EngineSpec], EngineSpec]:
    """Gives a spec with the crash plugin loaded after its own plugins."""
    return _with_crash_plugin
