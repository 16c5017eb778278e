"""Scoring an assessment: area health, lights, overall score, trends, coverage and the plan."""

from __future__ import annotations

from .model import ScoringModel
from .score import (
    AreaScore,
    Coverage,
    Layout,
    OverallScore,
    PlanItem,
    Scores,
    comparable_history,
    layout_of,
    round_score,
    score,
    trend,
)

__all__ = [
    "AreaScore",
    "Coverage",
    "Layout",
    "OverallScore",
    "PlanItem",
    "ScoringModel",
    "Scores",
    "comparable_history",
    "layout_of",
    "round_score",
    "score",
    "trend",
]
