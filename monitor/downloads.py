"""Downloads of results too large to keep as a table: a named query run again when its button is clicked.

A page draws the first rows of such a result (a bounded query) and offers all of it here: Parquet streamed
from DuckDB in batches (any size, little memory), CSV for German Excel while the result fits in Excel.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq
import streamlit as st

from monitor import audit, export, queries as q
from monitor.db import Database, database_path

CSV_MAX_ROWS = 1_000_000   # Excel opens at most 1,048,576 rows; beyond that only Parquet
BATCH_ROWS = 100_000


def parquet_bytes(name: str, params: dict) -> bytes:
    """queries/<name>.sql as Parquet, written batch by batch from DuckDB's result (never one big frame)."""
    expected = q.parameters(name)
    missing = expected - params.keys()
    if missing:
        raise q.QueryError(f"Abfrage {name!r}: Parameter fehlt: {', '.join(sorted(missing))}")
    cur = Database.cursor(Path(database_path()).resolve())
    try:
        # a relation streams its batches; a DB-API result would copy every row first
        reader = cur.sql(q.sql_text(name), params={k: v for k, v in params.items() if k in expected}) \
            .to_arrow_reader(BATCH_ROWS)
        buffer = io.BytesIO()
        with pq.ParquetWriter(buffer, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
        return buffer.getvalue()
    finally:
        cur.close()


def csv_bytes(name: str, params: dict, lang: str) -> bytes:
    """queries/<name>.sql as CSV for German Excel (the same format as every table's CSV download)."""
    return export.csv_bytes(q.run_uncached(name, **params), lang)


def buttons(name: str, params: dict, key: str, rows: int, labels: dict[str, str], lang: str,
            technical: bool | None = None) -> None:
    """Download buttons for every row of a named query: CSV (up to CSV_MAX_ROWS rows) and Parquet.

    labels: "csv" and "parquet" button texts (the caller's words, e.g. "Alle 10.500.000 Einzelwertungen").
    Parquet is for analysts and admins (technical defaults to the role, as in tables.show); others get it only
    when the result is too large for CSV. Nothing is computed until a button is clicked.
    """
    from monitor import tables

    technical = tables.is_technical() if technical is None else technical
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    if rows <= CSV_MAX_ROWS:
        row.download_button(labels["csv"], audit.on_download(lambda: csv_bytes(name, params, lang), key, "csv"),
                            file_name=f"{key}.csv",
                            mime="text/csv", key=f"{key}_all_csv", icon=":material/download:", on_click="ignore")
    if technical or rows > CSV_MAX_ROWS:
        row.download_button(labels["parquet"], audit.on_download(lambda: parquet_bytes(name, params), key, "parquet"),
                            file_name=f"{key}.parquet",
                            mime="application/vnd.apache.parquet", key=f"{key}_all_parquet", icon=":material/database:",
                            on_click="ignore")
