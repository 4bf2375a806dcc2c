"""A role's forbidden pages stay out of reach in the browser, even as the very first request to a fresh server."""

import pytest

from monitor import navigation

FORBIDDEN_FOR_LEITUNG = [p for p in navigation.PAGES if "leitung" not in p.roles]


@pytest.mark.parametrize("spec", FORBIDDEN_FOR_LEITUNG, ids=[p.url_path for p in FORBIDDEN_FOR_LEITUNG])
def test_forbidden_page_is_not_reachable_by_url(server_as, tab, spec):
    view = tab(server_as("leitung"))
    page = view.page
    # the first request to a fresh server goes straight to the forbidden page's address
    page.goto(f"{view.base}/{spec.url_path}", wait_until="networkidle")
    # either the refusal (the page file started directly) or the role's first page appears
    page.wait_for_function(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   return m && (m.innerText.includes('nicht freigegeben') || m.querySelector('h1')); }""",
        timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(1000)
    main = page.locator('[data-testid="stMain"]').inner_text()
    title = page.locator('[data-testid="stMain"] h1').all_inner_texts()
    from monitor.i18n import t
    assert t(spec.title_key, lang="de") not in title
    assert "Übersicht" in title or "nicht freigegeben" in main
    nav = page.locator('[data-testid="stSidebarNav"]').all_inner_texts()
    assert all(t(spec.title_key, lang="de") not in entry for entry in nav)
    assert view.external == []
