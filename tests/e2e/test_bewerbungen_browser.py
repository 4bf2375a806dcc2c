"""Bewerbungen in a real browser (local mode = admin): four tabs, one per question, charts and the Kreis map drawn,
no exception, nothing leaves localhost."""

TABS = ["Feld", "Bewertung", "Übereinstimmung", "Förderlinie"]


def open_tab(app_page, page, label: str):
    page.get_by_role("tab", name=label).click()
    app_page.settle()
    return page.locator('[data-testid="stMain"]').inner_text()


def test_bewerbungen_renders_offline(app_page):
    page = app_page.open("bewerbungen?stichtag=2021-06-30")
    assert app_page.exceptions() == 0
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    assert "Bewerbungen" in text
    assert "Vertraulich" in text
    assert [page.get_by_role("tab", name=label).count() for label in TABS] == [1] * 4
    # the first tab: funnel, Kreis chart and the map as a MapLibre canvas with the Kreis areas (no tiles)
    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=30_000)
    page.wait_for_selector(".js-plotly-plot .maplibregl-canvas", state="attached", timeout=30_000)
    assert page.locator(".js-plotly-plot .maplibregl-canvas").count() == 1
    app_page.screenshot("bewerbungen")
    assert "872.300 €" in open_tab(app_page, page, TABS[0])    # granted to the nine winners
    assert "ohne Innenministerium" in open_tab(app_page, page, TABS[3])
    # every chart of every tab is drawn once its tab has been opened
    for label in TABS:
        open_tab(app_page, page, label)
    assert page.locator(".js-plotly-plot").count() == 15
    assert app_page.external == []
    assert app_page.exceptions() == 0


def test_simulator_reacts_in_the_browser(app_page):
    page = app_page.open("bewerbungen?stichtag=2021-06-30")
    open_tab(app_page, page, TABS[3])
    budget = page.get_by_role("textbox", name="Budget in €")
    budget.fill("900000")
    budget.press("Enter")
    app_page.settle()
    assert page.get_by_role("textbox", name="Budget in €").input_value() == "900.000"   # written back in German
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Die Simulation fördert genau die tatsächlich ausgewählten Bewerbungen." in text
    assert app_page.exceptions() == 0
    assert app_page.external == []
