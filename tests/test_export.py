"""Downloads: CSV, Excel and Parquet read back equal the table shown; formulas are neutralised; German formats."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from monitor import export, guard

SHOWN_SQL = "select payment_id, project_id, payment_date, amount_eur, kind, note from payment order by payment_id"
HEADER_ROWS = 6  # title, Stichtag, filters, source, export time, blank line


@pytest.fixture(autouse=True)
def _log(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_QUERY_LOG", str(tmp_path / "queries.jsonl"))


@pytest.fixture
def payments() -> pd.DataFrame:
    """The payments table as the Explorer shows it."""
    return guard.run(SHOWN_SQL, role="analyse").frame


@pytest.fixture
def hostile() -> pd.DataFrame:
    return pd.DataFrame({
        "title": ["=HYPERLINK(\"http://evil.example\",\"klick\")", "+49 431 988", "-1+2", "@SUM(A1:A2)", "Kiel"],
        "granted_eur": [100000.0, 85000.0, 1234567.0, 0.0, 90000.0],
    })


def test_the_shown_table_is_the_demo_data(payments):
    # data/demo/payment.csv: 25 payments, 792.800 € in all, the first on 20.11.2020 to DM-01
    assert len(payments) == 25
    assert payments["amount_eur"].sum() == 792800.0
    first = payments.iloc[0]
    assert (first["payment_id"], first["project_id"], first["amount_eur"]) == ("Z-0001", "DM-01", 40000.0)
    assert first["payment_date"] == pd.Timestamp("2020-11-20")


def test_csv_reads_back_equal(payments):
    data = export.csv_bytes(payments, lang="de", translate=False)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines()[1].startswith("Z-0001;DM-01;20.11.2020;40000,0;abschlag")
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", parse_dates=["payment_date"],
                       date_format="%d.%m.%Y", dtype={"note": "str"})
    pd.testing.assert_frame_equal(back, payments, check_dtype=False)


def test_excel_reads_back_equal_with_header_block(payments):
    prov = export.Provenance(title="Auszahlungen", as_of=dt.date(2021, 6, 30), filters=("kind ∈ {abschlag}",),
                             source=SHOWN_SQL, exported_at=dt.datetime(2026, 11, 28, 19, 5))
    data = export.excel_bytes(payments, prov, lang="de", translate=False)
    back = pd.read_excel(io.BytesIO(data), skiprows=HEADER_ROWS, dtype={"note": "str"})
    pd.testing.assert_frame_equal(back, payments, check_dtype=False)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    block = [[c.value for c in row if c.value is not None] for row in sheet.iter_rows(max_row=HEADER_ROWS)]
    assert block == [
        ["Auszahlungen"],
        ["Stichtag", "30.06.2021"],
        ["Filter", "kind ∈ {abschlag}"],
        ["Quelle", SHOWN_SQL],
        ["Exportiert am", "28.11.2026 19:05"],
        [],
    ]


def test_excel_has_german_number_and_date_formats(payments):
    sheet = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(payments, lang="de", translate=False))).active
    header = [c.value for c in sheet[HEADER_ROWS + 1]]
    first = {name: cell for name, cell in zip(header, sheet[HEADER_ROWS + 2])}
    assert first["amount_eur"].value == 40000
    assert first["amount_eur"].number_format == '#,##0 "€"'  # German Excel shows 40.000 €
    assert first["payment_date"].number_format == "DD.MM.YYYY"
    assert first["payment_date"].value == dt.datetime(2020, 11, 20)
    assert sheet.freeze_panes == f"A{HEADER_ROWS + 2}"


def test_excel_headers_are_translated_for_pages():
    frame = pd.DataFrame({"recipient_name": ["Stadt Eutin"], "granted_eur": [100000.5], "paid_pct": [40.0]})
    sheet = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(frame, lang="de"))).active
    assert [c.value for c in sheet[HEADER_ROWS + 1]] == ["Zuwendungsempfänger", "Bewilligt", "Ausgezahlt (%)"]
    money, share = sheet[HEADER_ROWS + 2][1], sheet[HEADER_ROWS + 2][2]
    assert money.number_format == '#,##0.00 "€"' and share.number_format == '#,##0.0 "%"'


def test_parquet_reads_back_equal(payments):
    back = pd.read_parquet(io.BytesIO(export.parquet_bytes(payments)))
    pd.testing.assert_frame_equal(back, payments, check_dtype=False)


def test_formula_looking_values_are_neutralised(hostile):
    sheet = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(hostile, lang="de"))).active
    titles = [row[0] for row in sheet.iter_rows(min_row=HEADER_ROWS + 2, values_only=True)]
    assert titles == ["'=HYPERLINK(\"http://evil.example\",\"klick\")", "'+49 431 988", "'-1+2", "'@SUM(A1:A2)",
                      "Kiel"]
    cells = [row[0] for row in sheet.iter_rows(min_row=HEADER_ROWS + 2)]
    assert {c.data_type for c in cells} == {"s"}  # never "f" (formula)
    back = pd.read_csv(io.BytesIO(export.csv_bytes(hostile, lang="de")), sep=";", decimal=",", encoding="utf-8-sig")
    assert back.iloc[:, 0].tolist() == titles
    assert back.iloc[:, 1].tolist() == [100000.0, 85000.0, 1234567.0, 0.0, 90000.0]
    # money stays a number: a negative amount is not text and is not touched
    assert export.neutralise(-5.0) == -5.0


def test_header_block_is_neutralised_too():
    prov = export.Provenance(title="=cmd|' /C calc'!A0", source="-- comment\nselect 1")
    sheet = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(pd.DataFrame({"a": [1]}), prov, lang="de"))).active
    assert sheet["A1"].value == "'=cmd|' /C calc'!A0" and sheet["A1"].data_type == "s"
    assert sheet["B4"].value.startswith("'--")


def test_every_table_offers_csv_and_excel_and_analysts_parquet_and_the_query(app):
    at = app(role="leitung", page="pages/mittel.py", stichtag="2021-06-30")
    keys = {button.key for button in at.get("download_button")}
    assert {"mittel_kreise_csv", "mittel_kreise_xlsx"} <= keys
    # the Leitung sees neither query names nor Parquet
    assert not any(key.endswith("_parquet") for key in keys)
    assert not any("Abfrage" in c.value or "Parquet" in c.value for c in at.caption)
    at = app(role="analyse", page="pages/mittel.py", stichtag="2021-06-30")
    keys = {button.key for button in at.get("download_button")}
    assert {"mittel_kreise_csv", "mittel_kreise_xlsx", "mittel_kreise_parquet"} <= keys
    assert "Quelle: Abfrage `funds_by_kreis`" in [c.value for c in at.caption]


def test_excel_cuts_a_table_longer_than_a_sheet_and_says_so(monkeypatch):
    # a sheet holds 1,048,576 rows; on a 40-row sheet 8 rows go to the header block (5 lines, the note, a blank
    # line, the column headers), so 32 of 100 rows fit
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 40)
    frame = pd.DataFrame({"payment_id": [f"Z-{i:04d}" for i in range(100)], "amount_eur": [1000.0] * 100})
    sheet = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(frame, lang="de", translate=False))).active
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[5] == ["Gekürzt", "Ein Excel-Blatt fasst höchstens 1.048.576 Zeilen: hier stehen die ersten 32 "
                                  "von 100. Die vollständige Tabelle enthält der CSV-Download."]
    assert rows[7] == ["payment_id", "amount_eur"]
    assert [r[0] for r in rows[8:]] == [f"Z-{i:04d}" for i in range(32)]
    assert sheet.max_row == 40


def test_csv_and_excel_hold_every_row_of_a_long_table():
    frame = pd.DataFrame({"payment_id": pd.Series([f"Z-{i}" for i in range(30_000)], dtype="string"),
                          "amount_eur": [1234.5] * 30_000})
    lines = export.csv_bytes(frame, lang="de", translate=False).decode("utf-8-sig").splitlines()
    assert len(lines) == 30_001 and lines[-1] == "Z-29999;1234,5"
    back = pd.read_excel(io.BytesIO(export.excel_bytes(frame, lang="de", translate=False)), skiprows=HEADER_ROWS)
    assert len(back) == 30_000 and back["amount_eur"].sum() == 1234.5 * 30_000


def test_excel_keeps_types_and_writes_any_text_safely():
    frame = pd.DataFrame({
        "note": ["a & b <c>", "bell\x07and\x1bescape", None],
        "is_late": [True, False, True],
        "milestone_count": pd.array([3, None, 12], dtype="Int64"),
        "done_date": [dt.date(2021, 1, 29), None, dt.date(2022, 3, 31)],
        "share": [0.25, float("nan"), float("inf")],
    })
    sheet = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(frame, lang="en", translate=False))).active
    rows = list(sheet.iter_rows(min_row=HEADER_ROWS + 2, values_only=True))
    assert rows == [
        ("a & b <c>", True, 3, dt.datetime(2021, 1, 29), 0.25),
        ("bellandescape", False, None, None, None),
        (None, True, 12, dt.datetime(2022, 3, 31), None),
    ]
    assert sheet.cell(HEADER_ROWS + 2, 4).number_format == "YYYY-MM-DD"


def test_money_summed_in_floating_point_is_exported_to_the_cent():
    noisy = pd.DataFrame({"paid_eur": [0.1 + 0.2, 792800.0000000001, 33333.333333]})
    assert export.csv_bytes(noisy, "de").decode("utf-8-sig").splitlines() == [
        "Ausgezahlt", "0,3", "792800,0", "33333,33"]
    sheet = openpyxl.load_workbook(io.BytesIO(export.excel_bytes(noisy, lang="de"))).active
    assert [cell.value for cell in sheet["A"]][-3:] == [0.3, 792800, 33333.33]
