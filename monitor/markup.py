"""User text inside our own Markdown: escaped so it stays text (no links, images, headings or colour directives)."""

from __future__ import annotations

import re
import unicodedata

# every ASCII punctuation character can be backslash-escaped in CommonMark; escaping all of them is simpler and
# safer than knowing which ones Streamlit's Markdown (with its :colour[...] and :emoji: extensions) reads
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"\s+")


def text(value) -> str:
    """value as inert Markdown text on one line: punctuation escaped, line breaks and control characters gone."""
    if value is None:
        return "–"
    raw = str(value)
    # control and format characters (bidi overrides, zero-width) would let text pose as something else
    raw = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in raw)
    return _PUNCTUATION.sub(r"\\\1", _SPACE.sub(" ", raw).strip())
