"""A table as users see it: formatted by column suffix, headers translated, with its data to download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monitor import export, fmt
from monitor.i18n import current_language, t


def _as_of():
    ctx = st.session_state.get("_context")
    return getattr(ctx, "as_of", None)


def show(frame: pd.DataFrame, key: str, columns: list[str] | None = None, queries: tuple[str, ...] = (),
         height: int | str = "auto", *, title: str | None = None, filters: tuple[str, ...] | list[str] = (),
         source: str | None = None, translate_headers: bool = True) -> None:
    """Draw frame[columns] and offer it as CSV, Excel and Parquet; the caption names the queries it came from.

    title, filters and source go into the Excel header block (source defaults to the query names);
    translate_headers=False keeps the column names as they are (the Explorer, where people write SQL).
    """
    shown = frame[columns] if columns else frame
    lang = current_language()
    if translate_headers:
        styled = fmt.styled(shown, lang)
    else:
        styled = shown.style.format({c: (lambda v, c=c: fmt.value(c, v, lang)) for c in shown.columns}, na_rep="–")
    st.dataframe(styled, hide_index=True, key=f"{key}_table", height=height, placeholder="–")
    provenance = export.Provenance(
        title=title or "", as_of=_as_of(), filters=tuple(filters),
        source=source or (t("app.source_query", lang=lang, names=", ".join(queries)) if queries else ""),
    )
    # the files are generated only when a button is clicked (callables), so tables cost nothing extra to draw
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    row.download_button(
        t("app.download_csv"), lambda: export.csv_bytes(shown, lang, translate_headers), file_name=f"{key}.csv",
        mime="text/csv", key=f"{key}_csv", icon=":material/download:",
    )
    row.download_button(
        t("ex.download_excel"), lambda: export.excel_bytes(shown, provenance, lang, translate_headers),
        file_name=f"{key}.xlsx", key=f"{key}_xlsx", icon=":material/table_view:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    row.download_button(
        t("ex.download_parquet"), lambda: export.parquet_bytes(shown), file_name=f"{key}.parquet",
        mime="application/vnd.apache.parquet", key=f"{key}_parquet", icon=":material/database:",
    )
    if queries:
        row.caption(t("app.source_query", names=", ".join(f"`{n}`" for n in queries)))
