"""A table as users see it: formatted by column suffix, headers translated, with its data to download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monitor import export, fmt
from monitor.i18n import t


def show(frame: pd.DataFrame, key: str, columns: list[str] | None = None, queries: tuple[str, ...] = (),
         height: int | str = "auto") -> None:
    """Draw frame[columns] and offer it as CSV; the caption names the queries it came from."""
    shown = frame[columns] if columns else frame
    st.dataframe(fmt.styled(shown), hide_index=True, key=f"{key}_table", height=height)
    left, right = st.columns([1, 3], vertical_alignment="center")
    left.download_button(
        t("app.download_csv"), export.csv_bytes(shown), file_name=f"{key}.csv",
        mime="text/csv", key=f"{key}_csv", icon=":material/download:",
    )
    if queries:
        right.caption(t("app.source_query", names=", ".join(f"`{n}`" for n in queries)))
