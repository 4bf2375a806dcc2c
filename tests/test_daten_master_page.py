"""The Daten page's two master-data kinds as programme staff use them: a "Liste der Vorhaben" becomes a programme
(figures, per Kreis, commit, history, the sidebar offers it; a newer list; a corrected column mapping), and a
Programm-Mappe (template, a problem by Blatt/Zeile/Spalte, fixed, commit, undo).

Figures of the Schleswig-Holstein list (tests/test_vorhaben.py, SH_ROWS), added up by hand: 8 operations,
12.116.001,00 €; Kiel 1.250.000,00 + 3.480.512,50 + 950.000,00 = 5.680.512,50 €. The newer list
(tests/test_vorhabenliste.py) drops Helgoland (487.937,50), raises Büsum by 37.700,00 (812.300 → 850.000) and adds
Schleswig (640.000,00): 12.305.763,50 €.
"""

import io

import openpyxl
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from monitor import vorhaben
from tests.test_vorhaben import csv_bytes, sh_file, xlsx_bytes
from tests.test_vorhabenliste import newer_sh_list


def texts(at) -> str:
    return "\n".join([e.value for e in at.markdown] + [e.value for e in at.success] + [e.value for e in at.info]
                     + [e.value for e in at.error] + [e.value for e in at.warning])


def open_kind(app, kind: str):
    at = app(role="datenpflege", page="pages/daten.py")
    at.segmented_control(key="daten_kind").set_value(kind).run()
    assert not at.exception
    return at


def upload(at, kind: str, data: bytes, name: str, round_: int = 0):
    at.file_uploader(key=f"daten_upload_{kind}_{round_}").set_value((name, data, "application/octet-stream"))
    at.run()
    assert not at.exception
    return at


