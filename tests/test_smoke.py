"""Every page runs for every role that may see it; a role never gets a page it may not see."""

import pytest

from monitor import auth, i18n, navigation

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
    at = app(role=role, page=page.file)
    assert not at.exception
    titles = [x.value for x in at.title]
    assert i18n.t(page.title_key, lang="de") not in titles
    assert [e.value for e in at.error] == [i18n.t("app.forbidden", lang="de", role=i18n.t(f"role.{role}", lang="de"))]
    assert not at.dataframe and not at.metric
