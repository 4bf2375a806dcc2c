"""The steward's round trip in a real browser: upload a bad file, see the errors, upload the fixed one, commit,
see the Übersicht change, undo. Paid by 31.03.2023 in the demo data: 792.800 €; the file adds 15.000 € for DM-05.
"""

BAD = ("Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
       "DM-05;15.03.2023;15.000,00;Schlusszahlung;Schlusszahlung – Flensburg\r\n"
       "DM-99;15.03.2023;-5;Abschlag;\r\n").encode("cp1252")
GOOD = ("Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
        "DM-05;15.03.2023;15.000,00;Schlusszahlung;Schlusszahlung – Flensburg\r\n").encode("cp1252")


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_upload_commit_uebersicht_undo(server_as, tab, tmp_path):
    view = tab(server_as("datenpflege"))
    page = view.open("daten")
    assert "Noch keine Importe." in main_text(page)

    # Streamlit's English line under the drop zone is hidden; the page's German caption gives its limit and types
    assert not page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').is_visible()
    assert "höchstens 10 MB je Datei · CSV, TSV, TXT, XLSX" in main_text(page)
    assert "Höchstens 10 MB und 50.000 Zeilen." in main_text(page)

    bad, good = tmp_path / "zahlungen_fehler.csv", tmp_path / "zahlungen.csv"
    bad.write_bytes(BAD)
    good.write_bytes(GOOD)
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.set_input_files(str(bad))
    page.get_by_text("2 Fehler gefunden").wait_for(timeout=60_000)
    view.settle()
    # the table of errors is a canvas grid (its cells are checked in tests/test_daten_page.py)
    assert "Fehler nach Zeile und Spalte" in main_text(page)
    assert page.get_by_role("button", name="Import übernehmen").count() == 0
    view.screenshot("daten_fehler")

    uploader.set_input_files(str(good))
    page.get_by_text("Keine Fehler: 1 neue").wait_for(timeout=60_000)
    view.settle()
    page.get_by_role("button", name="Import übernehmen").click()
    page.get_by_text("Import Nr. 1 übernommen").wait_for(timeout=60_000)
    view.settle()
    assert "Import rückgängig machen" in main_text(page)
    view.screenshot("daten_importiert")

    page = view.open("")
    assert "807.800 €" in main_text(page)

    page = view.open("daten")
    # it asks first (test_daten_consequences_browser)
    page.get_by_role("button", name="Rückgängig machen …").click()
    page.get_by_role("button", name="Ja, Import Nr. 1 rückgängig machen").click()
    page.get_by_text("Import Nr. 1 rückgängig gemacht").wait_for(timeout=60_000)
    view.settle()
    assert "rückgängig gemacht" in main_text(page)

    page = view.open("")
    assert "792.800 €" in main_text(page)
    assert view.exceptions() == 0
    assert view.external == []
