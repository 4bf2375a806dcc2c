"""Zielabdeckung in a real browser: heatmap and bars drawn, the view switch works, nothing leaves localhost."""

PLOTS = '[data-testid="stMain"] .js-plotly-plot'


def drawn_marks(page) -> list[int]:
    """Per chart, how many data marks plotly drew (heatmap cells image, bar paths)."""
    return page.eval_on_selector_all(
        PLOTS, "plots => plots.map(p => "
               "p.querySelectorAll('.heatmaplayer image, .barlayer path, .scatterlayer path').length)")


def test_ziele_renders_offline(app_page):
    page = app_page.open("ziele?stichtag=2021-06-30")
    page.wait_for_selector(PLOTS + " svg.main-svg", timeout=30_000)
    assert app_page.exceptions() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Zielabdeckung" in text
    assert "872.300 €" in text                      # weighted goals add up to the total grant
    assert "79.460 €" in text                       # Nachhaltigkeit, the least covered goal
    assert page.locator(PLOTS).count() == 3
    marks = drawn_marks(page)
    assert len(marks) == 3 and all(n > 0 for n in marks), marks
    # the heatmap's column labels are the goals
    heatmap_text = page.locator(PLOTS).last.inner_text()    # the money per goal first, the heatmap last
    assert "Inklusion" in heatmap_text and "Stadt Flensburg" in heatmap_text
    app_page.screenshot("ziele")
    assert app_page.external == []


def test_switch_to_tagged_view(app_page):
    page = app_page.open("ziele?stichtag=2021-06-30")
    page.get_by_role("radio", name="Zugeordnet (voll je Ziel)").click()
    page.wait_for_function("() => document.body.innerText.includes('3.014.200')", timeout=30_000)
    app_page.settle()
    assert app_page.exceptions() == 0
    assert "zählt doppelt" in page.locator('[data-testid="stMain"]').inner_text()
    app_page.screenshot("ziele_zugeordnet")
    assert app_page.external == []
