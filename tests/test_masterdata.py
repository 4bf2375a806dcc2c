"""A programme's master data from a Programm-Mappe or CSV per table: the demo as a workbook gives the same database
as the build, every problem by sheet, row and column, updates and deletions of link rows, undo, the journal."""

import csv
import io
import shutil

import openpyxl
import pytest

from monitor import batches, db, masterdata
from tests.conftest import ROOT

PROGRAMME_TABLES = [t for t in masterdata.LOADABLE if t != "region"]


def demo_workbook(lang="de") -> bytes:
    """The demo's CSVs as one Programm-Mappe: a sheet per table, German headers, the values as written."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in masterdata.LOADABLE:
        with open(db.DEMO_DIR / f"{table}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        sheet = book.create_sheet(masterdata.sheet_name(table, lang))
        sheet.append([masterdata.header(table, name, lang) if name != "import_batch_id" else name for name in rows[0]])
        for row in rows[1:]:
            sheet.append([value if value != "" else None for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_rows(path, tables) -> dict:
    cur = db.Database.cursor(path)
    try:
        return {t: cur.execute(f"select * exclude (import_batch_id) from {t} order by all").fetchall()
                if t in ("payment", "milestone", "progress_report") else
                cur.execute(f"select * from {t} order by all").fetchall() for t in tables}
    finally:
        cur.close()


@pytest.fixture
def regions_only(tmp_path, monkeypatch):
    """A database with the Länder and Kreise of Germany and no programme (built from an empty folder)."""
    empty = tmp_path / "leer"
    empty.mkdir()
    path = tmp_path / "monitor.duckdb"
    db.build(path, empty)
    monkeypatch.setenv("MONITOR_DB", str(path))
    yield path
    db.Database.close_all()


def test_the_demo_as_a_programm_mappe_gives_the_same_database_as_the_build(regions_only, pristine_db):
    data = demo_workbook()
    report = batches.commit(data, "Programm-Mappe.xlsx", "stammdaten", "admin")
    assert report.ok, [(p.sheet, p.row, p.column, p.reason()) for p in report.problems[:5]]
    assert report.batch_id == 1
    assert {s.table: s.changes.get("insert", 0) for s in report.tables} == {
        "programme": 1, "goal": 6, "region": 48, "applicant": 42, "applicant_member": 27, "application": 42,
        "application_goal": 119, "criterion": 6, "juror": 5, "score": 1050, "project": 9, "project_goal": 31,
        "project_theme": 48, "planned_payment": 26, "payment": 25, "milestone": 30, "progress_report": 38,
        "indicator": 7, "indicator_value": 8, "indicator_target": 4}
    # the demo's 64 regions of Schleswig-Holstein: its 48 Städte and Gemeinden are new; the Land and its 15 Kreise
    # get the demo's population and area
    region = next(s for s in report.tables if s.table == "region")
    assert (region.rows, region.changes.get("update")) == (64, 16)
    shutil.copy(pristine_db, regions_only.with_name("pristine.duckdb"))
    built = table_rows(regions_only.with_name("pristine.duckdb"), masterdata.LOADABLE)
    imported = table_rows(regions_only, masterdata.LOADABLE)
    assert {t: len(v) for t, v in imported.items()} == {t: len(v) for t, v in built.items()}
    differing = [t for t in masterdata.LOADABLE if imported[t] != built[t]]
    # only the source column of rows whose source the CSV left to the import differs: none in the demo
    assert differing == []


def test_the_template_has_an_instruction_sheet_and_a_sheet_per_table():
    book = openpyxl.load_workbook(io.BytesIO(masterdata.template_xlsx("de")), read_only=True)
    assert book.sheetnames == [
        "Anleitung", "Programm", "Ziele", "Gebiete", "Empfänger", "Verbundmitglieder", "Bewerbungen",
        "Bewerbungsziele", "Kriterien", "Jury", "Bewertungen", "Projekte", "Projektziele", "Projektthemen",
        "Zahlungsplan", "Zahlungen", "Meilensteine", "Berichte", "Indikatoren", "Indikatorwerte", "Indikatorziele"]
    header = [c.value for c in next(book["Projekte"].iter_rows(max_row=1))]
    assert header == ["Projekt-ID", "Programm-ID", "Bewerbungs-ID", "Empfänger-ID", "Titel", "Zuwendung (EUR)",
                      "Eigenanteil (%)", "Bewilligt am", "Beginn", "Ende", "Illustrativ", "Quelle",
                      "Zusammenfassung", "Kofinanzierungssatz (%)", "Standort"]
    assert [c.value for c in next(book["Empfänger"].iter_rows(max_row=1))][-2:] == ["PLZ", "Ort"]


def small_mappe(changes: dict | None = None) -> bytes:
    """A programme without a competition: two recipients placed by postcode and place, two projects."""
    sheets = {
        "Programm": [["Programm-ID", "Name (deutsch)", "Fördergeber", "Budget (EUR)", "Start des Aufrufs",
                      "Einsendeschluss", "Förderentscheidung", "Laufzeit von", "Laufzeit bis",
                      "Ampel gelb ab Rückstand (%)", "Ampel rot ab Rückstand (%)",
                      "Ampel rot ab Tagen Meilenstein-Verzug", "Berichtsintervall (Tage)", "Land (AGS)"],
                     ["klima-sh", "Klimaschutz in Kommunen", "MEKUN", "500.000,00", "01.02.2023", "30.04.2023",
                      "15.06.2023", "01.07.2023", "30.06.2025", 20, 40, 90, 180, "01"]],
        "Empfänger": [["Empfänger-ID", "Name", "Art", "PLZ", "Ort"],
                      ["heide", "Stadt Heide", "stadt", "25746", "Heide"],
                      ["reinbek", "Stadt Reinbek", "stadt", "21465", "Reinbek"]],
        "Projekte": [["Projekt-ID", "Empfänger-ID", "Titel", "Zuwendung (EUR)", "Bewilligt am", "Beginn", "Ende"],
                     ["KS-1", "heide", "LED-Straßenlicht", "120.000,00", "15.06.2023", "01.07.2023", "31.12.2024"],
                     ["KS-2", "reinbek", "Wärmeplan", "80.000,00", "15.06.2023", "01.08.2023", "30.06.2025"]],
        "Zahlungsplan": [["Projekt-ID", "Geplant am", "Betrag (EUR)"],
                         ["KS-1", "01.10.2023", "60.000,00"], ["KS-1", "01.06.2024", "60.000,00"],
                         ["KS-2", "01.12.2023", "80.000,00"]],
        "Projektthemen": [["Projekt-ID", "Thema"], ["KS-1", "Beleuchtung"], ["KS-2", "Wärmeplanung"]],
    }
    for (sheet, row, column), value in (changes or {}).items():
        if value is None:
            del sheets[sheet][row]
        else:
            sheets[sheet][row][column] = value
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_every_problem_is_named_by_sheet_row_and_column_and_nothing_is_written(fresh_db):
    data = small_mappe({("Projekte", 1, 3): "zwölf", ("Projekte", 2, 1): "niemand",
                          ("Programm", 1, 8): "01.01.2023", ("Empfänger", 2, 4): "Atlantis",
                          ("Empfänger", 2, 3): ""})
    report = batches.check(data, "mappe.xlsx", "stammdaten")
    assert [(p.sheet, p.row, p.column, p.value, p.reason()) for p in report.problems] == [
        ("Programm", 2, "Laufzeit bis", "01.01.2023 / 01.07.2023",
         "Regel verletzt: („Laufzeit bis“ > „Laufzeit von“) und („Laufzeit bis“ <= 31.12.2040)."),
        ("Empfänger", 3, "Ort", "Atlantis",
         "Kein Kreis gefunden: PLZ und Ort unbekannt. Bitte PLZ und Ort prüfen oder den Kreis (AGS) angeben."),
        ("Projekte", 2, "Zuwendung (EUR)", "zwölf", "Keine Zahl. Erlaubt sind z. B. 1.234,56 oder 1234.56."),
        ("Projekte", 3, "Empfänger-ID", "niemand", "Unbekannt: weder in der Datenbank noch in der Datei (Empfänger)."),
    ]
    assert not report.ok and report.write_count == 0
    cur = db.Database.cursor(fresh_db)
    assert cur.execute("select count(*) from programme").fetchone() == (1,)
    cur.close()


def test_commit_update_delete_and_undo_restore_exactly(fresh_db):
    before = table_rows(fresh_db, PROGRAMME_TABLES)
    data = small_mappe()
    first = batches.commit(data, "mappe.xlsx", "stammdaten", "admin")
    assert first.ok and first.batch_id == 1
    cur = db.Database.cursor(fresh_db)
    placed = cur.execute("select applicant_id, kreis_id, region_id from applicant where applicant_id in "
                         "('heide', 'reinbek') order by 1").fetchall()
    project = cur.execute("select application_id, programme_id, granted_eur::varchar from project "
                          "where project_id = 'KS-1'").fetchone()
    cur.close()
    # Heide → Dithmarschen; 21465 spans two Kreise, Reinbek decides: Stormarn
    assert placed == [("heide", "01051", "01051"), ("reinbek", "01062", "01062")]
    assert project == (None, "klima-sh", "120000.00")
    assert batches.commit(data, "kopie.xlsx", "stammdaten", "admin").already["import_batch_id"] == 1

    after_first = table_rows(fresh_db, PROGRAMME_TABLES)
    # the next version: a new title, KS-1's second planned payment gone (its plan now one payment of 60.000 €)
    changed = small_mappe({("Projekte", 1, 2): "LED-Straßenbeleuchtung", ("Zahlungsplan", 2, 0): None})
    second = batches.commit(changed, "mappe-v2.xlsx", "stammdaten", "admin")
    assert {s.table: {k: v for k, v in s.changes.items() if v} for s in second.tables} == {
        "programme": {"same": 1}, "applicant": {"same": 2}, "project": {"update": 1, "same": 1},
        "project_theme": {"same": 2}, "planned_payment": {"same": 2, "delete": 1}}
    cur = db.Database.cursor(fresh_db)
    assert cur.execute("select count(*), sum(amount_eur)::varchar from planned_payment where project_id = 'KS-1'"
                       ).fetchone() == (1, "60000.00")
    cur.close()
    batches.undo(second.batch_id, "admin")
    assert table_rows(fresh_db, PROGRAMME_TABLES) == after_first
    batches.undo(first.batch_id, "admin")
    assert table_rows(fresh_db, PROGRAMME_TABLES) == before


def test_a_rebuild_replays_master_data_imports_from_the_journal(fresh_db):
    batches.commit(small_mappe(), "mappe.xlsx", "stammdaten", "admin")
    batches.commit(small_mappe({("Projekte", 1, 2): "Neu"}), "mappe-v2.xlsx", "stammdaten", "admin")
    imported = table_rows(fresh_db, PROGRAMME_TABLES)
    db.Database.close_all()
    db.build(fresh_db)
    assert table_rows(fresh_db, PROGRAMME_TABLES) == imported


def test_one_csv_per_table_is_named_by_its_file(fresh_db):
    data = b"Ziel-ID;Programm-ID;Bezeichnung (deutsch)\nklima;dmk-sh;Klimaschutz\n"
    report = batches.commit(data, "Ziele.csv", "stammdaten", "admin")
    assert report.ok and [{k: v for k, v in s.changes.items() if v} for s in report.tables] == [{"insert": 1}]
    cur = db.Database.cursor(fresh_db)
    # the English label and the order were left out: filled in from the German one and the row
    assert cur.execute("select label_en, sort_order, source from goal where goal_id = 'klima'").fetchone() == (
        "Klimaschutz", 1, "Programm-Mappe Ziele.csv")
    cur.close()
    unknown = batches.check(data.replace(b"klima", b"wasser"), "liste.csv", "stammdaten")
    assert [p.reason() for p in unknown.problems] == [
        "„liste.csv“ ist keine Tabelle der Programm-Mappe. Erlaubt sind: Programm, Ziele, Gebiete, Empfänger, "
        "Verbundmitglieder, Bewerbungen, Bewerbungsziele, Kriterien, Jury, Bewertungen, Projekte, Projektziele, "
        "Projektthemen, Zahlungsplan, Zahlungen, Meilensteine, Berichte, Indikatoren, Indikatorwerte, "
        "Indikatorziele. Bitte die Datei (oder das Blatt) so nennen wie die Tabelle."]


def test_the_command_line_imports_a_mappe(fresh_db, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "mappe.xlsx"
    path.write_bytes(small_mappe())
    done = subprocess.run([sys.executable, "-m", "monitor.imports", str(path), "--kind", "stammdaten",
                           "--db", str(fresh_db)], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        "  Programm: 1 Zeilen gelesen, 1 neu, 0 geändert, 0 gelöscht, 0 unverändert",
        "  Empfänger: 2 Zeilen gelesen, 2 neu, 0 geändert, 0 gelöscht, 0 unverändert",
        "  Projekte: 2 Zeilen gelesen, 2 neu, 0 geändert, 0 gelöscht, 0 unverändert",
        "  Projektthemen: 2 Zeilen gelesen, 2 neu, 0 geändert, 0 gelöscht, 0 unverändert",
        "  Zahlungsplan: 3 Zeilen gelesen, 3 neu, 0 geändert, 0 gelöscht, 0 unverändert",
        "Übernommen als Import Nr. 1 (10 Zeilen).",
    ]
