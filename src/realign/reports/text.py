"""Free text from fact files and rule sets, made safe to place inside a report.

A name in a fact file may hold anything: markup, pipes that would split a
table cell, newlines that would end a list item, bidi control characters that
would reorder the text around it. Every value a report shows passes through
one of these functions; the report's own text does not.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["MarkdownCode", "markdown_code", "markdown_value"]

#: characters Markdown gives a meaning inside a line: escaped with a backslash
_MARKDOWN = re.compile(r"([\\`*_\[\]|~#])")
#: explicit bidi controls: shown as their code points, so a value cannot reorder the page
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_RIGHT_TO_LEFT = frozenset({"R", "AL"})
_FSI, _PDI = "\u2068", "\u2069"


def _plain(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") or "0"
    return str(value)


def _isolated(text: str) -> str:
    """*text* with bidi controls made visible, and isolated if it runs right to left."""
    text = "".join(f"[U+{ord(c):04X}]" if c in _BIDI_CONTROLS else c for c in text)
    if any(unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in text):
        # Its own direction inside, the page's outside.
        return f"{_FSI}{text}{_PDI}"
    return text


def markdown_value(value: Any) -> str:
    """*value* as inline Markdown text: one line, no markup, no HTML, no reordering."""
    if isinstance(value, MarkdownCode):
        return value
    text = " ".join(_plain(value).split())  # newlines would end a table row or list item
    # Markdown passes raw HTML and entities through; a lone ">" opens neither.
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _isolated(_MARKDOWN.sub(r"\\\1", text))


class MarkdownCode(str):
    """Markdown already made safe (a code span): :func:`markdown_value` leaves it as it is."""

    __slots__ = ()


def markdown_code(value: Any) -> MarkdownCode:
    """*value* as a Markdown code span: shown literally, whatever characters it holds."""
    text = _isolated(" ".join(_plain(value).split()))
    # A fence longer than any run of backticks inside, padded so an edge backtick shows.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return MarkdownCode(f"{fence} {text} {fence}" if longest else f"{fence}{text}{fence}")
