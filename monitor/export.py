"""Downloads of what a page shows: CSV for German Excel, a formatted Excel workbook, Parquet.

Text cells that a spreadsheet would read as a formula (starting with =, +, -, @, tab or carriage return)
are prefixed with an apostrophe in CSV and Excel, so opening a download never runs anything.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import numpy as np
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


def _neutralised(series: pd.Series) -> pd.Series:
    """Text cells that a spreadsheet would evaluate get an apostrophe in front; everything else stays."""
    if isinstance(series.dtype, pd.StringDtype):
        risky = series.str.startswith(FORMULA_START).fillna(False).astype(bool)
        return series.where(~risky, "'" + series)
    return series.map(neutralise)


def for_export(frame: pd.DataFrame, lang: str | None = None, translate: bool = True) -> pd.DataFrame:
    """Translated headers (unless translate=False); date columns as datetimes; formula-like texts neutralised."""
    lang = lang or current_language()
    out = frame.copy(deep=False)  # copy-on-write: only the columns changed below are copied
    for column in out.columns:
        if str(column).endswith("_date"):
            out[column] = pd.to_datetime(out[column])
        elif _is_text(out[column]):
            out[column] = _neutralised(out[column])
        else:
            out[column] = _in_cents(column, out[column])
    if not translate:
        return out
    return out.rename(columns={c: fmt.header(c, lang) for c in out.columns})


def _in_cents(column, series: pd.Series) -> pd.Series:
    """Money (a column named …_eur) computed in floating point, rounded to the cent: a sum over many rows carries
    binary noise (792800.0000000001) that a spreadsheet would show."""
    if str(column).endswith("_eur") and pd.api.types.is_float_dtype(series):
        return series.round(2)
    return series


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
    # written in chunks straight into the buffer: at 2 million rows only the file itself is held, not a copy of
    # it as one Python string
    buffer = io.BytesIO()
    with io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="", write_through=True) as text:
        out.to_csv(
            text,
            index=False,
            sep=";" if german else ",",
            decimal="," if german else ".",
            date_format="%d.%m.%Y" if german else "%Y-%m-%d",
            lineterminator="\r\n",
            chunksize=50_000,
        )
        text.flush()
        return buffer.getvalue()


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


EXCEL_MAX_ROWS = 1_048_576  # rows of one Excel sheet
_CHUNK = 50_000
_XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# cell styles of the workbook (cellXfs): 0 plain, 1 title, 2 bold label, 3 table header; number formats follow
_TITLE, _LABEL, _HEADER, _FIRST_FORMAT = 1, 2, 3, 4


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _text_cells(series: pd.Series, style: int = 0) -> pd.Series:
    """Inline-string cells (never a formula), XML-escaped, characters XML forbids removed."""
    text = _neutralised(series.map(lambda v: v if v is None or isinstance(v, str) else str(v))
                        if not isinstance(series.dtype, pd.StringDtype) else series).astype("string")
    text = (text.str.replace(_XML_ILLEGAL, "", regex=True).str.replace("&", "&amp;", regex=False)
            .str.replace("<", "&lt;", regex=False).str.replace(">", "&gt;", regex=False))
    styled = f' s="{style}"' if style else ""
    return (f'<c t="inlineStr"{styled}><is><t xml:space="preserve">' + text + "</t></is></c>").fillna("<c/>")


def _number_cells(numbers: pd.Series, style: int | None) -> pd.Series:
    """Number cells; missing, infinite and not-a-number values stay empty."""
    values = pd.to_numeric(numbers, errors="coerce").astype("float64")
    finite = np.isfinite(values.to_numpy())
    whole = finite & (np.mod(np.where(finite, values.to_numpy(), 0), 1) == 0) & (np.abs(np.nan_to_num(values)) < 2**53)
    text = pd.Series(values.to_numpy().astype(str), index=numbers.index, dtype="string")
    text = text.where(~pd.Series(whole, index=numbers.index), pd.Series(
        np.where(whole, np.nan_to_num(values.to_numpy()), 0).astype(np.int64).astype(str), index=numbers.index,
        dtype="string"))
    styled = f' s="{style}"' if style else ""
    return ("<c" + styled + "><v>" + text + "</v></c>").where(pd.Series(finite, index=numbers.index), "<c/>")


def _column_cells(series: pd.Series, style: int | None) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: '<c t="b"><v>1</v></c>', False: '<c t="b"><v>0</v></c>'}).fillna("<c/>").astype(
            "string")
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        return _number_cells((series - _EXCEL_EPOCH) / pd.Timedelta(days=1), style)
    if pd.api.types.is_numeric_dtype(series):
        return _number_cells(series, style)
    return _text_cells(series)


def _as_table_column(column: str, series: pd.Series) -> pd.Series:
    """Dates as datetimes (by the _date suffix or because every value is a date), other values as they are."""
    if str(column).endswith("_date"):
        return pd.to_datetime(series)
    if pd.api.types.is_float_dtype(series):
        return _in_cents(column, series)
    if pd.api.types.is_object_dtype(series) and pd.api.types.infer_dtype(series, skipna=True) in ("date", "datetime"):
        return pd.to_datetime(series)
    return series


def excel_row_limit(header_rows: int) -> int:
    """Data rows that fit on one sheet below a header block of header_rows rows (the column headers included)."""
    return EXCEL_MAX_ROWS - header_rows


def excel_bytes(frame: pd.DataFrame, provenance: Provenance | None = None, lang: str | None = None,
                translate: bool = True) -> bytes:
    """An .xlsx: header block (title, Stichtag, filters, source, export time), then the table with German formats.

    Written directly as Office Open XML, a column at a time (openpyxl needs about a minute per 100,000 rows on this
    machine; this takes seconds for a million). A sheet holds at most 1,048,576 rows: a longer table is cut there
    and the header block says so, naming the CSV download as the complete one.
    """
    import zipfile

    lang = lang or current_language()
    prov = provenance or Provenance()
    data = pd.DataFrame({c: _as_table_column(c, frame[c]) for c in frame.columns}, index=frame.index)
    data.columns = list(frame.columns)
    headers = [fmt.header(c, lang) if translate else str(c) for c in data.columns]
    formats = [number_format(c, data[c], lang) for c in data.columns]
    codes = list(dict.fromkeys(f for f in formats if f))
    styles = [_FIRST_FORMAT + codes.index(f) if f else None for f in formats]

    exported = prov.exported_at
    block = [
        [(prov.title or t("ex.xl_sheet", lang=lang), _TITLE)],
        [(t("ex.xl_stichtag", lang=lang), _LABEL), (fmt.date(prov.as_of, lang) if prov.as_of else "–", 0)],
        [(t("ex.xl_filters", lang=lang), _LABEL),
         ("; ".join(prov.filters) if prov.filters else t("ex.xl_none", lang=lang), 0)],
        [(t("ex.xl_source", lang=lang), _LABEL), (prov.source or "–", 0)],
        [(t("ex.xl_exported", lang=lang), _LABEL),
         (exported.strftime("%d.%m.%Y %H:%M") if lang == "de" else exported.strftime("%Y-%m-%d %H:%M"), 0)],
    ]
    total = len(data)
    if total > excel_row_limit(len(block) + 3):  # block, the note, a blank line, the column headers
        limit = excel_row_limit(len(block) + 3)
        block.append([(t("ex.xl_truncated", lang=lang), _LABEL),
                      (t("ex.xl_truncated_rows", lang=lang, shown=fmt.count(limit, lang),
                         total=fmt.count(total, lang)), 0)])
        data = data.iloc[:limit]
    block.append([])
    header_row = len(block) + 1
    last_row = header_row + len(data)
    last_col = _column_letter(len(data.columns)) if len(data.columns) else "A"
    sheet_name = t("ex.xl_sheet", lang=lang)[:31]

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _HEAD + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '</Types>'))
        book.writestr("_rels/.rels", _HEAD + (
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        book.writestr("xl/_rels/workbook.xml.rels", _HEAD + (
            f'<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'))
        quoted = "'" + sheet_name.replace("'", "''") + "'"
        book.writestr("xl/workbook.xml", _HEAD + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name="{_escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets>'
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f'{_escape(quoted)}!$A${header_row}:${last_col}${last_row}</definedName></definedNames></workbook>'))
        book.writestr("xl/styles.xml", _styles(codes))
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_sheet_start(header_row, last_col, last_row, headers, data).encode("utf-8"))
            for number, row in enumerate(block, start=1):
                cells = "".join(_text_cells(pd.Series([value], dtype="string"), style).iloc[0] for value, style in row)
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            head = "".join(_text_cells(pd.Series(headers, dtype="string"), _HEADER))
            sheet.write(f'<row r="{header_row}">{head}</row>'.encode())
            for start in range(0, len(data), _CHUNK):
                chunk = data.iloc[start:start + _CHUNK]
                numbers = pd.Series(np.arange(header_row + 1 + start, header_row + 1 + start + len(chunk)),
                                    index=chunk.index).astype("string")
                rows = '<row r="' + numbers + '">'
                for column, style in zip(chunk.columns, styles):
                    rows = rows + _column_cells(chunk[column], style)
                sheet.write((rows + "</row>").str.cat().encode("utf-8"))
            sheet.write(f'</sheetData><autoFilter ref="A{header_row}:{last_col}{last_row}"/></worksheet>'.encode())
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_start(header_row: int, last_col: str, last_row: int, headers: list[str], data: pd.DataFrame) -> str:
    widths = []
    for index, header in enumerate(headers):
        sample = data.iloc[:200, index].dropna()
        longest = int(sample.astype("string").str.len().max()) if len(sample) else 0
        widths.append(min(max(10, max(len(header), longest) + 2), 60))
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
    return _HEAD + (
        f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last_col}{last_row}"/>'
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")


def _styles(codes: list[str]) -> str:
    formats = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{_escape(code)}"/>' for i, code in enumerate(codes))
    number_xfs = "".join(f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" '
                         'applyNumberFormat="1"/>' for i in range(len(codes)))
    return _HEAD + (
        f'<styleSheet xmlns="{_MAIN}">'
        + (f'<numFmts count="{len(codes)}">{formats}</numFmts>' if codes else "")
        + '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="14"/><name val="Calibri"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
        '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{_FIRST_FORMAT + len(codes)}">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
        'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
        + number_xfs + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>')
