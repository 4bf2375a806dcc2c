"""A "Liste der Vorhaben" becomes a programme: five published shapes as CSV and xlsx, EUR per Kreis worked out by
hand from the rows in tests/test_vorhaben.py, a newer list updating the programme, undo, places outside the Land
or nowhere, the command line's JSON."""

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from monitor import batches, db, vorhabenliste
from tests.conftest import ROOT
from tests.test_vorhaben import (
    SH_FOOT,
    SH_HEADER,
    SH_ROWS,
    SH_TITLE,
    csv_bytes,
    en_file,
    iso_file,
    sh_file,
    short_file,
    two_file,
    xlsx_bytes,
)

D = Decimal
# EUR per Kreis (AGS) of each shape, added up by hand from its rows (operations in brackets)
EXPECTED = {
    # SH: Kiel 1.250.000 + 3.480.512,50 + 950.000 (24103, 24118, D-24103); Büsum → Dithmarschen; Husum →
    # Nordfriesland; Helgoland → Pinneberg
    sh_file: ("01", {"01001": D("1005000.75"), "01002": D("5680512.50"), "01003": D("1730250.25"),
                     "01051": D("812300.00"), "01054": D("2400000.00"), "01056": D("487937.50")}),
    # Sachsen, US numbers: Dresden three operations
    en_file: ("14", {"14511": D("742118"), "14524": D("318940"), "14612": D("10015440"), "14625": D("2000500"),
                     "14713": D("1250000")}),
    # place only, numbers as cells: Rendsburg-Eckernförde two operations
    iso_file: ("01", {"01003": D("3000000"), "01004": D("1200000"), "01054": D("250000.50"), "01057": D("87654.25"),
                      "01058": D("1044999.99")}),
    # misspelt headers, sum row 2.700.000 skipped: Nordfriesland two operations
    short_file: ("01", {"01051": D("420500.50"), "01054": D("794249.50"), "01055": D("310000.00"),
                        "01058": D("1100000.00"), "01059": D("75250.00")}),
    # two header rows, several sheets
    two_file: ("01", {"01001": D("2000000.00"), "01051": D("1200000.00"), "01060": D("3300000.00"),
                      "01061": D("4500000.00"), "01062": D("650000.00")}),
}


def per_kreis(report) -> dict:
    return {ags: D(kreis["eur"]) for ags, kreis in report.summary["eur_by_kreis"].items()}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("shape", list(EXPECTED), ids=lambda f: f.__name__)
def test_every_shape_gives_the_eur_per_kreis_worked_out_by_hand(fresh_db, shape, kind):
    report = batches.check(shape(kind), f"liste.{kind}", "vorhabenliste", {"programme_id": "efre-x"})
    assert report.ok, [p.reason() for p in report.problems]
    land, expected = EXPECTED[shape]
    assert report.summary["land_id"] == land
    assert per_kreis(report) == expected
    assert D(report.summary["total_eur"]) == sum(expected.values())
    assert report.summary["outside_land"] == [] and report.summary["unplaced"] == []


def programme_rows(path, programme_id):
    con = db.Database.cursor(path)
    try:
        return {
            "programme": con.execute("select * from programme where programme_id = ?", [programme_id]).fetchall(),
            "project": con.execute("select * from project where programme_id = ? order by all",
                                   [programme_id]).fetchall(),
            "theme": con.execute("select t.* from project_theme t join project using (project_id) "
                                 "where programme_id = ? order by all", [programme_id]).fetchall(),
        }
    finally:
        con.close()


def newer_sh_list() -> bytes:
    rows = [list(r) for r in SH_ROWS]
    rows[2][5] = "850.000,00"                       # Büsum: more eligible expenditure
    del rows[7]                                     # Helgoland: no longer listed
    rows.append(["Stadt Schleswig", "Radweg an der Schlei", "Neuer Radweg", "01.06.2024", "31.05.2026",
                 "640.000,00", "40,00 %", "24837 Schleswig", "Deutschland", "083 - Fahrradinfrastruktur"])
    return csv_bytes(SH_TITLE + [SH_HEADER] + rows + SH_FOOT, ";", "cp1252")


