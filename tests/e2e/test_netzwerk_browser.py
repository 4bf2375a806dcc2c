"""The Netzwerk page in a real browser: the graph is drawn, no exception, nothing leaves localhost."""


def test_netzwerk_graph_renders_offline(app_page):
    page = app_page.open("netzwerk?stichtag=2021-06-30")
    assert app_page.exceptions() == 0
    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=30_000)
    graph = page.locator(".js-plotly-plot").first
    # nine recipients as points, the links as line paths, all in plotly's scatter layer
    assert graph.locator(".scatterlayer .trace.scatter").count() >= 3
    assert graph.locator(".scatterlayer .point").count() >= 9
    assert graph.locator(".scatterlayer .js-line").count() >= 1
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Netzwerk" in text
    assert "23 Verbindungen zwischen 9 Zuwendungsempfängern." in text
    assert "Wirtschaftsraum Rendsburg" in graph.inner_text() or "Wirtschaftsraum Rendsburg" in text
    app_page.screenshot("netzwerk")
    assert app_page.external == []


def test_netzwerk_in_english(app_page):
    page = app_page.open("netzwerk?stichtag=2021-06-30&lang=en")
    assert app_page.exceptions() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "23 links between 9 recipients." in text
    assert app_page.external == []
