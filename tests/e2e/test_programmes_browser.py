"""Two programmes in a real browser: the sidebar switches to the EFRE test programme (tests/programmes.py), the URL
keeps ?programm=efre-test, and the page shows that programme's figures, also after a reload of that URL."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import start_server, stop_server

MAIN = '[data-testid="stMain"]'


@pytest.fixture
def two_programme_server(two_programme_db, tmp_path):
    """The app on a copy of the demo database plus the EFRE test programme (no payments, no plan)."""
    proc, base, log = start_server(tmp_path, two_programme_db)
    yield base
    stop_server(proc, log)


def test_switching_programme_keeps_it_in_the_url(tab, two_programme_server):
    app_page = tab(two_programme_server)
    page = app_page.open("")
    main = page.locator(MAIN)
    assert "872.300 €" in main.inner_text()          # the demo programme: its grants on its last data date
    assert "programm=dmk-sh" in page.url

    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="EFRE-Testprogramm Schleswig-Holstein").click()
    page.wait_for_function("() => document.body.innerText.includes('10.305.000 €')", timeout=30_000)
    app_page.settle()
    assert app_page.exceptions() == 0
    assert "programm=efre-test" in page.url
    text = main.inner_text()
    assert "Förderfähige Gesamtausgaben" in text and "872.300 €" not in text
    assert "8 Projekte" in text                       # E1–E8, all decided by the default Stichtag

    shared = page.url
    page.reload(wait_until="networkidle")
    app_page.settle()
    assert "programm=efre-test" in page.url
    text = page.locator(MAIN).inner_text()
    assert "10.305.000 €" in text and "Förderfähige Gesamtausgaben" in text
    assert "EFRE-Testprogramm Schleswig-Holstein" in text   # the caption names the programme shown

    # the same link in a fresh tab (a new session) opens the second programme too
    fresh = tab(two_programme_server)
    fresh.page.goto(shared, wait_until="networkidle")
    fresh.settle()
    assert "10.305.000 €" in fresh.page.locator(MAIN).inner_text()
    app_page.screenshot("programme_efre")
    assert app_page.external == [] and fresh.external == []
