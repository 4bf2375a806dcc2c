"""Login through a real OpenID Connect provider: every role sees exactly its pages, a user without a role nothing.

The provider is oidc-provider-mock (a real OIDC server built on Authlib: discovery, client registration, signed ID
tokens, end session), started here in a thread; the app is started through monitor/serve.py (as `make run` does)
with a secrets file outside the working tree. The browser signs in on the provider's own form, as a person would.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from oidc_provider_mock import User, run_server_in_thread

from monitor import navigation
from monitor.i18n import t
from tests.e2e.conftest import LOCAL_HOSTS, ROOT, _free_port, launch, stop_server

GROUPS = {"leitung": "GG-Monitor-Leitung", "jury": "GG-Monitor-Jury", "analyse": "GG-Monitor-Analyse",
          "datenpflege": "GG-Monitor-Datenpflege", "admin": "GG-Monitor-Admin"}
# one account per role, and one whose groups the monitor does not map
USERS = {role: f"{role}@land.example" for role in GROUPS}
NO_ROLE = "gast@land.example"
ROLE_CASES = [*GROUPS, None]


def _users() -> list[User]:
    users = [User(sub=USERS[role], claims={"groups": ["GG-Alle", group], "name": f"Erika {role.title()}",
                                           "email": USERS[role]}) for role, group in GROUPS.items()]
    users.append(User(sub=NO_ROLE, claims={"groups": ["GG-Alle"], "name": "Gustav Gast", "email": NO_ROLE}))
    return users


@pytest.fixture(scope="module")
def provider():
    """The OIDC provider on a free loopback port; yields its base URL."""
    with run_server_in_thread(port=_free_port(), require_client_registration=True, user_claims=_users()) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def login_app(provider, pristine_db, tmp_path_factory):
    """The app with login configured (client registered at the provider); yields (base URL, audit log path)."""
    workdir = tmp_path_factory.mktemp("login")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    client = httpx.post(f"{provider}/oauth2/clients", json={"redirect_uris": [f"{base}/oauth2callback"]}).json()
    secrets_file = workdir / "secrets.toml"    # never in the working tree
    roles = "\n".join(f'"{group}" = "{role}"' for role, group in GROUPS.items())
    secrets_file.write_text(f"""
[auth]
redirect_uri = "{base}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "{client['client_id']}"
client_secret = "{client['client_secret']}"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[monitor_login]
role_claim = "groups"
contact = "Referat 42, monitor@land.example"

[monitor_login.roles]
{roles}
""", encoding="utf-8")
    db_path, audit_log = workdir / "monitor.duckdb", workdir / "audit.jsonl"
    shutil.copy(pristine_db, db_path)
    env = {k: v for k, v in __import__("os").environ.items() if k != "MONITOR_ROLE"}
    env.update(MONITOR_DB=str(db_path), MONITOR_AUDIT_LOG=str(audit_log),
               MONITOR_QUERY_LOG=str(workdir / "queries.jsonl"))
    proc, _, log = launch([sys.executable, "-m", "monitor.serve", "--server.port", str(port), "--server.address",
                           "127.0.0.1", "--secrets.files", str(secrets_file)], env, port, workdir / "streamlit.log")
    yield base, audit_log
    stop_server(proc, log)
    assert not (ROOT / ".streamlit" / "secrets.toml").exists()


class Session:
    """One browser context (its own cookies) on the app; requests leaving this machine are blocked and noted."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
        self.external: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http:", "https:")) and urlparse(url).hostname not in LOCAL_HOSTS:
            # the test provider's own pages link a style sheet on a CDN; the app must never ask for anything
            frame_url = route.request.frame.url if route.request.frame else ""
            if frame_url.startswith(self.base):
                self.external.append(url)
            return route.abort()
        return route.continue_()

    def settle(self) -> None:
        self.page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
        for _ in range(2):
            self.page.wait_for_timeout(500)
            self.page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        self.page.wait_for_timeout(500)

    def open(self, path: str = "") -> None:
        self.page.goto(f"{self.base}/{path.lstrip('/')}", wait_until="networkidle")
        self.settle()

    def title(self) -> str:
        return self.page.locator('[data-testid="stMain"] h1').first.inner_text().strip()

    def nav(self) -> list[str]:
        links = self.page.locator('[data-testid="stSidebarNav"] a')
        # each entry reads "<icon name>\n\n<title>"
        return [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]

    def login(self, subject: str) -> None:
        """Sign in on the provider's form as subject and come back to the app."""
        self.open()
        assert self.title() == "Anmeldung"
        self.page.get_by_role("button", name="Anmelden").click()
        self.page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
        self.page.get_by_role("button", name=subject, exact=True).click()
        self.page.wait_for_url(f"{self.base}/**", timeout=30_000)
        self.settle()

    def close(self) -> None:
        self.context.close()


