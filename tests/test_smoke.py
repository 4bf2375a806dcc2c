"""Every page runs for every role that may see it; a role never gets a page it may not see."""

import pytest
from streamlit.testing.v1 import AppTest

from monitor import auth, i18n, navigation
from tests.conftest import ROOT

CASES = [(role, page) for role in auth.ROLES for page in navigation.PAGES if role in page.roles]


@pytest.mark.parametrize(("role", "page"), CASES, ids=[f"{r}-{p.url_path}" for r, p in CASES])
def test_page_runs_without_exception(app, role, page):
    at = app(role=role, page=page.file)
    assert not at.exception, [e.message for e in at.exception]
    assert at.title, "every page has a title"


@pytest.mark.parametrize("role", auth.ROLES)
def test_navigation_registers_only_allowed_pages(role):
    allowed = {p.url_path for p in navigation.pages_for(role)}
    expected = {p.url_path for p in navigation.PAGES if role in p.roles}
    assert allowed == expected
    assert "uebersicht" in allowed


FORBIDDEN = [(role, page) for role in auth.ROLES for page in navigation.PAGES if role not in page.roles]


@pytest.mark.parametrize(("role", "page"), FORBIDDEN, ids=[f"{r}-{p.url_path}" for r, p in FORBIDDEN])
def test_role_without_access_does_not_get_the_page(app, role, page):
    at = app(role=role)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page.file)


@pytest.mark.parametrize(("role", "page"), FORBIDDEN, ids=[f"{r}-{p.url_path}" for r, p in FORBIDDEN])
def test_page_started_directly_refuses_the_role(monkeypatch, role, page):
    # what a fresh server does with a first request to the page's address (Streamlit's pages/ folder)
    monkeypatch.setenv("MONITOR_ROLE", role)
    at = AppTest.from_file(str(ROOT / page.file), default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == [i18n.t("app.forbidden", lang="de", role=i18n.t(f"role.{role}", lang="de"))]
    assert not at.dataframe and not at.metric and not at.title
