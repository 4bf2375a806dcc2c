"""Translation helper: every user-facing string comes from monitor/texts/*.toml, German by default."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("de", "en")
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}
DEFAULT_LANGUAGE = "de"
TEXT_DIR = Path(__file__).with_name("texts")
_MISSING = object()


class TextError(Exception):
    """A text catalogue is inconsistent (duplicate key or missing language)."""


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """All texts, key -> {language: text}; keys are unique across files."""
    texts: dict[str, dict[str, str]] = {}
    for path in sorted(TEXT_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            entries = tomllib.load(fh)
        for key, entry in entries.items():
            if key in texts:
                raise TextError(f"{path.name}: Schlüssel {key!r} ist doppelt")
            if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
                raise TextError(f"{path.name}: {key!r} braucht genau die Sprachen {', '.join(LANGUAGES)}")
            texts[key] = entry
    return texts


def current_language() -> str:
    """The session's language (sidebar switch), German outside a Streamlit session."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
    except Exception:  # noqa: BLE001 - no Streamlit means the default language
        return DEFAULT_LANGUAGE
    if ctx is None:
        return DEFAULT_LANGUAGE
    # Resolved once per script run: reading session state and the URL costs ~14 µs, and a page at 1,000× the
    # demo calls t() some 270,000 times (3.75 s). Within a run the answer does not change: the switch's value is
    # set before the run starts, and where the sidebar fills an empty switch from ?lang= it writes the value
    # resolved here.
    # Streamlit gives every run (and fragment run) a new `cursors` dict, which marks the run.
    cached = getattr(ctx, "_monitor_language", None)
    if cached is not None and cached[0] is ctx.cursors:
        return cached[1]
    lang = _session_language()
    try:
        ctx._monitor_language = (ctx.cursors, lang)
    except AttributeError:  # a context object that takes no attributes: resolve each time
        pass
    return lang


def _session_language() -> str:
    try:
        import streamlit as st

        # before the sidebar's switch exists in this session, a shared link's ?lang= decides
        lang = st.session_state.get("lang") or language_from_url()
    except Exception:  # noqa: BLE001 - no session means the default language
        return DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def language_from_url() -> str:
    """The language a shared link asks for: ?lang=en or ?lang=English; German otherwise."""
    import streamlit as st

    raw = (st.query_params.get("lang") or "").strip().lower()
    names = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
    return raw if raw in LANGUAGES else names.get(raw, DEFAULT_LANGUAGE)


def t(key: str, lang: str | None = None, default=_MISSING, **values) -> str:
    """The text for key in the current language, with {placeholders} filled from values."""
    entry = catalogue().get(key)
    if entry is None:
        if default is _MISSING:
            raise KeyError(f"Text {key!r} fehlt in monitor/texts/")
        return default
    text = entry[lang or current_language()]
    return text.format(**values) if values else text
