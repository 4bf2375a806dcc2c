"""The Übersicht in a real browser: what a leader sees first, German figures, no exception, nothing leaves localhost."""

import pytest

# the bottom edge (px, page coordinates) of the attention entry naming a recipient, and of the entry's block
ENTRY_BOX = """name => {
  const blocks = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMarkdownContainer"]')];
  const entry = blocks.find(b => b.innerText.includes(name) && b.innerText.includes('·'));
  if (!entry) return null;
  const box = entry.getBoundingClientRect();
  return {top: box.top + window.scrollY, bottom: box.bottom + window.scrollY, text: entry.innerText};
}"""


def test_uebersicht_renders_offline(app_page):
    page = app_page.open("")
    assert app_page.exceptions() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Übersicht" in text
    assert "872.300 €" in text          # granted, 9 projects
    assert "792.800 €" in text          # paid by the last data date (31.03.2023)
    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=30_000)
    app_page.screenshot("uebersicht")
    assert app_page.external == []


@pytest.mark.parametrize("stichtag, reason", [
    ("2021-01-31", "40,0 % der Zuwendung hinter dem Zahlungsplan"),
    ("2021-06-30", "Meilenstein „Anforderungsanalyse Datenplattform“ seit 91 Tagen überfällig"),
    ("2023-03-31", "59.500 € von 85.000 € nicht abgerufen und verfallen"),
])
@pytest.mark.parametrize("width, height", [(1440, 900), (1280, 720)])
def test_kiel_and_why_are_visible_without_scrolling(tab, server, stichtag, reason, width, height):
    app_page = tab(server)
    app_page.page.set_viewport_size({"width": width, "height": height})
    page = app_page.open(f"?stichtag={stichtag}")
    assert app_page.exceptions() == 0
    kiel = page.evaluate(ENTRY_BOX, "Landeshauptstadt Kiel")
    assert kiel is not None
    assert reason in kiel["text"]
    assert 0 <= kiel["top"] and kiel["bottom"] <= height, kiel
    if stichtag == "2023-03-31":
        assert "Verfallen: 59.500 € von 85.000 €" in kiel["text"]
        assert kiel["text"].startswith("◆ abgeschlossen, Mittel verfallen · Landeshauptstadt Kiel")
    app_page.screenshot(f"uebersicht-{stichtag}-{width}x{height}")
    assert app_page.external == []


def test_a_stichtag_after_the_data_shows_that_day_and_the_overdue_report(app_page):
    page = app_page.open("?stichtag=2023-12-01")
    assert app_page.exceptions() == 0
    assert page.locator('[data-testid="stSidebar"] input').first.input_value() == "2023-12-01"
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Stand am Stichtag 01.12.2023" in text
    assert "Keine Daten nach dem 31.03.2023" in text
    assert "Überfällige Berichte (1): Stadt Flensburg" in text
    assert "Kein Bericht seit 245 Tagen (erwartet alle 200 Tage): gelb" in text


def test_an_invalid_stichtag_in_the_link_shows_a_notice(app_page):
    page = app_page.open("?stichtag=2021-13-45")
    assert app_page.exceptions() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Der Stichtag „2021-13-45“ aus dem Link ist kein gültiges Datum (erwartet JJJJ-MM-TT). " \
           "Gezeigt wird der 31.03.2023." in text
    assert "792.800 €" in text


def test_no_dialog_blocks_the_start_page(app_page):
    # the first page of the navigation lives at "/", the address the README gives
    page = app_page.open("?stichtag=2021-06-30")
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "Übersicht"


def test_typing_a_stichtag_and_pressing_enter_applies_it(app_page):
    page = app_page.open("?stichtag=2021-06-30")
    page.locator('[data-testid="stSidebar"] [role="spinbutton"]').first.click()
    page.keyboard.type("31012021")
    page.keyboard.press("Enter")
    page.wait_for_url("**stichtag=2021-01-31**", timeout=30_000)
    app_page.settle()
    assert "Stand am Stichtag 31.01.2021" in page.locator('[data-testid="stMain"]').inner_text()
