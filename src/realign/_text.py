"""Small pieces of wording shared by the terminal reports."""

from __future__ import annotations

import math

__all__ = ["percent"]


def percent(ratio: float) -> str:
    """A share rounded down, so 99.6% never shows as 100% beside a bar it fails."""
    tenths = math.floor(ratio * 1000 + 1e-9)
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"