def table(at, column: str):
    """The first table that has a column of this label."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_a_list_becomes_a_programme_and_a_newer_list_updates_it(app, fresh_db):
    at = open_kind(app, "vorhabenliste")
    at.text_input(key="vl_programme_id").set_value("efre-sh")
    at.text_input(key="vl_name").set_value("EFRE Schleswig-Holstein 2021–2027").run()
    at = upload(at, "vorhabenliste", sh_file("xlsx"), "liste-2023.xlsx")

    # Vorhaben, Begünstigte, förderfähige Gesamtausgaben; neu, geändert, entfallen, unverändert
    assert [m.value for m in at.metric] == ["8", "8", "12.116.001 €", "8", "0", "0", "0"]
    assert "Die Liste wird zum **neuen Programm** „EFRE Schleswig\\-Holstein 2021–2027“ (ID efre\\-sh)." in texts(at)
    kreise = table(at, "Kreis (AGS)")
    assert kreise.values.tolist() == [
        ["01002", "Kiel", 3, "5.680.512,50 €"], ["01054", "Nordfriesland", 1, "2.400.000,00 €"],
        ["01003", "Lübeck", 1, "1.730.250,25 €"], ["01001", "Flensburg", 1, "1.005.000,75 €"],
        ["01051", "Dithmarschen", 1, "812.300,00 €"], ["01056", "Pinneberg", 1, "487.937,50 €"]]
    assert not at.warning                                      # nothing outside the Land, nothing unplaced
    preview = table(at, "Bezeichnung")
    assert preview.iloc[0].tolist() == ["neu", "Programm", 4, "efre-sh", "EFRE Schleswig-Holstein 2021–2027"]
    assert "Keine Probleme. Übernehmen schreibt 23 neue Zeilen, ändert 0 und löscht 0" in texts(at)

    at.button(key="md_commit").click().run()
    assert not at.exception
    assert at.success[0].value == (
        "Import Nr. 1 übernommen: Programm „EFRE Schleswig\\-Holstein 2021–2027“ (efre\\-sh) mit 8 Vorhaben und "
        "12.116.001 € förderfähigen Gesamtausgaben angelegt. Links in der Seitenleiste unter „Programm“ lässt es "
        "sich auswählen.")
    history = at.dataframe[-1].value
    assert history.iloc[0, :6].tolist() == [1, "Liste der Vorhaben (EU)", "liste-2023.xlsx", 23, 23, 0]
    assert at.selectbox(key="programm").options == [
        "Wettbewerb Digitale Modellkommunen Schleswig-Holstein", "EFRE Schleswig-Holstein 2021–2027"]

    # the next list of the same programme: the ID is still there, the uploader is a new one
    # the next list of the same programme, a day later (AppTest loses the page's widget values over the commit's
    # st.rerun once the sidebar gains the programme selector; the browser keeps them, see
    # tests/e2e/test_daten_master_browser.py)
    at = open_kind(app, "vorhabenliste")
    at.text_input(key="vl_programme_id").set_value("efre-sh").run()
    assert at.text_input(key="vl_name").placeholder == "EFRE Schleswig-Holstein 2021–2027"
    at = upload(at, "vorhabenliste", newer_sh_list(), "liste-2024.csv")
    assert [m.value for m in at.metric] == ["8", "8", "12.305.763,50 €", "1", "1", "1", "6"]
    assert "Die Liste **aktualisiert das Programm** „EFRE Schleswig\\-Holstein 2021–2027“" in texts(at)
    preview = table(at, "Bezeichnung")
    assert preview[["Änderung", "Tabelle", "Bezeichnung"]].values.tolist()[:3] == [
        ["geändert", "Programm", "EFRE Schleswig-Holstein 2021–2027"],
        ["geändert", "Projekte", "Hafenpromenade Büsum"],
        ["gelöscht", "Projekte", "Seewasser-Wärmepumpe"]]
    assert preview["Geänderte Werte (vorher → nachher)"].iloc[1] == (
        "Zuwendung (EUR): 812.300 → 850.000; "
        "Quelle: Liste der Vorhaben liste-2023.xlsx → Liste der Vorhaben liste-2024.csv")
    at.button(key="md_commit").click().run()
    assert at.success[0].value.startswith("Import Nr. 2 übernommen: Programm „EFRE Schleswig\\-Holstein 2021–2027“ "
                                          "(efre\\-sh) aktualisiert, jetzt 8 Vorhaben und 12.305.763,50 €")


# a list whose term columns the reader cannot know by their headers ("Zeitraum A", "Zeitraum B")
ODD_HEADER = ["Begünstigter", "Vorhaben", "Förderfähige Ausgaben", "Zeitraum A", "Zeitraum B", "Standort"]
ODD_ROWS = [["Stadt Kiel", "Hafen", "100.000,00", "01.03.2023", "31.12.2024", "24103 Kiel"],
            ["Gemeinde Büsum", "Promenade", "50.000,50", "01.04.2023", "31.12.2025", "25761 Büsum"]]


def test_a_mapping_corrected_on_the_page_checks_again_and_is_saved_for_the_next_file(app, fresh_db):
    data = csv_bytes([ODD_HEADER] + ODD_ROWS)
    key = vorhaben.layout_key(vorhaben.read(data, "odd.csv"))
    at = open_kind(app, "vorhabenliste")
    at.text_input(key="vl_programme_id").set_value("efre-odd").run()
    at = upload(at, "vorhabenliste", data, "odd.csv")
    assert at.error[0].value.startswith("1 Fehler gefunden")
    assert table(at, "Begründung")["Begründung"].tolist() == [
        "Für jedes Vorhaben werden Beginn und Ende gebraucht (die Ampel misst die Laufzeit); keine Spalte bedeutet: "
        "Beginn, Ende. Kopfzeile (Zeile 1): „Begünstigter“, „Vorhaben“, „Förderfähige Ausgaben“, „Zeitraum A“, "
        "„Zeitraum B“, „Standort“. Bitte die Spalte auf der Seite zuordnen oder in der Datei ergänzen."]
    assert not [b for b in at.button if b.key == "md_commit"]

    start, end = at.selectbox(key=f"vl_map_{key}_start_date"), at.selectbox(key=f"vl_map_{key}_end_date")
    assert start.label == "Beginn" and start.value == "__none__"
    assert at.selectbox(key=f"vl_map_{key}_eligible_eur").label == "Gesamtbetrag der förderfähigen Ausgaben *"
    start.set_value("Zeitraum A")
    end.set_value("Zeitraum B").run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["2", "2", "150.000,50 €", "2", "0", "0", "0"]
    assert table(at, "Kreis (AGS)").values.tolist() == [["01002", "Kiel", 1, "100.000,00 €"],
                                                        ["01051", "Dithmarschen", 1, "50.000,50 €"]]
    # choosing a column for one field takes it from the field that had it
    at.selectbox(key=f"vl_map_{key}_summary").set_value("Vorhaben").run()
    assert at.selectbox(key=f"vl_map_{key}_operation").value == "__none__"
    assert any("Name des Vorhabens" in r for r in table(at, "Begründung")["Begründung"])
    at.button(key=f"vl_reset_{key}").click().run()
    assert at.selectbox(key=f"vl_map_{key}_start_date").value == "__none__"

    start, end = at.selectbox(key=f"vl_map_{key}_start_date"), at.selectbox(key=f"vl_map_{key}_end_date")
    start.set_value("Zeitraum A")
    end.set_value("Zeitraum B").run()
    at.button(key=f"vl_save_{key}").click().run()
    assert not at.exception
    # the next file of the same layout (other rows) opens with the saved mapping and checks without a problem
    at = app(role="datenpflege", page="pages/daten.py")
    at.segmented_control(key="daten_kind").set_value("vorhabenliste").run()
    at.text_input(key="vl_programme_id").set_value("efre-odd").run()
    at = upload(at, "vorhabenliste", csv_bytes([ODD_HEADER] + ODD_ROWS[:1]), "odd-2.csv")
    assert at.selectbox(key=f"vl_map_{key}_start_date").value == "Zeitraum A"
    assert "Gespeicherte Zuordnung für Dateien dieses Aufbaus." in [c.value for c in at.caption]
    assert not at.error and [m.value for m in at.metric][:3] == ["1", "1", "100.000 €"]


def test_the_page_reads_a_list_once_for_its_mapping_and_check_and_not_again_for_a_corrected_mapping(
        app, fresh_db, monkeypatch):
    from tests.test_vorhabenliste import counted_reads

    data = csv_bytes([ODD_HEADER] + ODD_ROWS + [["Stadt Heide", "Markt", "20.000,00", "01.05.2023", "31.12.2024",
                                                 "25746 Heide"]])
    at = open_kind(app, "vorhabenliste")
    at.text_input(key="vl_programme_id").set_value("efre-einmal").run()
    reads = counted_reads(monkeypatch)
    at = upload(at, "vorhabenliste", data, "einmal.csv")
    assert at.error[0].value.startswith("1 Fehler gefunden")           # no column means Beginn and Ende
    assert reads == ["einmal.csv"]
    key = vorhaben.layout_key(vorhaben.read(data, "einmal.csv", rows=False))
    at.selectbox(key=f"vl_map_{key}_start_date").set_value("Zeitraum A")
    at.selectbox(key=f"vl_map_{key}_end_date").set_value("Zeitraum B").run()
    assert not at.exception and not at.error
    # Kiel 100.000,00 + Büsum 50.000,50 + Heide 20.000,00
    assert [m.value for m in at.metric][:3] == ["3", "3", "170.000,50 €"]
    assert reads == ["einmal.csv"]


PROGRAMME = [["Programm-ID", "Name (deutsch)", "Name (englisch)", "Fördergeber", "Budget (EUR)", "Start des Aufrufs",
              "Einsendeschluss", "Förderentscheidung", "Laufzeit von", "Laufzeit bis", "Ampel gelb ab Rückstand (%)",
              "Ampel rot ab Rückstand (%)", "Ampel rot ab Tagen Meilenstein-Verzug", "Berichtsintervall (Tage)",
              "Land (AGS)", "Betragsart"],
             ["kita-digital", "Kita digital", "Digital day care", "Land Schleswig-Holstein", "500.000,00", "01.09.2023",
              "30.11.2023", "15.12.2023", "01.01.2024", "31.12.2025", "20", "40", "90", "180", "01", "grant"]]
PROJECTS = [["Projekt-ID", "Programm-ID", "Empfänger-ID", "Titel", "Zuwendung (EUR)", "Bewilligt am", "Beginn", "Ende"],
            ["KD-01", "kita-digital", "dithmarschen", "Tablets für Kitas", "120.000,00", "15.12.2023", "01.01.2024",
             "31.12.2024"],
            ["KD-02", "kita-digital", "schleswig-flensburg", "WLAN in Kitas", "80.000,50", "15.12.2023", "01.02.2024",
             "31.02.2025"]]


@pytest.fixture
def served(monkeypatch):
    """Files the page hands to download buttons, by their download name."""
    files = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


def test_programm_mappe_template_then_a_problem_by_sheet_row_column_fixed_committed_undone(app, fresh_db, served):
    at = open_kind(app, "stammdaten")
    assert at.header[0].value == "1. Vorlage"
    workbook = openpyxl.load_workbook(io.BytesIO(served["Programm-Mappe.xlsx"]))
    assert workbook.sheetnames == [
        "Anleitung", "Programm", "Ziele", "Gebiete", "Empfänger", "Verbundmitglieder", "Bewerbungen",
        "Bewerbungsziele", "Kriterien", "Jury", "Bewertungen", "Projekte", "Projektziele", "Projektthemen",
        "Zahlungsplan", "Zahlungen", "Meilensteine", "Berichte", "Indikatoren", "Indikatorwerte", "Indikatorziele"]
    assert [c.value for c in workbook["Projekte"][1]] == [
        "Projekt-ID", "Programm-ID", "Bewerbungs-ID", "Empfänger-ID", "Titel", "Zuwendung (EUR)", "Eigenanteil (%)",
        "Bewilligt am", "Beginn", "Ende", "Illustrativ", "Quelle", "Zusammenfassung", "Kofinanzierungssatz (%)",
        "Standort"]

    bad = xlsx_bytes({"Programm": (PROGRAMME, []), "Projekte": (PROJECTS, [])})
    at = upload(at, "stammdaten", bad, "kita-digital.xlsx")
    assert at.error[0].value.startswith("1 Fehler gefunden")
    problems = at.dataframe[0].value
    assert problems.values.tolist() == [["Projekte", 3, "Ende", "31.02.2025", "Diesen Tag gibt es nicht."]]
    assert list(problems.columns) == ["Blatt", "Zeile", "Spalte", "Wert", "Begründung"]
    assert not [b for b in at.button if b.key == "md_commit"]

    fixed = [row[:] for row in PROJECTS]
    fixed[2][7] = "28.02.2025"
    good = xlsx_bytes({"Programm": (PROGRAMME, []), "Projekte": (fixed, [])})
    at = upload(at, "stammdaten", good, "kita-digital.xlsx")
    assert not at.error
    assert table(at, "Zeilen gelesen").values.tolist() == [["Programm", 1, 1, 0, 0, 0], ["Projekte", 2, 2, 0, 0, 0]]
    assert "Keine Probleme. Übernehmen schreibt 3 neue Zeilen, ändert 0 und löscht 0" in texts(at)
    at.button(key="md_commit").click().run()
    assert at.success[0].value == "Import Nr. 1 übernommen: 3 Zeilen. Alle Seiten zeigen ab sofort den neuen Stand."
    assert at.dataframe[-1].value.iloc[0, :4].tolist() == [1, "Stammdaten (Programm-Mappe)", "kita-digital.xlsx", 3]
    assert "Kita digital" in at.selectbox(key="programm").options

    # (AppTest drops the first widget event after the commit's st.rerun once the sidebar gained the programme
    # selector; one plain run first, as the browser's page has already settled)
    at.run()
    at.button(key="daten_undo").click().run()
    at.button(key="daten_undo_confirm").click().run()   # the undo asks first (tests/test_daten_consequences.py)
    assert at.success[0].value.startswith("Import Nr. 1 rückgängig gemacht")
    # one programme again: the sidebar has nothing to choose
    assert not [s for s in at.selectbox if s.key == "programm"]
