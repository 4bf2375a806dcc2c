"""User text inside our own Markdown: escaped so it stays text (no links, images, headings or colour directives)."""

from __future__ import annotations

import re
import unicodedata

# every ASCII punctuation character can be backslash-escaped in CommonMark; escaping all of them is simpler and
# safer than knowing which ones Streamlit's Markdown (with its :colour[...] and :emoji: extensions) reads
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"\s+")
# Streamlit's Markdown (remark-gfm) turns a bare URL or e-mail address into a live link after escapes are read, so
# backslashes cannot stop it; an invisible word joiner after "http", "https", "www" and "@" breaks the pattern
_AUTOLINK = re.compile(r"(https?(?=://)|www(?=\.)|@)", re.IGNORECASE)
_JOINER = "\u2060"


def text(value) -> str:
    """value as inert Markdown text on one line: punctuation escaped, line breaks and control characters gone."""
    if value is None:
        return "–"
    raw = str(value)
    # control and format characters (bidi overrides, zero-width) would let text pose as something else
    raw = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in raw)
    raw = _AUTOLINK.sub(lambda m: m.group(1) + _JOINER, _SPACE.sub(" ", raw).strip())
    return _PUNCTUATION.sub(r"\\\1", raw)


# an ampersand that does not already start an entity: escaping twice would show "&amp;" where the name has "&"
_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);)")


def plotly(value) -> str:
    """value as inert Plotly text (hover, labels, titles): <, > and & as entities, so <b>, <br>, <a href> stay text.

    Plotly splits its text at tags first and decodes entities inside the text parts only, so an escaped "<b>" is
    shown as the characters "<b>". Text that is already escaped stays as it is.
    """
    if value is None:
        return ""
    return _AMPERSAND.sub("&amp;", str(value)).replace("<", "&lt;").replace(">", "&gt;")


def plotly_label(value) -> str:
    """Like plotly(), but a line break we put into a label (<br>, e.g. coverage.wrap) stays a line break."""
    return plotly(value).replace("&lt;br&gt;", "<br>")


def _has_markup(value) -> bool:
    return isinstance(value, str) and ("<" in value or ">" in value or "&" in value)


def plotly_data(values):
    """A trace's data (a list, tuple or array of cells, possibly nested) with every text cell through plotly_label()."""
    import numpy as np

    if isinstance(values, str):
        return plotly_label(values)
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "U":
            values = values.astype(object)
        if values.dtype != object:
            return values
        flat = values.ravel()
        if not any(_has_markup(v) or isinstance(v, (list, tuple, np.ndarray)) for v in flat):
            return values
        return np.array([plotly_data(v) for v in flat], dtype=object).reshape(values.shape)
    if isinstance(values, (list, tuple)):
        if not any(_has_markup(v) or isinstance(v, (list, tuple, np.ndarray)) for v in values):
            return values
        return type(values)(plotly_data(v) for v in values)
    return values
