"""Starter files ``realign init`` writes: a commented fact file and rule set that pass checks."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["STARTER_FILES", "write_starter"]

#: what ``realign init`` writes, in order
STARTER_FILES = ("facts.toml", "rules.toml")


def write_starter(directory: Path) -> list[Path]:
    """Write the starter files into *directory* (made if missing); none may exist yet.

    Raises:
        FileExistsError: naming the files that already exist; nothing is written.
    """
    targets = [directory / name for name in STARTER_FILES]
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        raise FileExistsError(", ".join(existing))
    directory.mkdir(parents=True, exist_ok=True)
    for name, target in zip(STARTER_FILES, targets, strict=True):
        text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
        target.write_text(text, encoding="utf-8")
    return targets
