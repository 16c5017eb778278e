"""The standard catalog (DOMAIN §2–§4), provided through the rule-set hook like any plugin.

The TOML files live in ``rulesets/`` at the top of the repository, where
consultants read and edit them; the wheel ships them as ``realign/rulesets``.
"""

from __future__ import annotations

from pathlib import Path

from .hookspecs import hookimpl
from .rules.ruleset import ruleset_files

__all__ = ["catalog_directory", "realign_action_catalogs", "realign_rulesets"]

#: the file of the catalog's 30 actions (DOMAIN §3), its action catalog
_ACTIONS = "actions.toml"

_INSTALLED = Path(__file__).resolve().parent / "rulesets"
#: a source checkout (and an editable install) reads the repository's directory
_CHECKOUT = Path(__file__).resolve().parents[2] / "rulesets"


def catalog_directory() -> Path:
    """Where the standard catalog's rule sets and their test cases are."""
    return _INSTALLED if _INSTALLED.is_dir() else _CHECKOUT


@hookimpl
def realign_rulesets() -> list[Path]:
    return [path for path in ruleset_files(catalog_directory()) if path.name != _ACTIONS]


@hookimpl
def realign_action_catalogs() -> list[Path]:
    return [catalog_directory() / _ACTIONS]
