"""A "Liste der Vorhaben" through the real uploader: pick the kind, name the programme, upload, commit, then switch
the sidebar to the new programme and read its total on the Übersicht. The Schleswig-Holstein list
(tests/test_vorhaben.py) holds 8 operations with 12.116.001,00 € total eligible expenditure, all started by the end
of 2023.
"""

from tests.test_vorhaben import sh_file


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_a_list_uploaded_and_committed_becomes_a_programme_on_the_uebersicht(server_as, tab, tmp_path):
    view = tab(server_as("datenpflege"))
    page = view.open("daten")
    page.locator('[data-testid="stButtonGroup"] button', has_text="Liste der Vorhaben (EU)").click()
    view.settle()
    page.get_by_role("textbox", name="Programm-ID").fill("efre-sh")
    page.get_by_role("textbox", name="Name des Programms").fill("EFRE Schleswig-Holstein 2021–2027")
    page.get_by_role("textbox", name="Name des Programms").press("Enter")
    view.settle()

    listing = tmp_path / "liste-der-vorhaben.xlsx"
    listing.write_bytes(sh_file("xlsx"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(listing))
    page.get_by_text("Keine Probleme. Übernehmen schreibt 23 neue Zeilen").wait_for(timeout=60_000)
    view.settle()
    text = main_text(page)
    assert "Die Liste wird zum neuen Programm „EFRE Schleswig-Holstein 2021–2027“ (ID efre-sh)." in text
    assert "12.116.001 €" in text
    view.screenshot("daten_vorhabenliste_geprueft")

    page.get_by_role("button", name="Import übernehmen").click()
    page.get_by_text("Import Nr. 1 übernommen: Programm").wait_for(timeout=60_000)
    view.settle()
    assert ("Import Nr. 1 übernommen: Programm „EFRE Schleswig-Holstein 2021–2027“ (efre-sh) mit 8 Vorhaben und "
            "12.116.001 € förderfähigen Gesamtausgaben angelegt.") in main_text(page)
    # the page keeps the kind and the programme ID for the next list of the same programme
    assert page.get_by_role("textbox", name="Programm-ID").input_value() == "efre-sh"
    view.screenshot("daten_vorhabenliste_importiert")

    page = view.open("")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Programm").click()
    page.get_by_role("option", name="EFRE Schleswig-Holstein 2021–2027").click()
    view.settle()
    assert "programm=efre-sh" in page.url
    # the Stichtag stays 31.03.2023: six operations had started (their start is their decision), 1.250.000 +
    # 3.480.512,50 + 812.300 + 1.005.000,75 + 950.000 + 1.730.250,25 = 9.228.063,50 €
    text = main_text(page)
    assert "Stand am Stichtag 31.03.2023" in text
    assert "Förderfähige Gesamtausgaben\n\n9.228.064 €" in text
    # at the end of 2023 all eight: 12.116.001 €
    page = view.open("?programm=efre-sh&stichtag=2023-12-31")
    text = main_text(page)
    assert "EFRE Schleswig-Holstein 2021–2027 · Stand am Stichtag 31.12.2023" in text
    assert "Förderfähige Gesamtausgaben\n\n12.116.001 €" in text
    view.screenshot("uebersicht_efre_sh")
    assert view.exceptions() == 0
    assert view.external == []
