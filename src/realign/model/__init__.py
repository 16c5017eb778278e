"""Fact format v1: the partnership model, its vocabularies and its scales."""

from . import enums, scales  # noqa: F401  (scales is part of the package API)
from .enums import *  # noqa: F403  (each module defines __all__)
from .partnership import *  # noqa: F403
from .partnership import __all__ as _partnership_all

__all__ = sorted({*enums.__all__, *_partnership_all, "scales"})
