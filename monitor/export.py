"""Downloads of what a page shows: CSV for German Excel (BOM, `;`, decimal comma)."""

from __future__ import annotations

import pandas as pd

from monitor import fmt
from monitor.i18n import current_language


def for_export(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Translated headers; date columns as datetimes so writers format them as dates."""
    lang = lang or current_language()
    out = frame.copy()
    for column in out.columns:
        if column.endswith("_date"):
            out[column] = pd.to_datetime(out[column])
    return out.rename(columns={c: fmt.header(c, lang) for c in out.columns})


def csv_bytes(frame: pd.DataFrame, lang: str | None = None) -> bytes:
    """CSV that German Excel opens correctly: UTF-8 with BOM, `;`, decimal comma, dd.mm.yyyy."""
    lang = lang or current_language()
    german = lang == "de"
    text = for_export(frame, lang).to_csv(
        index=False,
        sep=";" if german else ",",
        decimal="," if german else ".",
        date_format="%d.%m.%Y" if german else "%Y-%m-%d",
        lineterminator="\r\n",
    )
    return ("\ufeff" + text).encode("utf-8")
