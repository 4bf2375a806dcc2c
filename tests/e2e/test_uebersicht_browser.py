"""The Übersicht in a real browser: renders, German figures, no exception, nothing leaves localhost."""


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


def test_stichtag_from_url_shows_the_programme_then(app_page):
    page = app_page.open("?stichtag=2021-06-30")
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "330.920 €" in text          # paid by 30.06.2021
    assert "397.920 €" in text          # planned by 30.06.2021
    assert "Landeshauptstadt Kiel" in text
    assert app_page.external == []


def test_no_dialog_blocks_the_start_page(app_page):
    # the first page of the navigation lives at "/", the address the README gives
    page = app_page.open("?stichtag=2021-06-30")
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "Übersicht"