def _titles(role: str) -> list[str]:
    return [t(p.title_key, lang="de") for p in navigation.pages_for(role)]


def _events(audit_log: Path, subject: str) -> list[dict]:
    lines = audit_log.read_text(encoding="utf-8").splitlines() if audit_log.exists() else []
    return [e for e in map(json.loads, lines) if e["subject"] == subject]


@pytest.mark.parametrize("role", ROLE_CASES, ids=[r or "ohne-rolle" for r in ROLE_CASES])
def test_each_role_sees_exactly_its_pages(browser, login_app, role):
    base, audit_log = login_app
    session = Session(browser, base)
    try:
        # not signed in: the sign-in page and nothing else, whatever address is typed
        session.open("bewerbungen")
        assert session.title() == "Anmeldung"
        assert session.nav() == []
        session.login(USERS[role] if role else NO_ROLE)
        if role is None:
            assert session.title() == "Kein Zugang"
            # (markup.text puts an invisible word joiner after "@" so that no address becomes a link)
            main = session.page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")
            assert "Gustav Gast" in main and "gast@land.example" in main and "Referat 42" in main
            assert session.nav() == []
            for spec in navigation.PAGES:
                session.open(spec.url_path)
                assert session.title() == "Kein Zugang", spec.url_path
                assert session.nav() == []
            assert [e["event"] for e in _events(audit_log, NO_ROLE)][:1] == ["no_access"]
        else:
            assert session.title() == "Übersicht"
            assert session.nav() == _titles(role)
            sidebar = session.page.locator('[data-testid="stSidebar"]').inner_text()
            assert f"Angemeldet als Erika {role.title()} · Rolle „{t(f'role.{role}', lang='de')}“" in sidebar
            forbidden = [p for p in navigation.PAGES if role not in p.roles]
            for spec in forbidden:
                session.open(spec.url_path)
                assert session.title() != t(spec.title_key, lang="de"), spec.url_path
                assert session.title() == "Übersicht", spec.url_path
                assert session.nav() == _titles(role)
            # the page only this role (or admin) has, reached by its typed address
            own = {"leitung": "fortschritt", "jury": "bewerbungen", "analyse": "explorer", "datenpflege": "daten",
                   "admin": "protokoll"}[role]
            session.open(f"{own}?stichtag=2021-06-30")
            spec = next(p for p in navigation.PAGES if p.url_path == own)
            assert session.title() == t(spec.title_key, lang="de")
            events = _events(audit_log, USERS[role])
            assert {"event": "page", "page": own, "stichtag": "2021-06-30", "role": role} \
                .items() <= next(e for e in reversed(events) if e["event"] == "page").items()
            assert "session_start" in [e["event"] for e in events]
        assert session.external == []
    finally:
        session.close()


def test_logout_ends_the_session_and_a_download_is_logged(browser, login_app):
    base, audit_log = login_app
    session = Session(browser, base)
    try:
        session.login(USERS["leitung"])
        session.open("mittel?stichtag=2021-06-30")
        assert session.title() == "Mittel je Kommune"
        # (the file is made when clicked: on a loaded machine that may take longer than Playwright's 30 s)
        with session.page.expect_download(timeout=120_000) as download:
            session.page.get_by_role("button", name="CSV herunterladen").first.click()
        assert download.value.suggested_filename.endswith(".csv")
        downloads = [e for e in _events(audit_log, USERS["leitung"]) if e["event"] == "download"]
        assert downloads and downloads[-1]["format"] == "csv" and downloads[-1]["role"] == "leitung"

        session.page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Abmelden").click()
        # the provider's end-session page, then back to the app's sign-in page
        session.page.wait_for_url("**/oauth2/end_session**", timeout=30_000)
        session.page.get_by_role("button", name="End session").click()
        session.page.wait_for_url(f"{base}/**", timeout=30_000)
        session.settle()
        assert session.title() == "Anmeldung"
        session.open("mittel")
        assert session.title() == "Anmeldung"
        assert session.nav() == []
        assert "logout" in [e["event"] for e in _events(audit_log, USERS["leitung"])]
        assert session.external == []
    finally:
        session.close()
