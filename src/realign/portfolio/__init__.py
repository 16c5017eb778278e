"""Portfolios: many partnerships assessed on every core, their rows, and their report."""

from __future__ import annotations

from ..engine_spec import EngineSpec, PluginRecipe, SpecError
from .pool import WorkerError, assess_many, default_jobs
from .records import PortfolioRecord, assess_one, row_columns
from .sources import PathError, check_paths, portfolio_sources

__all__ = [
    "EngineSpec",
    "PathError",
    "PluginRecipe",
    "PortfolioRecord",
    "SpecError",
    "WorkerError",
    "assess_many",
    "assess_one",
    "check_paths",
    "default_jobs",
    "portfolio_sources",
    "row_columns",
]
