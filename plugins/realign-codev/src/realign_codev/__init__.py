"""realign-codev: diagnose conflicts over the joint roadmap in co-development partnerships."""

from __future__ import annotations

from .ranks import priority_correlation, rank_correlation

__all__ = ["priority_correlation", "rank_correlation"]
__version__ = "0.1.0"
