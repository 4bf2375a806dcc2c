"""Bewerbungen in a real browser (local mode = admin): charts and the Kreis map drawn, no exception, nothing leaves localhost."""


def test_bewerbungen_renders_offline(app_page):
    page = app_page.open("bewerbungen?stichtag=2021-06-30")
    assert app_page.exceptions() == 0
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    assert "Bewerbungen" in text
    assert "Vertraulich" in text
    assert "872.300 €" in text                      # granted to the nine winners
    assert "ohne Innenministerium" in text
    # every chart is drawn as SVG, the map as a MapLibre canvas with the Kreis areas (no tiles)
    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=30_000)
    page.wait_for_selector(".js-plotly-plot .maplibregl-canvas", state="attached", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 14
    assert page.locator(".js-plotly-plot .maplibregl-canvas").count() == 1
    app_page.screenshot("bewerbungen")
    assert app_page.external == []
    assert app_page.exceptions() == 0


def test_simulator_reacts_in_the_browser(app_page):
    page = app_page.open("bewerbungen?stichtag=2021-06-30")
    budget = page.get_by_label("Budget in €")
    budget.fill("900000")
    budget.press("Enter")
    app_page.settle()
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Die Simulation fördert genau die tatsächlich ausgewählten Bewerbungen." in text
    assert app_page.exceptions() == 0
    assert app_page.external == []
