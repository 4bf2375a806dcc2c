"""Fortschritt in a real browser: the five charts on the term's axis are drawn, nothing leaves localhost."""

PLOTS = '[data-testid="stMain"] .js-plotly-plot'


def drawn_marks(page) -> list[int]:
    """Per chart, how many data marks plotly drew (lines, points, heatmap cells, bars)."""
    return page.eval_on_selector_all(
        PLOTS, "plots => plots.map(p => p.querySelectorAll("
               "'.scatterlayer path, .scatterlayer .point, .heatmaplayer image, .barlayer path').length)")


def test_fortschritt_renders_offline(app_page):
    page = app_page.open("fortschritt?stichtag=2021-06-30")
    page.wait_for_selector(PLOTS + " svg.main-svg", timeout=30_000)
    page.wait_for_function(f"() => document.querySelectorAll('{PLOTS}').length >= 5", timeout=30_000)
    assert app_page.exceptions() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Fortschritt" in text
    assert "397.920 €" in text      # planned by 30.06.2021
    assert "330.920 €" in text      # paid by 30.06.2021
    assert "92.889 €" in text       # funds at risk of lapsing
    marks = drawn_marks(page)
    assert len(marks) == 5 and all(n > 0 for n in marks), marks
    # the Stichtag line is labelled on the payment chart
    assert "Stichtag 30.06.2021" in page.locator(PLOTS).first.inner_text()
    app_page.screenshot("fortschritt")
    assert app_page.external == []


def test_fortschritt_at_the_end_of_the_term(app_page):
    page = app_page.open("fortschritt")
    page.wait_for_function(f"() => document.querySelectorAll('{PLOTS}').length >= 5", timeout=30_000)
    assert app_page.exceptions() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "59.500 €" in text       # Kiel's rest, lapsed after its final payment
    assert "79.500 €" in text       # 20.000 at risk (Flensburg) + 59.500 lapsed
    app_page.screenshot("fortschritt_ende")
    assert app_page.external == []
