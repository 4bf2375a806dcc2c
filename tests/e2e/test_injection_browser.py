"""Nothing injected, seen in a real browser: the demo database with a payload in every text cell (the corpus of
tests/test_injection.py), every page opened as admin; no payload becomes a request, link, image, heading, colour or
bold text, and the payloads are shown as the characters they are."""

from __future__ import annotations

import re

import pytest

from monitor import db, navigation
from tests.e2e.conftest import start_server, stop_server
from tests.test_injection import PAYLOADS, poisoned_sources

PATHS = [page.url_path for page in navigation.PAGES]
# (what a payload shows when its markup took effect, the characters written before it in the payload): in the
# page's text every occurrence of the first must follow the second (a label cut short with "…" after it still counts)
PAIRS = [("ALARM", ":red["), ("BOLD", "<b>"), ("klick", '<ahref="http://evil.example/a">'), ("onerror", "<imgsrc=x"),
         ("alert(1)</", "<script>"), ("warning", ":material/")]
HEADING_MARKERS = re.compile(r"^H\b|ALARM|BOLD|evil|alert|klick|javascript|ZZZZ|Titel|\| a \|")
EXTERNAL_IMAGES = """() => [...document.querySelectorAll('img')].map(i => i.getAttribute('src') || '').filter(s =>
   !s.startsWith('data:') && !s.startsWith('/') && !/^https?:\\/\\/(127\\.0\\.0\\.1|localhost)[:/]/.test(s))"""
EXTERNAL_LINKS = """() => [...document.querySelectorAll('a[href]')].map(a => a.href)
  .filter(h => !/^https?:\\/\\/(127\\.0\\.0\\.1|localhost)[:/]/.test(h))"""
SVG_TEXT = """() => [...document.querySelectorAll('[data-testid="stMain"] svg text')]
  .map(t => t.textContent).join('\\n')"""


@pytest.fixture(scope="module")
def poisoned_server(tmp_path_factory):
    """One app on the poisoned database (local mode: admin sees every page)."""
    root = tmp_path_factory.mktemp("poisoned-e2e")
    poisoned_sources(root / "csv")
    path = root / "poisoned.duckdb"
    db.build(path, root / "csv", replay=False)
    proc, base, log = start_server(root, path)
    yield base
    stop_server(proc, log)


def test_every_page_url_is_walked():
    assert PATHS == ["uebersicht", "mittel", "ziele", "fortschritt", "bewerbungen", "daten", "explorer", "netzwerk",
                     "profil", "barrierefreiheit", "protokoll"]
    assert len(PAYLOADS) == 13


@pytest.mark.parametrize("path", PATHS)
def test_no_payload_renders_in_the_browser(tab, poisoned_server, path):
    app_page = tab(poisoned_server)
    page = app_page.open(path)
    assert app_page.exceptions() == 0
    assert app_page.external == []
    assert page.locator('a[href^="javascript"], a[href*="evil.example"]').count() == 0
    assert page.evaluate(EXTERNAL_LINKS) == []
    assert page.evaluate(EXTERNAL_IMAGES) == []
    headings = page.locator("h1, h2, h3, h4, h5, h6").all_inner_texts()
    assert [h for h in headings if HEADING_MARKERS.search(h.strip())] == [], headings
    # markup.text puts an invisible word joiner after "http", "www" and "@" so that no URL becomes a link; Plotly
    # drops some spaces in wrapped labels: both are left out before comparing
    text = re.sub(r"[\s\u2060]", "", page.locator('[data-testid="stMain"]').inner_text() + page.evaluate(SVG_TEXT))
    for bare, before in PAIRS:
        assert text.count(bare) == text.count(before + bare), (path, bare)
    # an effective payload would be a bold "BOLD", a red "ALARM", a table or a list made of its own text
    assert page.locator("b, strong, table, li").filter(has_text=re.compile(r"^(BOLD|ALARM|a|c)$")).count() == 0
    assert app_page.external == []


def test_payloads_are_shown_as_written_where_names_are_shown(tab, poisoned_server):
    app_page = tab(poisoned_server)
    # Mittel: every recipient's name; applicant 6 is called ":red[ALARM] 6", applicant 3 "<img src=x …> 3"
    text = app_page.open("mittel").locator('[data-testid="stMain"]').inner_text()
    assert ":red[ALARM] 6" in text and "<img src=x onerror=alert(1)> 3" in text
    # Übersicht: the attention list names the recipients of the red and the yellow project
    text = app_page.open("uebersicht").locator('[data-testid="stMain"]').inner_text()
    assert "<img src=x onerror=alert(1)> 3" in text and "<b>BOLD</b> 4" in text
    assert app_page.external == []


def test_selectbox_options_are_not_markdown(tab, poisoned_server):
    # Streamlit 1.67 renders a selectbox's option labels (format_func) as plain text, unlike radio options
    app_page = tab(poisoned_server)
    page = app_page.open("fortschritt")
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
    page.wait_for_selector('[role="option"]')
    options = page.locator('[role="option"]').all_inner_texts()
    assert {":red[ALARM] 6", "<b>BOLD</b> 4", "[x](javascript:alert(1)) 1", "# H 8"} <= set(options), options
    assert page.locator('[role="option"] strong, [role="option"] a, [role="option"] img').count() == 0
