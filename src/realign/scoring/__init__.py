"""Scoring an assessment: area health, lights, overall score, trends, coverage and the plan."""

from __future__ import annotations

from .model import ScoringModel
from .score import AreaScore, Coverage, OverallScore, PlanItem, Scores, round_score, score, trend

__all__ = [
    "AreaScore",
    "Coverage",
    "OverallScore",
    "PlanItem",
    "ScoringModel",
    "Scores",
    "round_score",
    "score",
    "trend",
]
