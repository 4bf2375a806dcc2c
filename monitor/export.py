"""Downloads of what a page shows: CSV for German Excel, a formatted Excel workbook, Parquet.

Text cells that a spreadsheet would read as a formula (starting with =, +, -, @, tab or carriage return)
are prefixed with an apostrophe in CSV and Excel, so opening a download never runs anything.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field

import pandas as pd

from monitor import fmt
from monitor.i18n import current_language, t

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Provenance:
    """What the Excel header block says about a table: title, Stichtag, filters, source."""

    title: str = ""
    as_of: dt.date | None = None
    filters: tuple[str, ...] = ()
    source: str = ""
    exported_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))


def neutralise(value):
    """A text that spreadsheets would evaluate becomes plain text ('=1+1 -> '=1+1); other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)


def for_export(frame: pd.DataFrame, lang: str | None = None, translate: bool = True) -> pd.DataFrame:
    """Translated headers (unless translate=False); date columns as datetimes; formula-like texts neutralised."""
    lang = lang or current_language()
    out = frame.copy()
    for column in out.columns:
        if str(column).endswith("_date"):
            out[column] = pd.to_datetime(out[column])
        elif _is_text(out[column]):
            out[column] = out[column].map(neutralise)
    if not translate:
        return out
    return out.rename(columns={c: fmt.header(c, lang) for c in out.columns})


def _has_time(series: pd.Series) -> bool:
    if not pd.api.types.is_datetime64_any_dtype(series):
        return False
    values = series.dropna()
    return bool(len(values)) and bool((values != values.dt.normalize()).any())


def csv_bytes(frame: pd.DataFrame, lang: str | None = None, translate: bool = True) -> bytes:
    """CSV that German Excel opens correctly: UTF-8 with BOM, `;`, decimal comma, dd.mm.yyyy."""
    lang = lang or current_language()
    german = lang == "de"
    out = for_export(frame, lang, translate)
    for column in out.columns:
        if _has_time(out[column]):
            # date_format below would drop the time of day
            out[column] = out[column].dt.strftime("%d.%m.%Y %H:%M" if german else "%Y-%m-%d %H:%M")
    text = out.to_csv(
        index=False,
        sep=";" if german else ",",
        decimal="," if german else ".",
        date_format="%d.%m.%Y" if german else "%Y-%m-%d",
        lineterminator="\r\n",
    )
    return ("\ufeff" + text).encode("utf-8")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet with the original column names and types (for analysis tools, not for people)."""
    import pyarrow as pa

    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer, index=False, engine="pyarrow")
    except (pa.ArrowException, TypeError, ValueError):
        # a column of mixed Python objects has no Parquet type: write it as text
        mixed = {c: frame[c].map(lambda v: None if v is None or v is pd.NA else str(v))
                 for c in frame.columns if pd.api.types.is_object_dtype(frame[c])}
        buffer = io.BytesIO()
        frame.assign(**mixed).to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def number_format(column: str, series: pd.Series, lang: str | None = None) -> str | None:
    """The Excel number format for a column: money, shares, dates, counts (German Excel shows 1.234.567 €)."""
    lang = lang or current_language()
    name = str(column)
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_datetime64_any_dtype(series) or name.endswith("_date"):
        if _has_time(series):
            return "DD.MM.YYYY HH:MM" if lang == "de" else "YYYY-MM-DD HH:MM"
        return "DD.MM.YYYY" if lang == "de" else "YYYY-MM-DD"
    if not pd.api.types.is_numeric_dtype(series):
        return None
    values = series.dropna()
    whole = bool(len(values) == 0 or (values.astype(float) % 1 == 0).all())
    if name.endswith("_eur"):
        number = "#,##0" if whole else "#,##0.00"
        return f'{number} "€"' if lang == "de" else f'"€"{number}'
    if name.endswith("_pct"):
        return '#,##0.0 "%"' if lang == "de" else '#,##0.0"%"'
    if name.endswith(("_count", "_days")) or name == "population" or pd.api.types.is_integer_dtype(series):
        return "#,##0" if name.endswith(("_count", "_days")) or name == "population" else "0"
    return "#,##0" if whole else "#,##0.00"


def _cell_value(value):
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # numpy scalars
    if isinstance(value, (list, dict, tuple)):
        return str(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return neutralise(value) if isinstance(value, str) else value


def excel_bytes(frame: pd.DataFrame, provenance: Provenance | None = None, lang: str | None = None,
                translate: bool = True) -> bytes:
    """An .xlsx: header block (title, Stichtag, filters, source, export time), then the table with German formats."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    lang = lang or current_language()
    prov = provenance or Provenance()
    data = frame.copy()
    for column in data.columns:
        if str(column).endswith("_date"):
            data[column] = pd.to_datetime(data[column])
    headers = [fmt.header(c, lang) if translate else str(c) for c in data.columns]
    formats = [number_format(c, data[c], lang) for c in data.columns]

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(t("ex.xl_sheet", lang=lang)[:31])
    for index, header in enumerate(headers, start=1):
        width = max([len(header)] + [len(str(v)) for v in data.iloc[:200, index - 1].tolist()])
        ws.column_dimensions[get_column_letter(index)].width = min(max(10, width + 2), 60)

    def text(value, bold: bool = False, size: int | None = None):
        cell = WriteOnlyCell(ws, value=neutralise(value) if isinstance(value, str) else value)
        if isinstance(value, str):
            cell.data_type = "s"
        if bold or size:
            cell.font = Font(bold=bold, size=size)
        return cell

    exported = prov.exported_at
    block = [
        [text(prov.title or t("ex.xl_sheet", lang=lang), bold=True, size=14)],
        [text(t("ex.xl_stichtag", lang=lang), bold=True), text(fmt.date(prov.as_of, lang) if prov.as_of else "–")],
        [text(t("ex.xl_filters", lang=lang), bold=True),
         text("; ".join(prov.filters) if prov.filters else t("ex.xl_none", lang=lang))],
        [text(t("ex.xl_source", lang=lang), bold=True), text(prov.source or "–")],
        [text(t("ex.xl_exported", lang=lang), bold=True),
         text(exported.strftime("%d.%m.%Y %H:%M") if lang == "de" else exported.strftime("%Y-%m-%d %H:%M"))],
        [],
    ]
    header_row = len(block) + 1
    ws.freeze_panes = f"A{header_row + 1}"
    if len(data.columns):
        last = get_column_letter(len(data.columns))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(data)}"
    for row in block:
        ws.append(row)
    fill = PatternFill("solid", fgColor="DDEBF7")
    head = []
    for header in headers:
        cell = text(header, bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        head.append(cell)
    ws.append(head)
    for values in data.itertuples(index=False, name=None):
        row = []
        for value, number in zip(values, formats):
            cell = WriteOnlyCell(ws, value=_cell_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text looks like
            elif number and cell.value is not None:
                cell.number_format = number
            row.append(cell)
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
