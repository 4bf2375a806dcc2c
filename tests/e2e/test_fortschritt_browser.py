"""Fortschritt in a real browser: the answer in the first screen, every chart drawn, the backtest, nothing leaves
localhost."""

PLOTS = '[data-testid="stMain"] .js-plotly-plot'
VIEWPORT_HEIGHT = 900  # tab fixture: 1366 × 900


def drawn_marks(page) -> list[int]:
    """Per chart, how many data marks plotly drew (lines, points, heatmap cells, bars)."""
    return page.eval_on_selector_all(
        PLOTS, "plots => plots.map(p => p.querySelectorAll("
               "'.scatterlayer path, .scatterlayer .point, .heatmaplayer image, .barlayer path').length)")


def metric_tops(page) -> dict[str, float]:
    """Key figure label -> top of its box in page pixels."""
    return page.eval_on_selector_all(
        '[data-testid="stMetric"]',
        "ms => Object.fromEntries(ms.map(m => [m.querySelector('[data-testid=\"stMetricLabel\"]').innerText.trim(),"
        " m.getBoundingClientRect().top + window.scrollY]))")


def open_tab(page, name: str) -> str:
    """Click one of the page's tabs (Geld, Prognose, Meilensteine, Berichte und Ampeln); the main text then."""
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(500)
    return page.locator('[data-testid="stMain"]').inner_text()


def marks_in_every_tab(page) -> list[int]:
    """drawn_marks with each tab open in turn, so each chart is counted while it is visible."""
    marks = [0] * page.locator(PLOTS).count()
    for name in ("Geld", "Prognose", "Meilensteine", "Berichte und Ampeln"):
        open_tab(page, name)
        marks = [max(a, b) for a, b in zip(marks, drawn_marks(page))]
    return marks


def test_fortschritt_answers_first_and_draws_every_chart(app_page):
    page = app_page.open("fortschritt?stichtag=2021-06-30")
    page.wait_for_function(f"() => document.querySelectorAll('{PLOTS}').length >= 6", timeout=60_000)
    assert app_page.exceptions() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "397.920 €" in text      # planned by 30.06.2021
    assert "330.920 €" in text      # paid by then
    assert "27.000 €" in text       # at risk: Kiel 17.000 + Flensburg 10.000 overdue under the plan
    assert "Am weitesten hinter dem Plan: Landeshauptstadt Kiel" in text
    # the four key figures sit in the first screen, before any chart
    tops = metric_tops(page)
    assert set(tops) == {"Geplant bis Stichtag", "Ausgezahlt bis Stichtag", "Gefährdet (Prognose)",
                         "Bereits verfallen"}
    assert all(top < VIEWPORT_HEIGHT - 120 for top in tops.values()), tops
    # the rest is in tabs by question, money first
    assert page.get_by_role("tab", name="Geld").get_attribute("aria-selected") == "true"
    # the backtest's heading is there; on this day no project's outcome is known yet, and the page says so
    text = open_tab(page, "Prognose")
    assert page.get_by_role("heading", name="Prognose vs. Ergebnis").count() == 1
    assert "Ein Vergleich der Prognose mit dem Ergebnis ist erst danach möglich." in text
    marks = marks_in_every_tab(page)
    assert len(marks) == 6 and all(n > 0 for n in marks), marks
    # the Stichtag line is labelled on the payment chart
    open_tab(page, "Geld")
    assert "Stichtag 30.06.2021" in page.locator(PLOTS).first.inner_text()
    app_page.screenshot("fortschritt")
    assert app_page.external == []


def test_fortschritt_backtest_at_the_end_of_the_term(app_page):
    page = app_page.open("fortschritt")
    page.wait_for_function(f"() => document.querySelectorAll('{PLOTS}').length >= 7", timeout=60_000)
    assert app_page.exceptions() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "59.500 €" in text       # Kiel's rest, lapsed with its final payment
    assert "20.000 €" in text       # Flensburg's rest at risk
    text = open_tab(page, "Prognose")
    heading = page.get_by_role("heading", name="Prognose vs. Ergebnis")
    heading.scroll_into_view_if_needed()
    assert heading.is_visible()
    # both methods' mean errors over the 30 month ends, in one sentence under the heading
    assert "Die Prognose lag im Mittel 31.647 € daneben" in text and "95.960 €" in text
    backtest = page.locator(PLOTS).nth(2)
    assert "Prognose am Monatsende und Ergebnis" in backtest.inner_text()
    assert all(n > 0 for n in marks_in_every_tab(page))
    app_page.screenshot("fortschritt_ende")
    assert app_page.external == []
