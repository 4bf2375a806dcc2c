"""Imports: German files of every flavour read alike, bad rows are named exactly, nothing is half-written, undo is
exact.

Expected figures come from data/demo: DM-04 is granted 85.000 € and has 25.500 € paid (Z-0007 17.000 €,
Z-0022 8.500 € Schlusszahlung), term 01.10.2020–30.09.2022; DM-05 is granted 100.000 € with 80.000 € paid
(Z-0006, Z-0017, Z-0021, no Schlusszahlung), term 01.10.2020–30.06.2022; DM-01's first payment is Z-0001
(20.11.2020, 40.000 €); DM-02 has its Schlusszahlung Z-0016.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from decimal import Decimal

import duckdb
import openpyxl
import pytest

from monitor import batches, checks, imports, readers, templates
from monitor.db import Database
from tests.conftest import ROOT

D = dt.date
PAYMENT_HEADER = "Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung"
# the rows every flavour of the payments file holds: special characters in the notes must survive
PAYMENTS = [
    ("DM-05", D(2023, 3, 15), Decimal("1234.56"), "Abschlag", "Größe € äöü ß"),
    ("DM-04", D(2022, 11, 30), Decimal("12345.67"), "abschlag", "Überweisung – Teilabruf „Kiel“"),
    ("DM-05", D(2023, 4, 1), Decimal("5000.00"), "Schlusszahlung", ""),
]
EXPECTED_ROWS = [
    ("DM-05", D(2023, 3, 15), Decimal("1234.56"), "abschlag", "Größe € äöü ß"),
    ("DM-04", D(2022, 11, 30), Decimal("12345.67"), "abschlag", "Überweisung – Teilabruf „Kiel“"),
    ("DM-05", D(2023, 4, 1), Decimal("5000.00"), "schlusszahlung", None),
]
DATA_TABLES = ("payment", "milestone", "progress_report")


# ---- helpers ------------------------------------------------------------------------------------------

def tables(path) -> dict[str, list[tuple]]:
    """Every table's full contents, sorted, through the process's own connection."""
    cur = Database.cursor(path)
    try:
        names = [r[0] for r in cur.execute(
            "select table_name from duckdb_tables() where not temporary order by 1").fetchall()]
        return {n: cur.execute(f"select * from {n} order by all").fetchall() for n in names}
    finally:
        cur.close()


def checksum(path) -> str:
    """SHA-256 over the contents of every table."""
    return hashlib.sha256(repr(sorted(tables(path).items())).encode()).hexdigest()


def payment_csv(encoding="utf-8", delimiter=";", numbers="de", dates="de", rows=PAYMENTS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(PAYMENT_HEADER.split(";"))
    for project, day, amount, kind, note in rows:
        amount_text = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") if numbers == "de" \
            else f"{amount:.2f}"
        day_text = day.strftime("%d.%m.%Y") if dates == "de" else day.isoformat()
        writer.writerow([project, day_text, amount_text, kind, note])
    return buffer.getvalue().encode(encoding)


def payment_xlsx(rows=PAYMENTS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(PAYMENT_HEADER.split(";"))
    for project, day, amount, kind, note in rows:
        sheet.append([project, day, float(amount), kind, note or None])   # real date and number cells
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def changes(report) -> list[tuple]:
    return [(c.values["project_id"], c.values["payment_date"], c.values["amount_eur"], c.values["kind"],
             c.values["note"]) for c in report.changes]


def imported_payments(path) -> list[tuple]:
    cur = Database.cursor(path)
    try:
        return cur.execute("select project_id, payment_date, amount_eur, kind, note from payment "
                           "where import_batch_id is not null order by payment_id").fetchall()
    finally:
        cur.close()


def problems(report) -> list[tuple]:
    return [(p.row, p.column, p.code) for p in report.problems]


# ---- the fixture matrix -------------------------------------------------------------------------------

MATRIX = [(e, d, n, f) for e in ("utf-8", "utf-8-sig", "cp1252") for d in (";", ",", "\t")
          for n in ("de", "en") for f in ("de", "iso")]


@pytest.mark.parametrize(("encoding", "delimiter", "numbers", "dates"), MATRIX,
                         ids=[f"{e}-{'tab' if d == chr(9) else d}-{n}-{f}" for e, d, n, f in MATRIX])
def test_every_flavour_reads_to_the_same_rows(encoding, delimiter, numbers, dates):
    data = payment_csv(encoding, delimiter, numbers, dates)
    report = checks.check(data, "zahlungen.csv", "payments")
    assert report.problems == []
    assert changes(report) == [(p, d, a, k.lower(), n or None) for p, d, a, k, n in PAYMENTS]


def test_cp1252_euro_sign_is_not_latin1():
    data = payment_csv("cp1252")
    assert b"\x80" in data                      # € in Windows-1252
    sheet = readers.read(data, "zahlungen.csv")
    assert sheet.encoding == "cp1252"
    assert sheet.rows[0][1][4] == "Größe € äöü ß"


def test_xlsx_with_real_date_cells_imports_the_same_rows(fresh_db):
    report = batches.commit(payment_xlsx(), "zahlungen.xlsx", "payments", who="test")
    assert report.problems == [] and report.batch_id == 1
    assert imported_payments(fresh_db) == EXPECTED_ROWS


def test_csv_commit_writes_exactly_the_rows_with_special_characters(fresh_db):
    report = batches.commit(payment_csv("cp1252", "\t", "de", "de"), "zahlungen.csv", "payments", who="datenpflege")
    assert report.batch_id == 1
    assert imported_payments(fresh_db) == EXPECTED_ROWS
    cur = Database.cursor(fresh_db)
    batch = cur.execute(
        "select kind, file_name, sha256, row_count, imported_by, undone_at from import_batch").fetchall()
    ids = [r[0] for r in cur.execute("select payment_id from payment where import_batch_id = 1 order by 1").fetchall()]
    cur.close()
    assert batch == [("payments", "zahlungen.csv", report.sha256, 3, "datenpflege", None)]
    assert ids == ["Z-1-1", "Z-1-2", "Z-1-3"]


def test_number_and_date_readers():
    assert readers.number("1.234,56") == Decimal("1234.56")
    assert readers.number("1234.56") == Decimal("1234.56")
    assert readers.number("40.000", "de") == Decimal("40000")    # German thousands dot, in a German file
    assert readers.number("40.000", "en") == Decimal("40")       # an English decimal point, in an English file
    assert readers.number("1,234.56") == Decimal("1234.56")
    assert readers.number("12,5 %") == Decimal("12.5")
    assert readers.number("1.234,56-") == Decimal("-1234.56")    # SAP's trailing minus
    assert readers.date("1.2.2021") == D(2021, 2, 1)
    assert readers.date("2021-06-30 00:00:00") == D(2021, 6, 30)
    assert readers.date(44377) == D(2021, 6, 30)                  # an Excel serial in a "Standard" cell
    for bad in ("2021/06/30", "30.06.21"):
        with pytest.raises(readers.ValueProblem):
            readers.date(bad)
    with pytest.raises(readers.ValueProblem) as caught:
        readers.number("40.000")                                 # nothing settles it: refused, not guessed
    assert (caught.value.code, caught.value.values) == ("ambiguous", {"german": Decimal("40000"),
                                                                      "english": Decimal("40.000")})


# ---- ambiguous numbers and foreign digits ------------------------------------------------------------

# each alone in a file, where no other number settles the convention: (input, German reading, English reading)
AMBIGUOUS = [
    ("1,500", "1,50 €", "1.500,00 €"),
    ("1.500", "1.500,00 €", "1,50 €"),
    ("40.000", "40.000,00 €", "40,00 €"),
    ("12,345", "12,345 €", "12.345,00 €"),
    ("999.999", "999.999,00 €", "999,999 €"),
    ("1.500 €", "1.500,00 €", "1,50 €"),
    ("2,000 EUR", "2,00 €", "2.000,00 €"),
    ("-1,500", "-1,50 €", "-1.500,00 €"),
]
FOREIGN_DIGITS = [
    ("١٬٥٠٠", "١", "ARABIC-INDIC DIGIT ONE"),
    ("١٢٣٤,٥٦", "١", "ARABIC-INDIC DIGIT ONE"),
    ("۱۲۳۴,۵۶", "۱", "EXTENDED ARABIC-INDIC DIGIT ONE"),
    ("१२३४,५६", "१", "DEVANAGARI DIGIT ONE"),
    ("１２３４,５６", "１", "FULLWIDTH DIGIT ONE"),
    ("1234,5６", "６", "FULLWIDTH DIGIT SIX"),
]


def one_payment(amount: str, date: str = "15.03.2023") -> bytes:
    return f"{PAYMENT_HEADER}\r\nDM-05;{date};{amount};Abschlag;\r\n".encode()


@pytest.mark.parametrize(("written", "german", "english"), AMBIGUOUS, ids=[a[0] for a in AMBIGUOUS])
def test_an_ambiguous_amount_is_refused_with_both_readings(written, german, english):
    report = checks.check(one_payment(written), "zahlung.csv", "payments")
    assert problems(report) == [(2, "Betrag (EUR)", "ambiguous")]
    assert report.problems[0].value == written
    assert report.problems[0].reason("de") == (
        f"Mehrdeutige Zahl: deutsch gelesen {german}, englisch gelesen {english}. Keine andere Zahl der Datei legt "
        f"die Schreibweise fest (wie 1.234,56 oder 1,234.56). Bitte eindeutig schreiben, z. B. mit zwei "
        f"Nachkommastellen (1.500,00 oder 1,50).")
    assert report.changes == []


def test_ambiguous_reason_in_english():
    report = checks.check(one_payment("1,500"), "zahlung.csv", "payments")
    assert report.problems[0].reason("en") == (
        "Ambiguous number: read the German way €1.50, the English way €1,500.00. No other number in the file "
        "settles the convention (such as 1.234,56 or 1,234.56). Please write it unambiguously, e.g. with two "
        "decimals (1.500,00 or 1,50).")


def test_other_rows_settle_the_convention():
    german = "\r\n".join([PAYMENT_HEADER, "DM-05;15.03.2023;1.500;Abschlag;", "DM-05;16.03.2023;1.234,56;Abschlag;",
                           "DM-04;30.11.2022;2.000;Abschlag;"]).encode()
    report = checks.check(german, "de.csv", "payments")
    assert report.problems == []
    assert [c.values["amount_eur"] for c in report.changes] == [Decimal("1500"), Decimal("1234.56"), Decimal("2000")]
    english = "\r\n".join([PAYMENT_HEADER, "DM-05;15.03.2023;1,500;Abschlag;",
                            "DM-05;16.03.2023;1,234.56;Abschlag;"]).encode()
    report = checks.check(english, "en.csv", "payments")
    assert report.problems == []
    assert [c.values["amount_eur"] for c in report.changes] == [Decimal("1500"), Decimal("1234.56")]
    # a decimal comma in the progress column settles the amounts of a reports file too (only ASCII digits)
    reports = "\r\n".join(["Projekt-ID;Berichtsdatum;Fortschritt (%);Status", "DM-04;31.10.2022;87,5;grün",
                            "DM-05;31.10.2022;1,5;gelb"]).encode()
    assert problems(checks.check(reports, "b.csv", "reports")) == []


def test_a_file_that_writes_numbers_both_ways_settles_nothing():
    data = "\r\n".join([PAYMENT_HEADER, "DM-05;15.03.2023;1.500;Abschlag;", "DM-05;16.03.2023;1,234.56;Abschlag;",
                         "DM-05;17.03.2023;2,50;Abschlag;"]).encode()
    report = checks.check(data, "gemischt.csv", "payments")
    assert problems(report) == [(2, "Betrag (EUR)", "ambiguous_mixed")]
    assert report.problems[0].reason("de") == (
        "Mehrdeutige Zahl: deutsch gelesen 1.500,00 €, englisch gelesen 1,50 €. Die Datei schreibt Zahlen auf beide "
        "Arten (Zeile 4: „2,50“ deutsch, Zeile 3: „1,234.56“ englisch) und legt die Schreibweise daher nicht fest. "
        "Bitte eindeutig schreiben, z. B. mit zwei Nachkommastellen (1.500,00 oder 1,50).")
    # the unambiguous rows are read as written
    assert [(c.row, c.values["amount_eur"]) for c in report.changes] == [(3, Decimal("1234.56")), (4, Decimal("2.50"))]


def test_an_ambiguous_text_cell_in_a_workbook_is_refused_too():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(PAYMENT_HEADER.split(";"))
    sheet.append(["DM-05", D(2023, 3, 15), "1,500", "Abschlag", None])     # text, not a number cell
    sheet.append(["DM-05", D(2023, 3, 16), 1500.0, "Abschlag", None])      # a number cell settles nothing
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = checks.check(buffer.getvalue(), "zahlungen.xlsx", "payments")
    assert problems(report) == [(2, "Betrag (EUR)", "ambiguous")]


@pytest.mark.parametrize(("written", "digit", "name"), FOREIGN_DIGITS, ids=[f[2] for f in FOREIGN_DIGITS])
def test_only_ascii_digits_count(written, digit, name):
    report = checks.check(one_payment(written), "zahlung.csv", "payments")
    assert problems(report) == [(2, "Betrag (EUR)", "foreign_digit")]
    assert report.problems[0].reason("de") == (
        f"Nur die Ziffern 0 bis 9 sind erlaubt; „{digit}“ ({name}) ist keine davon.")


def test_a_date_with_foreign_digits_is_refused():
    report = checks.check(one_payment("1.234,56", date="١٥.٠٣.٢٠٢٣"), "zahlung.csv", "payments")
    assert problems(report) == [(2, "Zahlungsdatum", "foreign_digit")]
    report = checks.check(one_payment("1.234,56", date="2023-03-١٥"), "zahlung.csv", "payments")
    assert problems(report) == [(2, "Zahlungsdatum", "foreign_digit")]


# ---- known bad rows -----------------------------------------------------------------------------------

BAD_PAYMENTS = "\r\n".join([
    PAYMENT_HEADER,
    "DM-05;15.03.2023;1.000,00;Abschlag;in Ordnung",     # 2 fine
    "DM-99;15.03.2023;100,00;Abschlag;",                 # 3 unknown project
    "DM-05;31.08.2020;100,00;Abschlag;",                 # 4 before the start (01.10.2020)
    "DM-05;01.07.2023;100,00;Abschlag;",                 # 5 after end + 365 days (30.06.2023)
    "DM-05;16.03.2023;-50,00;Abschlag;",                 # 6 negative
    "DM-05;16.03.2023;zwölf;Abschlag;",                  # 7 not a number
    "DM-05;;100,00;Abschlag;",                           # 8 date missing
    "DM-05;15.03.2023;1.000,00;Abschlag;nochmal",        # 9 duplicate of row 2
    "DM-01;20.11.2020;40.000,00;Abschlag;",              # 10 already recorded as Z-0001
    "DM-04;01.12.2022;60.000,00;Abschlag;",              # 11 25.500 + 60.000 > 85.000
    "DM-05;17.03.2023;100,00;Rückzahlung;",              # 12 unknown kind
    "DM-05;32.01.2023;100,00;Abschlag;",                 # 13 no such day
    "DM-02;18.03.2022;100,00;Schlusszahlung;",           # 14 second final payment (Z-0016)
]).encode("cp1252")

BAD_EXPECTED = [
    (3, "Projekt-ID", "unknown_project"),
    (4, "Zahlungsdatum", "before_start"),
    (5, "Zahlungsdatum", "after_end"),
    (6, "Betrag (EUR)", "negative"),
    (7, "Betrag (EUR)", "not_a_number"),
    (8, "Zahlungsdatum", "required"),
    (9, None, "duplicate_in_file"),
    (10, None, "duplicate_payment"),
    (11, "Betrag (EUR)", "beyond_grant"),
    (12, "Art", "unknown_payment_kind"),
    (13, "Zahlungsdatum", "no_such_date"),
    (14, "Art", "second_final"),
]


def test_bad_rows_yield_exactly_those_errors_and_change_nothing(fresh_db):
    before = checksum(fresh_db)
    report = batches.commit(BAD_PAYMENTS, "zahlungen.csv", "payments", who="test")
    assert problems(report) == BAD_EXPECTED
    assert report.batch_id is None
    assert checksum(fresh_db) == before
    reasons = {p.row: p.reason("de") for p in report.problems}
    assert reasons[5] == ("Das Datum liegt nach dem 30.06.2023: Die Laufzeit endet am 30.06.2022, danach sind nur "
                          "365 Tage für Schlusszahlung und Abschlussberichte erlaubt.")
    assert reasons[10] == "Bereits erfasst: Die Zahlung Z-0001 hat gleiches Projekt, Datum, Betrag und Art."
    assert reasons[11] == "Mit dieser Zahlung wären 85.500,00 € ausgezahlt, mehr als die Bewilligung von 85.000 €."
    assert reasons[14] == "Das Projekt hat schon eine Schlusszahlung (Z-0016)."
    values = {p.row: p.value for p in report.problems}
    assert values[6] == "-50,00" and values[7] == "zwölf" and values[12] == "Rückzahlung"


def test_file_level_problems():
    def codes(data, name="x.csv", kind="payments"):
        return [(p.row, p.column, p.code) for p in checks.check(data, name, kind).problems]

    assert codes(b"", "x.csv") == [(None, None, "read.empty")]
    assert codes(b"x" * (readers.MAX_BYTES + 1)) == [(None, None, "read.too_large")]
    assert codes(b"%PDF-1.4", "beleg.pdf") == [(None, None, "read.file_type")]
    assert codes(b"\xd0\xcf\x11\xe0old", "alt.xls") == [(None, None, "read.old_excel")]
    assert codes(payment_xlsx(), "makro.xlsm") == [(None, None, "read.macros")]
    assert codes(payment_xlsx(), "getarnt.csv") == [(None, None, "read.excel_as_csv")]
    assert codes(b"not a zip", "kaputt.xlsx") == [(None, None, "read.not_xlsx")]
    assert codes(b"Projekt-ID;Betrag (EUR)\r\nDM-05;1,00\r\n") == [
        (1, "Zahlungsdatum", "missing_column"), (1, "Art", "missing_column")]
    assert codes(PAYMENT_HEADER.encode() + b"\r\n") == [(None, None, "no_rows")]
    # a decimal comma in a comma-separated file without quotes splits the amount
    assert codes(b"project_id,payment_date,amount_eur,kind,note\nDM-05,2023-03-15,1234,56,abschlag,x\n") == [
        (2, None, "too_many_fields")]


def test_too_many_rows_are_refused_before_checking():
    lines = [PAYMENT_HEADER] + ["DM-05;15.03.2023;1,00;Abschlag;"] * (readers.MAX_ROWS + 1)
    report = checks.check("\n".join(lines).encode(), "gross.csv", "payments")
    assert problems(report) == [(None, None, "read.too_many_rows")]


def test_zip_bomb_is_refused_without_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(readers.MAX_XLSX_UNPACKED // len(block) + 1):
                member.write(block)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024                     # small upload, huge content
    with pytest.raises(readers.ReadError) as caught:
        readers.read(data, "bombe.xlsx")
    assert caught.value.code == "xlsx_bomb"


def test_formula_cells_are_refused_by_row_and_column():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(PAYMENT_HEADER.split(";"))
    sheet.append(["DM-05", D(2023, 3, 15), "=1000+234.56", "Abschlag", "Formel"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = checks.check(buffer.getvalue(), "formel.xlsx", "payments")
    assert problems(report) == [(2, "Betrag (EUR)", "formula")]
    assert report.problems[0].value == "=1000+234.56"


# ---- atomicity ----------------------------------------------------------------------------------------

def many_payments(count: int) -> bytes:
    # distinct (date, amount) pairs for DM-05: 1..5 € on consecutive days, well inside its 20.000 € headroom
    lines = [PAYMENT_HEADER]
    for n in range(count):
        day = D(2020, 10, 1) + dt.timedelta(days=n // 5)
        lines.append(f"DM-05;{day:%d.%m.%Y};{n % 5 + 1},00;Abschlag;Zeile {n}")
    return "\r\n".join(lines).encode()


def test_a_crash_midway_leaves_the_database_unchanged(fresh_db, tmp_path):
    before = checksum(fresh_db)
    Database.close_all()                                # the CLI needs the file for itself
    path = tmp_path / "viele.csv"
    path.write_bytes(many_payments(4000))              # two chunks; the process dies after the first
    env = dict(os.environ, MONITOR_DB=str(fresh_db), **{batches.CRASH_ENV: str(batches.CHUNK_ROWS)})
    result = subprocess.run([sys.executable, "-m", "monitor.imports", str(path), "--kind", "payments"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 70, result.stderr
    assert checksum(fresh_db) == before


def test_an_exception_midway_rolls_back(fresh_db, monkeypatch):
    before = checksum(fresh_db)

    def fail(rows_written):
        raise RuntimeError("Absturz mitten im Import")

    monkeypatch.setattr(batches, "_after_chunk", fail)
    with pytest.raises(RuntimeError):
        batches.commit(many_payments(10), "zehn.csv", "payments", who="test")
    assert checksum(fresh_db) == before


def test_reimport_is_a_no_op_and_undo_allows_it_again(fresh_db):
    data = payment_csv()
    first = batches.commit(data, "zahlungen.csv", "payments", who="test")
    after_first = checksum(fresh_db)
    again = batches.commit(data, "kopie.csv", "payments", who="test")
    assert again.already["import_batch_id"] == first.batch_id and again.batch_id is None
    assert checksum(fresh_db) == after_first
    batches.undo(first.batch_id, who="test")
    assert batches.commit(data, "zahlungen.csv", "payments", who="test").batch_id == 2


def test_undo_restores_every_table_exactly(fresh_db):
    before = tables(fresh_db)
    batch = batches.commit(payment_csv(), "zahlungen.csv", "payments", who="test").batch_id
    assert tables(fresh_db)["payment"] != before["payment"]
    assert batches.undo(batch, who="admin") == 3
    after = tables(fresh_db)
    for name in before:
        if name not in ("import_batch", "import_change"):
            assert after[name] == before[name], name
    cur = Database.cursor(fresh_db)
    undone_by = cur.execute("select undone_by from import_batch where import_batch_id = ?", [batch]).fetchone()[0]
    cur.close()
    assert undone_by == "admin"
    with pytest.raises(batches.ImportRefused) as caught:
        batches.undo(batch, who="admin")
    assert caught.value.code == "already_undone"


# ---- milestones and reports ---------------------------------------------------------------------------

MILESTONES = "\r\n".join([
    "Projekt-ID;Meilenstein-ID;Titel;Plandatum;Erledigt am;Status",
    "DM-04;M-04-9;Übergabe der Datenplattform an den Betrieb;30.09.2022;;offen",
    "DM-04;M-04-3;Abschlussbericht;30.09.2022;15.11.2022;erledigt",
    "DM-05;M-05-4;Digitale Agenda beschlossen;30.06.2022;20.02.2023;erledigt",
]).encode("utf-8-sig")


def test_milestones_insert_update_and_undo_restores_the_before_image(fresh_db):
    before = tables(fresh_db)
    report = batches.commit(MILESTONES, "meilensteine.csv", "milestones", who="test")
    assert [(c.row, c.action) for c in report.changes] == [(2, "insert"), (3, "unchanged"), (4, "update")]
    cur = Database.cursor(fresh_db)
    rows = cur.execute("select milestone_id, title, planned_date, done_date, is_illustrative, source, import_batch_id "
                       "from milestone where milestone_id in ('M-04-9', 'M-05-4') order by 1").fetchall()
    cur.close()
    # an update changes title and dates and records the batch; provenance stays as it was
    assert rows == [
        ("M-04-9", "Übergabe der Datenplattform an den Betrieb", D(2022, 9, 30), None, False,
         "Import meilensteine.csv", 1),
        ("M-05-4", "Digitale Agenda beschlossen", D(2022, 6, 30), D(2023, 2, 20), True,
         "Beschluss 02/2023: Projektseite Digitale Agenda Flensburg; Tag und Plantermin illustrativ", 1),
    ]
    assert batches.undo(report.batch_id, who="test") == 2
    assert tables(fresh_db)["milestone"] == before["milestone"]


def test_undo_of_an_earlier_batch_waits_for_the_later_one(fresh_db):
    before = tables(fresh_db)["milestone"]
    first = batches.commit(MILESTONES, "a.csv", "milestones", who="test").batch_id
    done = "Projekt-ID;Meilenstein-ID;Titel;Plandatum;Erledigt am\r\n" \
           "DM-04;M-04-9;Übergabe der Datenplattform an den Betrieb;30.09.2022;10.10.2022\r\n"
    second = batches.commit(done.encode(), "b.csv", "milestones", who="test").batch_id
    with pytest.raises(batches.ImportRefused) as caught:
        batches.undo(first, who="test")
    assert caught.value.code == "later_batch" and caught.value.values["later"] == str(second)
    batches.undo(second, who="test")
    batches.undo(first, who="test")
    assert tables(fresh_db)["milestone"] == before


def test_milestone_problems():
    data = "\r\n".join([
        "project_id,milestone_id,title,planned_date,done_date,status",
        "DM-04,M-04-8,Entfällt,2022-06-30,,entfallen",
        "DM-04,M-04-7,Fertig ohne Datum,2022-06-30,,erledigt",
        "DM-04,M-04-6,Offen mit Datum,2022-06-30,2022-07-01,offen",
        "DM-05,M-04-1,Fremder Meilenstein,2022-06-30,,",
        "DM-04,M-04-6,Doppelt,2022-06-30,,",
        "DM-04,M-04-5,Ohne Plan,,,",
    ]).encode()
    report = checks.check(data, "m.csv", "milestones")
    assert problems(report) == [
        (2, "status", "cancelled_unsupported"),
        (3, "done_date", "done_without_date"),
        (4, "status", "open_with_date"),
        (5, "milestone_id", "milestone_other_project"),
        (6, "milestone_id", "duplicate_milestone_in_file"),
        (7, "planned_date", "required"),
    ]


def test_reports_with_german_status_and_their_problems(fresh_db):
    data = "\r\n".join([
        "Projekt-ID\tBerichtsdatum\tFortschritt (%)\tStatus\tZusammenfassung",
        "DM-04\t31.10.2022\t95\tgrün\tÜbergabe vorbereitet",
        "DM-05\t31.10.2022\t87,5\tGelb\t",
    ]).encode("cp1252")
    report = batches.commit(data, "berichte.txt", "reports", who="test")
    assert report.batch_id == 1
    cur = Database.cursor(fresh_db)
    rows = cur.execute("select report_id, project_id, report_date, progress_pct, status, summary from progress_report "
                       "where import_batch_id = 1 order by report_id").fetchall()
    cur.close()
    assert rows == [("R-1-1", "DM-04", D(2022, 10, 31), Decimal("95.0"), "green", "Übergabe vorbereitet"),
                    ("R-1-2", "DM-05", D(2022, 10, 31), Decimal("87.5"), "amber", None)]
    bad = "\r\n".join([
        "Projekt-ID;Berichtsdatum;Fortschritt (%);Status;Zusammenfassung",
        "DM-04;30.11.2022;101;grün;",
        "DM-04;30.11.2022;50;blau;",
        "DM-01;29.01.2021;10;grün;schon da",
        "DM-04;31.10.2022;96;rot;gleicher Tag wie eben importiert",
    ]).encode()
    assert problems(checks.check(bad, "b.csv", "reports")) == [
        (2, "Fortschritt (%)", "progress_range"),
        (3, "Status", "unknown_report_status"),
        (4, "Berichtsdatum", "duplicate_report"),
        (5, "Berichtsdatum", "duplicate_report"),
    ]


# ---- command line -------------------------------------------------------------------------------------

def cli(*args, db=None, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    if db:
        env["MONITOR_DB"] = str(db)
    return subprocess.run([sys.executable, "-m", "monitor.imports", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_exit_codes(fresh_db, tmp_path):
    Database.close_all()
    good, bad = tmp_path / "gut.csv", tmp_path / "schlecht.csv"
    good.write_bytes(payment_csv("cp1252"))
    bad.write_bytes(BAD_PAYMENTS)
    before = checksum(fresh_db)
    Database.close_all()

    dry = cli(good, "--kind", "payments", "--dry-run", db=fresh_db)
    assert dry.returncode == 0 and "3 Zeilen gelesen: 3 neu" in dry.stdout and "Probelauf" in dry.stdout
    refused = cli(bad, "--kind", "payments", db=fresh_db)
    assert refused.returncode == 1
    assert "Zeile 11, Spalte „Betrag (EUR)“, Wert „60.000,00“: Mit dieser Zahlung wären 85.500,00 €" in refused.stdout
    assert checksum(fresh_db) == before
    Database.close_all()
    assert cli(good, "--kind", "payments", db=fresh_db).returncode == 0
    again = cli(good, "--kind", "payments", db=fresh_db)
    assert again.returncode == 0 and "bereits als Import Nr. 1" in again.stdout
    assert cli(tmp_path / "fehlt.csv", "--kind", "payments", db=fresh_db).returncode == 2


def test_cli_explains_a_locked_database(fresh_db, tmp_path):
    path = tmp_path / "gut.csv"
    path.write_bytes(payment_csv())
    Database.connection(fresh_db)                       # this process plays the running app
    result = cli(path, "--kind", "payments", db=fresh_db)
    assert result.returncode == 3
    assert "Bitte die App beenden" in result.stderr and "Traceback" not in result.stderr


def test_templates_are_read_back_as_empty_files():
    for kind in templates.KINDS:
        for german in (True, False):
            for name, data in (("v.csv", templates.template_csv(kind, german)),
                               ("v.xlsx", templates.template_xlsx(kind, german))):
                assert problems(checks.check(data, name, kind)) == [(None, None, "no_rows")], (kind, name)


def test_duckdb_lock_error_is_recognised():
    assert batches.lock_message(duckdb.IOException('Could not set lock on file "x": Conflicting lock'),
                                ROOT / "x") is not None


def test_invisible_and_control_characters_are_refused_by_row_and_column():
    # a right-to-left override shows "Abnahme\u202e3202" as "Abnahme 2023"; zero-width and control characters hide
    # inside a text; a quoted line break would start a Markdown heading (rows are physical lines, so that record is
    # row 5); a tab is whitespace and stays
    rows = [
        ("DM-04", "M-04-6", "Abnahme\u202e3202"),
        ("DM-04", "M-04-7", "Fertig\u200bstellung"),
        ("DM-04", "M-04-8", '"Titel\n# H"'),
        ("DM-04", "M-04-9", "Glocke\x07"),
        ("DM-04\u2066", "M-04-10", "Schreibrichtung in der ID"),
        ("DM-04", "M-04-11", "Weiches\u00adTrennzeichen"),
        ("DM-04", "M-04-12", "Mit\tTabulator"),
    ]
    data = "\r\n".join(["Projekt-ID;Meilenstein-ID;Titel;Plandatum"]
                       + [f"{p};{m};{title};30.06.2022" for p, m, title in rows]).encode()
    report = checks.check(data, "m.csv", "milestones")
    assert [(p.row, p.column, p.value, p.reason()) for p in report.problems] == [
        (2, "Titel", "Abnahme[U+202E]3202", "Unsichtbares Steuerzeichen U+202E (Schreibrichtung) – bitte entfernen."),
        (3, "Titel", "Fertig[U+200B]stellung", "Unsichtbares Zeichen U+200B (Breite null) – bitte entfernen."),
        (5, "Titel", "Titel[U+000A]# H",
         "Zeilenumbruch U+000A im Text – ein Feld muss in einer Zeile stehen; bitte entfernen."),
        (6, "Titel", "Glocke[U+0007]", "Unsichtbares Steuerzeichen U+0007 – bitte entfernen."),
        (7, "Projekt-ID", "DM-04[U+2066]", "Unsichtbares Steuerzeichen U+2066 (Schreibrichtung) – bitte entfernen."),
        (8, "Titel", "Weiches[U+00AD]Trennzeichen", "Unsichtbares Steuerzeichen U+00AD – bitte entfernen."),
    ]
    assert [(c.row, c.values["title"]) for c in report.changes] == [(9, "Mit\tTabulator")]
    assert problems(checks.check(payment_csv(rows=[("DM-05", D(2023, 3, 15), Decimal("1234.56"), "Abschlag",
                                                     "Bank\u061cüberweisung")]), "z.csv", "payments")) == [
        (2, "Bemerkung", "char_bidi")]
    english = checks.check(data, "m.csv", "milestones").problems[0].reason("en")
    assert english == "Invisible control character U+202E (text direction) – please remove it."
    assert "  FEHLER Zeile 2, Spalte „Titel“, Wert „Abnahme[U+202E]3202“: Unsichtbares Steuerzeichen U+202E " \
           "(Schreibrichtung) – bitte entfernen." in imports.format_report(report)
