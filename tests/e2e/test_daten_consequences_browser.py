"""In a real browser the Daten page says what a file does before it is committed, and the undo asks first.

Figures from data/demo on the Stichtag 31.10.2021 (worked out in tests/test_daten_consequences.py): DM-05 Stadt
Flensburg has 30.000 € paid and 80.000 € planned (red); 20.000 € on 15.10.2021 make 50.000 € (amber). DM-04
Landeshauptstadt Kiel's 10.000 € on 15.11.2021 lie after the Stichtag: 27.000 € of 85.000 € then, still red.
"""

FILE = ("Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
        "DM-05;15.10.2021;20.000,00;Abschlag;\r\n"
        "DM-04;15.11.2021;10.000,00;Abschlag;\r\n").encode("cp1252")


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_effect_line_after_stichtag_note_and_undo_confirmation(server_as, tab, tmp_path):
    view = tab(server_as("datenpflege"))
    page = view.open("daten?stichtag=2021-10-31")
    path = tmp_path / "zahlungen.csv"
    path.write_bytes(FILE)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("Wirkung am Stichtag 31.10.2021").wait_for(timeout=60_000)
    view.settle()
    text = main_text(page)
    assert ("Zeile 2, DM-05 Stadt Flensburg: danach 50.000,00 € von 100.000 € ausgezahlt, 80.000 € bis dahin "
            "geplant; Ampel wird gelb (bisher rot)") in text
    assert ("Zeile 3, DM-04 Landeshauptstadt Kiel: ab 15.11.2021 27.000,00 € von 85.000 € ausgezahlt, 68.000 € bis "
            "dahin geplant; Ampel bleibt rot") in text
    assert "1 Zeile liegt nach dem Stichtag 31.10.2021 und erscheint erst ab ihrem Datum" in text
    page.get_by_text("Wirkung am Stichtag 31.10.2021").scroll_into_view_if_needed()
    view.screenshot("daten_wirkung")

    page.get_by_role("button", name="Import übernehmen").click()
    page.get_by_text("Import Nr. 1 übernommen").wait_for(timeout=60_000)
    view.settle()
    text = main_text(page)
    assert ("Import Nr. 1 übernommen: 2 Zeilen. Am Stichtag 31.10.2021 zeigen die Seiten 1 davon; 1 liegen danach und "
            "erscheinen erst ab ihrem Datum.") in text
    # the undo's choice names who imported (the history itself is a canvas grid)
    assert "datenpflege (lokal)" in page.locator(".st-key-daten_undo_batch input").input_value()

    page.get_by_role("button", name="Rückgängig machen …").click()
    page.get_by_text("Import Nr. 1 rückgängig machen: entfernt 2 Zeilen aus Zahlungen (30.000 €).").wait_for(
        timeout=60_000)
    view.settle()
    view.screenshot("daten_rueckgaengig_frage")
    assert "Import Nr. 1 rückgängig gemacht" not in main_text(page)     # nothing happened yet
    page.get_by_role("button", name="Ja, Import Nr. 1 rückgängig machen").click()
    page.get_by_text("Import Nr. 1 rückgängig gemacht: 2 Zeilen zurückgesetzt.").wait_for(timeout=60_000)
    view.settle()
    assert view.exceptions() == 0
    assert view.external == []
