"""Reading import files as German offices write them: CSV or xlsx, encoding, delimiter, numbers, dates.

A file becomes a `Sheet`: the header cells and the data rows, each with the row number a user sees in
Excel or a text editor (header = row 1). Cell values stay raw (text from CSV; str, float, datetime from
xlsx); `number` and `date` interpret one value the German or the ISO way, with ASCII digits only. A number
whose reading depends on the separators ('1,500': 1,5 or 1.500) takes the file's convention, which `settle`
finds in its unambiguous numbers ('1.234,56' is German), and is refused with both readings when nothing settles
it. Every refusal is a `ReadError` with a code that names a text in monitor/texts/daten.toml ("dp.read.<code>")
or, for one value, a `ValueProblem` ("dp.problem.<code>").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePath

CONFIG_FILE = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"
MAX_ROWS = 50_000                     # data rows per file
MAX_COLUMNS = 64                      # columns read per row; templates have five or six
MAX_XLSX_UNPACKED = 100 * 1024 * 1024  # sum of the declared sizes of all parts of an xlsx (zip bomb guard)
MAX_XLSX_PARTS = 1_000
CSV_TYPES = {".csv", ".txt", ".tsv"}
UPLOAD_TYPES = (*sorted(CSV_TYPES), ".xlsx")   # what the uploader offers: exactly what `read` accepts
DELIMITERS = (";", "\t", ",")         # order breaks ties: German Excel writes `;`
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _upload_limit_mb() -> int:
    # one setting: server.maxUploadSize in .streamlit/config.toml; the page hands it to Streamlit's uploader, so
    # its "Limit … per file", the page's text and this check say the same number whatever else is configured
    with CONFIG_FILE.open("rb") as fh:
        return int(tomllib.load(fh)["server"]["maxUploadSize"])


MAX_UPLOAD_MB = _upload_limit_mb()
MAX_BYTES = MAX_UPLOAD_MB * 1024 * 1024


class ReadError(Exception):
    """The file as a whole cannot be read; code names the reason, values fill in its text."""

    def __init__(self, code: str, **values):
        self.code, self.values = code, values
        super().__init__(f"{code}: {values}" if values else code)


@dataclass(frozen=True)
class Formula:
    """An xlsx cell that holds a formula (refused: the cached result may be stale or missing)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class CellError:
    """An xlsx cell that holds an error value such as #DIV/0!."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Sheet:
    """Header cells and data rows (row number, cells) of one file; empty rows are left out."""

    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    file_format: str = "csv"          # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    sheet_name: str | None = None
    sheet_count: int = 1


def _refuse(data: bytes, suffix: str) -> None:
    """What no upload may be, whatever is read from it: empty, too large, an old or macro Excel, a false xlsx."""
    if not data:
        raise ReadError("empty")
    if len(data) > MAX_BYTES:
        raise ReadError("too_large", size_mb=f"{len(data) / 1024 / 1024:.1f}", limit_mb=MAX_UPLOAD_MB)
    if suffix in (".xls", ".xlsb", ".ods"):
        raise ReadError("old_excel", suffix=suffix)
    if suffix == ".xlsm":
        raise ReadError("macros")
    if suffix == ".xlsx" and not data.startswith(b"PK\x03\x04"):
        raise ReadError("not_xlsx")


def read(data: bytes, file_name: str) -> Sheet:
    """Read an uploaded file; raises ReadError for a wrong type, size, encoding or a hostile xlsx."""
    suffix = PurePath(file_name).suffix.lower()
    _refuse(data, suffix)
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix in CSV_TYPES:
        if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise ReadError("excel_as_csv")
        return _read_csv(data)
    raise ReadError("file_type", suffix=suffix or "–")


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]          # Excel's "Unicode-Text"
    else:
        # Windows-1252, not Latin-1: German Excel writes € as 0x80, which Latin-1 turns into a control code
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise ReadError("binary")
        return text, encoding
    raise ReadError("encoding")


def _header_fields(line: str, delimiter: str) -> int:
    return len(next(csv.reader([line], delimiter=delimiter)))


def _read_csv(data: bytes) -> Sheet:
    text, encoding = decode(data)
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise ReadError("empty")
    # the delimiter that splits the header into the most columns (ties: `;`, tab, `,`)
    delimiter = max(DELIMITERS, key=lambda d: (_header_fields(header_line, d), -DELIMITERS.index(d)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    sheet = Sheet(headers=[], file_format="csv", encoding=encoding, delimiter=delimiter)
    try:
        for cells in reader:
            number = reader.line_num   # physical line, so quoted line breaks keep the numbers honest
            if not any(c.strip() for c in cells):
                continue
            if not sheet.headers:
                sheet.headers = [c.strip() for c in cells[:MAX_COLUMNS]]
                continue
            if number > MAX_ROWS + 1:
                raise ReadError("too_many_rows", limit=f"{MAX_ROWS:,}".replace(",", "."))
            sheet.rows.append((number, cells[:MAX_COLUMNS + 1]))
    except csv.Error as exc:
        raise ReadError("csv_broken", line=reader.line_num, error=str(exc)) from exc
    return sheet


def _check_zip(data: bytes) -> None:
    """Refuse a zip whose parts would unpack to more than the limit, before anything is unpacked.

    Python's zipfile stops at a part's declared size (and then fails its CRC check), so the
    declared sizes bound what openpyxl can unpack.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ReadError("not_xlsx") from exc
    if len(parts) > MAX_XLSX_PARTS or sum(p.file_size for p in parts) > MAX_XLSX_UNPACKED:
        raise ReadError("xlsx_bomb", limit_mb=MAX_XLSX_UNPACKED // 1024 // 1024)
    if any(p.filename.lower().endswith("vbaproject.bin") for p in parts):
        raise ReadError("macros")


def _cell_value(cell):
    kind = getattr(cell, "data_type", None)
    if kind == "f":
        return Formula(str(cell.value))
    if kind == "e":
        return CellError(str(cell.value))
    return cell.value


def _read_xlsx(data: bytes, every_sheet: bool = False) -> Sheet | list[Sheet]:
    import openpyxl  # only here: the CSV path and the app's other pages do not need it

    _check_zip(data)
    try:
        # read_only streams the sheet; data_only=False so formulas are seen (and refused), not their cache
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ReadError("xlsx_broken", error=type(exc).__name__) from exc
    try:
        worksheets = workbook.worksheets if every_sheet else workbook.worksheets[:1]
        sheets = [_read_worksheet(worksheet, len(workbook.worksheets)) for worksheet in worksheets]
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ReadError("xlsx_broken", error=type(exc).__name__) from exc
    finally:
        workbook.close()
    if every_sheet:
        return [sheet for sheet in sheets if sheet.headers]
    if not sheets[0].headers:
        raise ReadError("empty")
    return sheets[0]


def _read_worksheet(worksheet, count: int) -> Sheet:
    # a hostile file can declare a huge dimension; ignore it and read what is there
    worksheet.reset_dimensions()
    sheet = Sheet(headers=[], file_format="xlsx", sheet_name=worksheet.title, sheet_count=count)
    for number, row in enumerate(worksheet.iter_rows(min_row=1, max_col=MAX_COLUMNS + 1), start=1):
        cells = [_cell_value(c) for c in row]
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if not sheet.headers:
            sheet.headers = ["" if c is None else str(c).strip() for c in cells[:MAX_COLUMNS]]
            while sheet.headers and not sheet.headers[-1]:
                sheet.headers.pop()
            continue
        if number > MAX_ROWS + 1:
            raise ReadError("too_many_rows", limit=f"{MAX_ROWS:,}".replace(",", "."))
        sheet.rows.append((number, cells))
    return sheet


def read_workbook(data: bytes, file_name: str) -> list[Sheet]:
    """Every sheet of an xlsx workbook that has a header row (same guards as `read`)."""
    _refuse(data, ".xlsx")
    sheets = _read_xlsx(data, every_sheet=True)
    if not sheets:
        raise ReadError("empty")
    return sheets


# ---- values -------------------------------------------------------------------------------------------

class ValueProblem(ValueError):
    """A single value cannot be read; code names the reason ("dp.value.<code>")."""

    def __init__(self, code: str, **values):
        self.code, self.values = code, values
        super().__init__(code)


_SPACES = re.compile(r"[\s\u00a0\u202f']")
# only ASCII digits: Python's \d and Decimal() also take Arabic-Indic, Devanagari or full-width digits
_GERMAN = re.compile(r"^[1-9][0-9]{0,2}(\.[0-9]{3})+(,[0-9]+)?$|^[0-9]+(,[0-9]+)?$")
_ENGLISH = re.compile(r"^[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]+)?$|^[0-9]+(\.[0-9]+)?$")
_DE_DATE = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
GERMAN, ENGLISH = "de", "en"


def is_blank(value) -> bool:
    """True for an empty cell (None or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _foreign_digit(text: str) -> str | None:
    return next((c for c in text if c.isdigit() and c not in "0123456789"), None)


def _refuse_foreign_digits(text: str) -> None:
    digit = _foreign_digit(text)
    if digit is not None:
        raise ValueProblem("foreign_digit", digit=digit, digit_name=unicodedata.name(digit, "?"))


def _number_text(value: str) -> tuple[str, bool]:
    """The digits and separators of a written number, and whether it is negative."""
    _refuse_foreign_digits(value)
    text = _SPACES.sub("", value).replace("€", "").replace("%", "")
    text = re.sub(r"(?i)eur$", "", text)
    negative = text.startswith("-") or text.endswith("-")   # SAP exports write "1.234,56-"
    return text.strip("-+"), negative


def _readings(text: str) -> tuple[Decimal | None, Decimal | None]:
    """The value read the German way and the English way (None where that way cannot read it)."""
    german = Decimal(text.replace(".", "").replace(",", ".")) if _GERMAN.match(text) else None
    english = Decimal(text.replace(",", "")) if _ENGLISH.match(text) else None
    return german, english


def convention_of(value) -> str | None:
    """GERMAN or ENGLISH when a written number can be read only that way ('1.234,56', '1.5'), else None."""
    if not isinstance(value, str):
        return None
    try:
        text, _ = _number_text(value)
    except ValueProblem:
        return None
    german, english = _readings(text)
    if german is not None and english is None:
        return GERMAN
    if english is not None and german is None:
        return ENGLISH
    return None


@dataclass(frozen=True)
class Convention:
    """How a file writes its numbers: GERMAN, ENGLISH, None (nothing settles it) or "mixed"; with the first
    row that reads only the German and only the English way, as (row, text)."""

    name: str | None
    german: tuple[int, str] | None = None
    english: tuple[int, str] | None = None


def settle(cells) -> Convention:
    """The convention of a file from its unambiguous numbers; cells are (row, raw value) pairs."""
    first: dict[str, tuple[int, str]] = {}
    for row, raw in cells:
        found = convention_of(raw)
        if found is not None:
            first.setdefault(found, (row, raw.strip()))
            if len(first) == 2:
                break
    if len(first) == 2:
        return Convention("mixed", first[GERMAN], first[ENGLISH])
    return Convention(next(iter(first), None), first.get(GERMAN), first.get(ENGLISH))


def number(value, convention: Convention | str | None = None) -> Decimal:
    """'1.234,56', '1234,56', '1234.56', '1,234.56' or an xlsx number as Decimal.

    A value whose reading depends on the convention ('1,500': 1,5 or 1.500; '40.000': 40.000 or 40) is read
    by the file's convention when its other numbers settle it, and refused ("ambiguous") otherwise.
    """
    if isinstance(value, bool):
        raise ValueProblem("not_a_number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise ValueProblem("not_a_number")
    text, negative = _number_text(value)
    if not text:
        raise ValueProblem("not_a_number")
    german, english = _readings(text)
    name = convention.name if isinstance(convention, Convention) else convention
    if german is None and english is None:
        raise ValueProblem("not_a_number")
    if german is None or english is None or german == english:
        result = german if german is not None else english
    elif name == GERMAN:
        result = german
    elif name == ENGLISH:
        result = english
    else:
        values = {"german": -german if negative else german, "english": -english if negative else english}
        if name == "mixed":
            (de_row, de_text), (en_row, en_text) = convention.german, convention.english
            raise ValueProblem("ambiguous_mixed", **values, de_row=de_row, de_value=de_text, en_row=en_row,
                               en_value=en_text)
        raise ValueProblem("ambiguous", **values)
    return -result if negative else result


def date(value) -> dt.date:
    """'30.06.2021', '2021-06-30', an xlsx date cell or an Excel serial number as a date."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise ValueProblem("date_with_time")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # a date cell formatted as "Standard" arrives as its serial number
        if float(value).is_integer() and 36526 <= value <= 54789:   # 2000-01-01 .. 2049-12-31
            return (EXCEL_EPOCH + dt.timedelta(days=int(value))).date()
        raise ValueProblem("not_a_date")
    if not isinstance(value, str):
        raise ValueProblem("not_a_date")
    text = value.strip()
    _refuse_foreign_digits(text)
    match = _DE_DATE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO_DATE.match(text)
        if not match:
            raise ValueProblem("not_a_date")
        year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueProblem("no_such_date") from exc


def text(value) -> str:
    """A cell as trimmed text (numbers as written: 12.0 -> '12')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return "" if value is None else str(value).strip()


# ---- raw grids: every row of every sheet, title rows included (monitor/vorhaben.py) -------------------------

GRID_EXTRA_ROWS = 100                 # rows a grid may hold beyond MAX_ROWS: title rows, headers, footnotes
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="\$?([A-Z]{1,3})\$?([0-9]+):\$?([A-Z]{1,3})\$?([0-9]+)"')


@dataclass
class Grid:
    """All non-empty rows (row number, cells) of one sheet or CSV file, as a user sees them in Excel.

    Unlike `Sheet` nothing is taken as the header: a published list may have title rows above it. In an xlsx
    every cell of a merged range holds the value of its top-left cell.
    """

    rows: list[tuple[int, list]]
    file_format: str = "csv"
    sheet_name: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


def read_grids(data: bytes, file_name: str) -> list[Grid]:
    """Every sheet of an uploaded CSV or xlsx as a raw grid; the same refusals (ReadError) as `read`."""
    suffix = PurePath(file_name).suffix.lower()
    _refuse(data, suffix)
    if suffix == ".xlsx":
        grids = _xlsx_grids(data)
    elif suffix in CSV_TYPES:
        if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise ReadError("excel_as_csv")
        grids = [_csv_grid(data)]
    else:
        raise ReadError("file_type", suffix=suffix or "–")
    if not any(grid.rows for grid in grids):
        raise ReadError("empty")
    return grids


def _grid_delimiter(text: str) -> str:
    """The delimiter that splits the most of the first lines into the same number (≥ 2) of fields.

    Title rows above the header have one field; ',' inside German numbers splits lines unevenly or into fewer
    fields than the real delimiter; ties go to `;`, tab, `,`.
    """
    sample = text[:200_000]
    best, best_score = DELIMITERS[0], (-1, -1)
    for delimiter in DELIMITERS:
        counts: dict[int, int] = {}
        try:
            for number, cells in enumerate(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)):
                if number >= 60:
                    break
                if len(cells) > 1:
                    counts[len(cells)] = counts.get(len(cells), 0) + 1
        except csv.Error:
            continue
        if not counts:
            continue
        width, frequency = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (frequency, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_grid(data: bytes) -> Grid:
    text, encoding = decode(data)
    delimiter = _grid_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid = Grid(rows=[], file_format="csv", encoding=encoding, delimiter=delimiter)
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            # the physical line where the record ends, as `read` counts (quoted line breaks included)
            if reader.line_num > MAX_ROWS + GRID_EXTRA_ROWS:
                raise ReadError("too_many_rows", limit=f"{MAX_ROWS:,}".replace(",", "."))
            grid.rows.append((reader.line_num, cells[:MAX_COLUMNS]))
    except csv.Error as exc:
        raise ReadError("csv_broken", line=reader.line_num, error=str(exc)) from exc
    return grid


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a sheet as (first row, first column, last row, last column), columns from 0."""
    try:
        xml = archive.read(path.lstrip("/"))
    except KeyError:
        return []
    tail = xml[xml.rfind(b"</sheetData>") + 1:] if b"</sheetData>" in xml else xml
    return [(int(r1), _column_index(c1), int(r2), _column_index(c2))
            for c1, r1, c2, r2 in _MERGE_REF.findall(tail)]


def _xlsx_grids(data: bytes) -> list[Grid]:
    import openpyxl  # only here: the CSV path and the app's other pages do not need it

    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ReadError("xlsx_broken", error=type(exc).__name__) from exc
    grids = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for worksheet in workbook.worksheets:
                if not hasattr(worksheet, "iter_rows"):   # a chart sheet holds no cells
                    continue
                worksheet.reset_dimensions()
                merged = _merged_ranges(archive, getattr(worksheet, "_worksheet_path", ""))
                grid = Grid(rows=[], file_format="xlsx", sheet_name=worksheet.title)
                rows: dict[int, list] = {}
                # without max_col a row holds only its cells up to its last one: no padding to the widest row
                for number, row in enumerate(worksheet.iter_rows(min_row=1), start=1):
                    cells = [_cell_value(c) for c in row[:MAX_COLUMNS]]
                    while cells and is_blank(cells[-1]):
                        cells.pop()
                    if not cells:
                        continue
                    if number > MAX_ROWS + GRID_EXTRA_ROWS:
                        raise ReadError("too_many_rows", limit=f"{MAX_ROWS:,}".replace(",", "."))
                    rows[number] = cells
                _fill_merged(rows, merged)
                grid.rows = [(number, cells) for number, cells in sorted(rows.items())
                             if any(not is_blank(c) for c in cells)]
                grids.append(grid)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ReadError("xlsx_broken", error=type(exc).__name__) from exc
    finally:
        workbook.close()
    return grids


MAX_MERGED_CELLS = 1_000_000          # cells filled from merged ranges per sheet; a hostile file may declare more


def _fill_merged(rows: dict[int, list], merged: list[tuple[int, int, int, int]]) -> None:
    """Give every cell of a merged range its top-left value (rows and columns within the read limits)."""
    budget = MAX_MERGED_CELLS
    for first_row, first_column, last_row, last_column in merged:
        top = rows.get(first_row)
        value = top[first_column] if top is not None and first_column < len(top) else None
        if is_blank(value):
            continue
        last_row = min(last_row, MAX_ROWS + GRID_EXTRA_ROWS)
        last_column = min(last_column, MAX_COLUMNS - 1)
        budget -= (last_row - first_row + 1) * (last_column - first_column + 1)
        if budget < 0:
            break
        for number in range(first_row, last_row + 1):
            cells = rows.setdefault(number, [])
            if len(cells) <= last_column:
                cells.extend([None] * (last_column + 1 - len(cells)))
            for column in range(first_column, last_column + 1):
                cells[column] = value
