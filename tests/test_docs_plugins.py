"""docs/plugins.md documents every hook exactly, and every hook is exercised by a test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from realign import hookspecs

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("realign_"))


def _signature(name: str) -> str:
    """The hook's ``def`` line as the guide must show it (annotations as written)."""
    signature = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    return f"def {name}({params}) -> {signature.return_annotation}:"


def test_the_hooks_are_found() -> None:
    # The other tests would pass vacuously without hooks to check.
    assert {"realign_load_facts", "realign_enrich_facts"} <= set(HOOKS)
    assert all(name in hookspecs.__all__ for name in HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_documented_with_its_exact_signature(name: str) -> None:
    assert f"### `{name}`" in GUIDE
    assert _signature(name) in GUIDE


def test_the_guide_documents_no_hook_that_does_not_exist() -> None:
    documented = set(re.findall(r"^### `(realign_\w+)`", GUIDE, re.M))
    assert documented == set(HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_test_that_implements_it(name: str) -> None:
    # A plugin implementing the hook, inside the test suite: realign calls it there.
    implementing = [
        path
        for path in (ROOT / "tests").rglob("test_*.py")
        if re.search(rf"@hookimpl\s*\n\s*def {name}\(", path.read_text(encoding="utf-8"))
    ]
    assert implementing, f"no test implements {name}"
