"""The Explorer in a real browser: renders offline, runs a query, and a copied URL restores the view elsewhere."""

import io
from pathlib import Path

import openpyxl

GROUPED = "explorer?stichtag=2021-06-30&tabelle=payment&gruppe=project_id&kennzahl=Summe&wert=amount_eur"
BY_KIND = "select kind, count(*) as payment_count, sum(amount_eur) as paid_eur from payment group by kind order by kind"


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_explorer_renders_grouped_view_offline(app_page):
    page = app_page.open(GROUPED)
    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=30_000)
    assert app_page.exceptions() == 0
    text = main_text(page)
    assert "Explorer" in text and "9 Zeilen" in text
    assert "Summe von Ausgezahlter Betrag (Euro) nach Projekt" in text   # chart title
    app_page.screenshot("explorer")
    # the Excel file is generated on click (deferred) and carries the header block and German formats
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="Excel herunterladen").last.click()
    assert download.value.suggested_filename == "explorer.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet["A1"].value == "payment" and sheet["B2"].value == "30.06.2021"
    rows = list(sheet.iter_rows(min_row=8, values_only=True))
    assert ("DM-09", 39920) in rows and len(rows) == 9
    assert sheet["B8"].number_format == '#,##0 "€"'
    assert app_page.external == []


def test_query_runs_and_its_url_restores_the_view_in_a_new_browser(app_page, browser, server):
    page = app_page.open("explorer?modus=SQL")
    box = page.get_by_role("textbox", name="SQL-Abfrage (nur SELECT)")
    box.fill(BY_KIND)
    box.press("Control+Enter")
    page.wait_for_function("() => location.search.includes('sql=')", timeout=30_000)
    app_page.settle()
    page.get_by_text("2 Zeilen").wait_for(timeout=30_000)
    assert app_page.exceptions() == 0
    shared_url = page.url
    assert "modus=SQL" in shared_url

    # a colleague opens the copied link: new browser context, no shared cookies or session
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
    try:
        colleague = type(app_page)(context.new_page(), server)  # the fixture's AppPage class
        other = colleague.open(shared_url.removeprefix(server))
        other.get_by_text("2 Zeilen").wait_for(timeout=30_000)
        assert other.get_by_role("textbox", name="SQL-Abfrage (nur SELECT)").input_value() == BY_KIND
        assert colleague.exceptions() == 0
        grid = other.locator('[data-testid="stDataFrame"]').last
        grid.wait_for(timeout=30_000)
        colleague.screenshot("explorer_shared_view")
        assert colleague.external == []
    finally:
        context.close()
    assert app_page.external == []


def test_refused_statement_shows_message_not_traceback(app_page):
    page = app_page.open("explorer?modus=SQL&sql=drop+table+score")
    page.get_by_text("Abgelehnt: Erlaubt ist nur Lesen mit SELECT", exact=False).wait_for(timeout=30_000)
    assert app_page.exceptions() == 0
    assert "Traceback" not in main_text(page)


def test_choosing_in_the_page_writes_the_url(app_page):
    page = app_page.open("explorer?tabelle=payment&gruppe=kind&filter=kind&f_kind=abschlag")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Tabelle").first.click()
    page.get_by_role("option", name="project_detail").click()
    page.wait_for_function("() => location.search.includes('tabelle=project_detail')", timeout=30_000)
    app_page.settle()
    # another table: its filters and grouping start afresh, and the URL says so
    assert "gruppe=" not in page.url and "f_kind=" not in page.url
    assert app_page.exceptions() == 0
    assert app_page.external == []


def test_a_long_result_draws_its_first_rows_and_downloads_all_of_them(app_page):
    page = app_page.open("explorer?modus=SQL&sql=select+range+as+n+from+range(25000)")
    page.get_by_text("erste 200 von 10.000 Zeilen — vollständige Tabelle als Download").wait_for(timeout=30_000)
    assert app_page.exceptions() == 0
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="CSV herunterladen").last.click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 10_001 and lines[0] == "n" and lines[-1] == "9999"  # the whole (capped) result
    assert app_page.external == []


def test_a_catalogue_query_behind_a_cte_is_refused(app_page):
    sql = "select+*+from+(with+pragma_database_list+as+(select+1)+select+1),+pragma_database_list"
    page = app_page.open(f"explorer?modus=SQL&sql={sql}")
    page.get_by_text("Abgelehnt: Systemkataloge und Einstellungen sind nicht abfragbar").wait_for(timeout=30_000)
    assert ".duckdb" not in main_text(page)