def test_commit_a_newer_list_and_undo(fresh_db):
    options = {"programme_id": "efre-sh", "name": "EFRE Schleswig-Holstein 2021–2027"}
    first = batches.commit(sh_file("xlsx"), "liste-2023.xlsx", "vorhabenliste", "datenpflege", options=options)
    assert first.batch_id == 1
    con = db.Database.cursor(fresh_db)
    programme = con.execute("select name_de, land_id, grant_basis, budget_eur, term_start_date, term_end_date "
                            "from programme where programme_id = 'efre-sh'").fetchone()
    kiel = con.execute("select sum(granted_eur), count(*) from project join applicant using (applicant_id) "
                       "where programme_id = 'efre-sh' and applicant.kreis_id = '01002'").fetchone()
    no_application = con.execute("select count(*) from project where programme_id = 'efre-sh' "
                                 "and application_id is null").fetchone()[0]
    con.close()
    assert programme[:4] == ("EFRE Schleswig-Holstein 2021–2027", "01", "eligible_cost", D("12116001.00"))
    assert str(programme[4]) == "2022-01-01" and str(programme[5]) == "2027-12-31"
    assert kiel == (D("5680512.50"), 3) and no_application == 8
    before = programme_rows(fresh_db, "efre-sh")

    check = batches.check(newer_sh_list(), "liste-2024.csv", "vorhabenliste", {"programme_id": "efre-sh"})
    assert check.summary["changes"] == {"new": 1, "changed": 1, "removed": 1, "unchanged": 6}
    second = batches.commit(newer_sh_list(), "liste-2024.csv", "vorhabenliste", "datenpflege",
                            options={"programme_id": "efre-sh"})
    after = programme_rows(fresh_db, "efre-sh")
    titles = sorted(row[4] for row in after["project"])
    assert len(titles) == 8 and "Seewasser-Wärmepumpe" not in titles and "Radweg an der Schlei" in titles
    assert sum(row[5] for row in after["project"]) == D("12116001.00") - D("487937.50") + D("37700.00") + D("640000.00")

    batches.undo(second.batch_id, "datenpflege")
    assert programme_rows(fresh_db, "efre-sh") == before
    batches.undo(first.batch_id, "datenpflege")
    assert programme_rows(fresh_db, "efre-sh") == {"programme": [], "project": [], "theme": []}


def test_a_removed_operation_with_payments_stays(fresh_db):
    batches.commit(sh_file("csv"), "liste.csv", "vorhabenliste", "datenpflege", options={"programme_id": "efre-sh"})
    con = db.Database.cursor(fresh_db)
    helgoland = con.execute("select project_id from project where title = 'Seewasser-Wärmepumpe'").fetchone()[0]
    con.close()
    payments = f"Projekt-ID;Zahlungsdatum;Betrag (EUR);Art\n{helgoland};15.06.2023;50.000,00;Abschlag\n".encode()
    paid = batches.commit(payments, "zahlungen.csv", "payments", "datenpflege")
    assert paid.batch_id == 2
    report = batches.check(newer_sh_list(), "neu.csv", "vorhabenliste", {"programme_id": "efre-sh"})
    assert report.summary["changes"]["removed"] == 0
    assert [n.reason() for n in report.notes if n.code == "vl.kept_removed"] == [
        "Das Vorhaben „Seewasser-Wärmepumpe“ fehlt in der neuen Liste, hat aber Zahlungen, Meilensteine oder "
        "Berichte; es bleibt erhalten."]
    # and the first list cannot be undone while the payment needs its project
    with pytest.raises(batches.ImportRefused) as refused:
        batches.undo(1, "datenpflege")
    assert refused.value.message() == (
        f"Import Nr. 1 kann nicht rückgängig gemacht werden: „{helgoland}“ wird inzwischen von der Tabelle payment "
        f"gebraucht (ein späterer Import). Bitte zuerst diesen rückgängig machen.")


PLACES_HEADER = ["Begünstigter", "Vorhaben", "Förderfähige Ausgaben", "Beginn", "Ende", "Standort"]
PLACES_ROWS = [
    ["Stadt Kiel", "Hafen", "100.000,00", "01.01.2022", "31.12.2023", "24103 Kiel"],
    ["Hamburg Port Authority", "Elbvertiefung Süd", "200.000,00", "01.01.2022", "31.12.2023", "20457 Hamburg"],
    ["Land Schleswig-Holstein", "Landesportal", "300.000,00", "01.01.2022", "31.12.2023", "landesweit"],
    ["Verein Atlantis e.V.", "Inselbahn", "400.000,00", "01.01.2022", "31.12.2023", "Atlantis"],
]


