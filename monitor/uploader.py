"""The Daten page's file uploader with German words: Streamlit writes its drop-zone hint in English ("10MB per file •
CSV, …") and offers no way to change it, so that hint is hidden and a
caption in the reader's language names the same limit and types (the ones readers.read accepts)."""

from __future__ import annotations

import streamlit as st

from monitor import readers
from monitor.i18n import t

# our own constant CSS, no user text: hides the English hint inside every uploader of the page
_HIDE_HINT = '<style>[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }</style>'


def hint(lang: str | None = None) -> str:
    """'Datei hierher ziehen oder mit der Schaltfläche auswählen · höchstens 10 MB · CSV, TSV, TXT, XLSX'."""
    types = ", ".join(suffix.lstrip(".").upper() for suffix in readers.UPLOAD_TYPES)
    return t("cq.upload_hint", lang=lang, mb=readers.MAX_UPLOAD_MB, types=types)


def upload(label: str, key: str):
    """st.file_uploader for the types and size readers accept, its hint as a German caption."""
    st.html(_HIDE_HINT)
    found = st.file_uploader(label, type=list(readers.UPLOAD_TYPES), max_upload_size=readers.MAX_UPLOAD_MB, key=key)
    st.caption(hint())
    return found