def test_rows_outside_the_land_and_unplaced_rows_are_listed_not_dropped(fresh_db):
    data = csv_bytes([PLACES_HEADER] + PLACES_ROWS)
    report = batches.check(data, "orte.csv", "vorhabenliste", {"programme_id": "efre-orte", "land_id": "01"})
    assert report.ok
    assert per_kreis(report) == {"01": D("700000.00"), "01002": D("100000.00"), "02000": D("200000.00")}
    assert report.summary["outside_land"] == [
        {"row": 3, "beneficiary": "Hamburg Port Authority", "kreis_id": "02000", "kreis": "Hamburg"}]
    assert report.summary["unplaced"] == [
        {"row": 5, "beneficiary": "Verein Atlantis e.V.", "location": "Atlantis", "reason": "PLZ und Ort unbekannt",
         "reason_code": "unknown"}]
    # a federal programme cannot book an unplaced operation to a Land: refused with row and column
    federal = batches.check(data, "orte.csv", "vorhabenliste", {"programme_id": "efre-orte", "land_id": None})
    assert federal.problems[1].reason("en") == (
        "No district found (postcode and place unknown); in a federal programme the operation cannot be booked to a "
        "Land either. Please add postcode and place.")
    assert [(p.row, p.column, p.reason()) for p in federal.problems] == [
        (4, "Standort", "Kein Kreis gefunden (landesweit, ohne ein Land zu nennen); bei einem Bundesprogramm lässt "
                        "sich das Vorhaben auch keinem Land zuordnen. Bitte PLZ und Ort ergänzen."),
        (5, "Standort", "Kein Kreis gefunden (PLZ und Ort unbekannt); bei einem Bundesprogramm lässt sich das "
                        "Vorhaben auch keinem Land zuordnen. Bitte PLZ und Ort ergänzen.")]


def test_the_command_line_prints_the_summary_as_json(fresh_db, tmp_path):
    path = tmp_path / "liste.xlsx"
    path.write_bytes(en_file("xlsx"))
    done = subprocess.run([sys.executable, "-m", "monitor.imports", str(path), "--kind", "vorhabenliste",
                           "--programme", "esf-sn", "--db", str(fresh_db), "--dry-run", "--json"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["ok"] is True and summary["batch"] is None
    assert (summary["rows"], summary["projects"], summary["land_id"]) == (7, 7, "14")
    assert {k: D(v) for k, v in summary["eur_by_kreis"].items()} == EXPECTED[en_file][1]
    assert summary["projects_by_kreis"]["14612"] == 3
    assert summary["outside_land"] == [] and summary["problems"] == []


def test_a_missing_programme_id_is_refused(fresh_db):
    report = batches.check(sh_file("csv"), "liste.csv", "vorhabenliste", {})
    assert [p.reason() for p in report.problems] == [
        "Programm-ID fehlt oder ist ungültig: 2 bis 40 Zeichen, Kleinbuchstaben, Ziffern und Bindestriche "
        "(z. B. efre-sh-2021)."]


def test_a_saved_mapping_is_found_for_the_next_file_of_the_same_layout(fresh_db):
    rows = SH_TITLE + [SH_HEADER] + SH_ROWS[:3]
    first, second = xlsx_bytes({"A": (rows, [])}), csv_bytes(SH_TITLE + [SH_HEADER] + SH_ROWS[3:])
    assert vorhabenliste.mapping_for(second, "b.csv", vorhabenliste.saved_mappings(fresh_db)) is None
    mapping = {"beneficiary": SH_HEADER[0], "operation": SH_HEADER[1], "eligible_eur": SH_HEADER[5]}
    from monitor import vorhaben
    vorhabenliste.save_mapping(fresh_db, vorhaben.layout_key(vorhaben.read(first, "a.xlsx")), mapping)
    assert vorhabenliste.mapping_for(second, "b.csv", vorhabenliste.saved_mappings(fresh_db)) == mapping


def counted_reads(monkeypatch) -> list[str]:
    """The file names readers.read_grids is asked to read (the bytes of a list), in order."""
    from monitor import readers

    calls, original = [], readers.read_grids

    def counting(data, file_name):
        calls.append(file_name)
        return original(data, file_name)

    monkeypatch.setattr(readers, "read_grids", counting)
    return calls


def test_the_command_line_reads_the_list_once_for_its_saved_mapping_and_the_check(fresh_db, tmp_path, monkeypatch,
                                                                                    capsys):
    from monitor import audit, imports, vorhaben

    # "Zeitraum A/B" mean no field by their headers: the check needs the mapping saved for this layout
    header = ["Begünstigter", "Vorhaben", "Förderfähige Ausgaben", "Zeitraum A", "Zeitraum B", "Standort"]
    rows = [["Stadt Kiel", "Hafen am Ostufer", "100.000,00", "01.03.2023", "31.12.2024", "24103 Kiel"],
            ["Gemeinde Büsum", "Promenade", "50.000,50", "01.04.2023", "31.12.2025", "25761 Büsum"]]
    mapping = {"beneficiary": "Begünstigter", "operation": "Vorhaben", "eligible_eur": "Förderfähige Ausgaben",
               "start_date": "Zeitraum A", "end_date": "Zeitraum B", "location": "Standort"}
    vorhabenliste.save_mapping(fresh_db, vorhaben.layout_key(vorhaben.read(csv_bytes([header] + rows[:1]), "a.csv")),
                               mapping)
    path = tmp_path / "zeitraum.csv"
    path.write_bytes(csv_bytes([header] + rows))
    monkeypatch.setenv("MONITOR_ROLE", "datenpflege")
    monkeypatch.setattr(audit, "_actor", audit._actor)      # the command line names its actor: undone afterwards
    reads = counted_reads(monkeypatch)
    code = imports.main([str(path), "--kind", "vorhabenliste", "--programme", "efre-zeit", "--db", str(fresh_db),
                         "--dry-run", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["problems"] == []
    assert summary["mapping"] == mapping and (summary["projects"], summary["total_eur"]) == (2, "150000.50")
    assert reads == ["zeitraum.csv"]


def test_a_list_without_dates_is_refused_once_naming_the_missing_fields(fresh_db):
    data = csv_bytes([["Begünstigter", "Vorhaben", "Förderfähige Ausgaben", "Standort"],
                      ["Stadt Kiel", "Hafen", "100.000,00", "24103 Kiel"]])
    report = batches.check(data, "ohne.csv", "vorhabenliste", {"programme_id": "efre-alt"})
    assert [p.reason() for p in report.problems] == [
        "Für jedes Vorhaben werden Beginn und Ende gebraucht (die Ampel misst die Laufzeit); keine Spalte bedeutet: "
        "Beginn, Ende. Kopfzeile (Zeile 1): „Begünstigter“, „Vorhaben“, „Förderfähige "
        "Ausgaben“, „Standort“. Bitte die Spalte auf der Seite zuordnen oder in der Datei ergänzen."]


def test_an_operation_of_the_2014_to_2020_period_is_taken(fresh_db):
    data = csv_bytes([PLACES_HEADER, ["Stadt Kiel", "Hafen", "100.000,00", "01.03.2014", "31.12.2016", "24103 Kiel"]])
    report = batches.check(data, "alt.csv", "vorhabenliste", {"programme_id": "efre-2014"})
    assert report.ok, [p.reason() for p in report.problems]


def test_the_mittel_page_lists_the_money_its_map_cannot_show(fresh_db, app):
    data = csv_bytes([PLACES_HEADER] + PLACES_ROWS)
    assert batches.commit(data, "orte.csv", "vorhabenliste", "datenpflege",
                          options={"programme_id": "efre-orte", "land_id": "01"}).batch_id == 1
    at = app(role="leitung", page="pages/mittel.py", programm="efre-orte", stichtag="2023-12-31")
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "2 Gebiete liegen nicht auf der Karte des Landes (ein Kreis eines anderen Landes, oder landesweit gebuchte "
        "Vorhaben ohne Kreis); ihre 900.000 € förderfähigen Gesamtausgaben stehen hier:"]
    table = next(d.value for d in at.dataframe if "Kreis (AGS)" in d.value.columns)
    assert table["Kreis (AGS)"].tolist() == ["01", "02000"]
    assert table["Kreis"].tolist() == ["Schleswig-Holstein", "Hamburg"]


# the headers of the EU's own templates, word for word (Reg. 1303/2013 Annex XII, Reg. 2021/1060 Art. 49(3))
TEMPLATE_2014 = ["Name des Begünstigten", "Bezeichnung des Vorhabens", "Zusammenfassung des Vorhabens",
                 "Datum des Beginns des Vorhabens", "Datum des Endes des Vorhabens",
                 "Gesamtbetrag der förderfähigen Ausgaben", "Unions-Kofinanzierungssatz (pro Prioritätsachse)",
                 "Postleitzahl des Vorhabens; oder andere angemessene Standortindikatoren", "Land",
                 "Bezeichnung der Interventionskategorie für das Vorhaben",
                 "Datum der letzten Aktualisierung der Liste der Vorhaben"]
TEMPLATE_2021 = ["Name des Begünstigten (nur bei juristischen Personen)", "Bezeichnung des Vorhabens",
                 "Zweck des Vorhabens und seine erwarteten oder tatsächlichen Ergebnisse", "Anfangsdatum des Vorhabens",
                 "Voraussichtliches oder tatsächliches Abschlussdatum des Vorhabens", "Gesamtkosten des Vorhabens",
                 "Betreffender Fonds", "Betreffendes spezifisches Ziel", "Unionskofinanzierungssatz",
                 "Standortindikator oder Geolokalisierung für das Vorhaben", "Betreffendes Land",
                 "Art der Intervention", "Datum der letzten Aktualisierung"]
TEMPLATE_2014_EN = ["Beneficiary name", "Operation name", "Operation summary", "Operation start date",
                    "Operation end date", "Total eligible expenditure allocated to the operation",
                    "Union co-financing rate, as per priority axis",
                    "Operation postcode; or other appropriate location indicator", "Country",
                    "Name of category of intervention for the operation",
                    "Date of last update of the list of operations"]


@pytest.mark.parametrize("header", [TEMPLATE_2014, TEMPLATE_2014_EN], ids=["de", "en"])
def test_the_2014_2020_template_with_postcodes_only(fresh_db, header):
    rows = [["Stadt Kiel", "Hafen", "Kaikante", "01.03.2016", "31.12.2018", "100.000,00", "50 %", "24103",
             "Deutschland", "034 Sonstige Straßen", "31.12.2020"],
            ["Hochschule Flensburg", "Labor", "Geräte", "01.04.2016", "31.03.2019", "250.000,50", "50 %", 24943,
             "Deutschland", "002 Forschung", "31.12.2020"],
            ["Gemeinde Büsum", "Promenade", "Weg", "01.05.2017", "30.04.2019", "80.000,00", "50 %", "D-25761",
             "Deutschland", "092 Tourismus", "31.12.2020"]]
    report = batches.check(xlsx_bytes({"Liste": ([header] + rows, [])}), "liste.xlsx", "vorhabenliste",
                           {"programme_id": "efre-2014"})
    assert report.ok, [p.reason() for p in report.problems]
    assert per_kreis(report) == {"01001": D("250000.50"), "01002": D("100000.00"), "01051": D("80000.00")}


def test_the_2021_2027_template(fresh_db):
    rows = [["Stadt Kiel", "Hafen", "Kaikante", "01.03.2022", "31.12.2024", "100.000,00", "EFRE", "RSO2.1", "40 %",
             "24103 Kiel", "Deutschland", "001 Investitionen", "31.12.2023"],
            ["Kreis Nordfriesland", "Breitband", "Glasfaser", "01.04.2023", "31.03.2027", "2.400.000,00", "EFRE",
             "RSO1.5", "40 %", "25813 Husum", "Deutschland", "033 Breitband", "31.12.2023"]]
    report = batches.check(csv_bytes([TEMPLATE_2021] + rows), "liste.csv", "vorhabenliste", {"programme_id": "efre-21"})
    assert report.ok, [p.reason() for p in report.problems]
    assert per_kreis(report) == {"01002": D("100000.00"), "01054": D("2400000.00")}


def test_published_text_with_soft_hyphens_and_line_breaks_is_taken_as_one_clean_line(fresh_db):
    rows = [["Stadt\u00adwerke Kiel", "Wärme\u200bspeicher", "Zeile eins\nZeile zwei", "01.03.2022", "31.12.2024",
             "100.000,00", "24103 Kiel"]]
    data = xlsx_bytes({"L": ([["Begünstigter", "Vorhaben", "Zusammenfassung", "Beginn", "Ende",
                               "Förderfähige Ausgaben", "Standort"]] + rows, [])})
    report = batches.commit(data, "l.xlsx", "vorhabenliste", "datenpflege", options={"programme_id": "efre-text"})
    assert report.ok, [p.reason() for p in report.problems]
    cur = db.Database.cursor(fresh_db)
    assert cur.execute("select applicant.name, title, summary from project join applicant using (applicant_id) "
                       "where programme_id = 'efre-text'").fetchall() == [
        ("Stadtwerke Kiel", "Wärmespeicher", "Zeile eins Zeile zwei")]
    cur.close()


def test_a_crash_inside_the_commit_leaves_the_database_as_it_was(fresh_db, tmp_path):
    import os

    from tests.test_imports import checksum

    before = checksum(fresh_db)
    db.Database.close_all()                                # the command line needs the file for itself
    path = tmp_path / "liste.xlsx"
    path.write_bytes(sh_file("xlsx"))
    env = dict(os.environ, MONITOR_DB=str(fresh_db), **{batches.CRASH_ENV: "2"})
    done = subprocess.run([sys.executable, "-m", "monitor.imports", str(path), "--kind", "vorhabenliste",
                           "--programme", "efre-sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 70, done.stderr         # died after the programme and recipients, before the projects
    assert checksum(fresh_db) == before
