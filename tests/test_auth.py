"""Login settings, the role from a claim, the login / no-access pages, and the command line's role checks."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from monitor import auth, navigation
from monitor.auth import LoginSettings, RoleError
from tests.conftest import ROOT

SECRETS = {
    "auth": {"redirect_uri": "https://monitor.land.example/oauth2callback", "cookie_secret": "x" * 32,
             "client_id": "monitor", "client_secret": "geheim",
             "server_metadata_url": "https://idp.land.example/.well-known/openid-configuration"},
    "monitor_login": {"role_claim": "groups", "max_session_hours": 8, "contact": "Referat 42",
                      "roles": {"GG-Monitor-Admin": "admin", "GG-Monitor-Jury": "jury",
                                "GG-Monitor-Leitung": "leitung"}},
}
NOW = dt.datetime(2024, 5, 31, 12, 0, tzinfo=dt.UTC)


def user(*groups: str, iat: dt.datetime | None = None) -> dict:
    return {"is_logged_in": True, "sub": "a.b@land.example", "name": "Anna Beispiel", "groups": list(groups),
            "iat": int((iat or dt.datetime.now(dt.UTC)).timestamp())}


def test_no_auth_section_is_local_mode():
    assert auth.settings_from({}) is None
    assert auth.settings_from({"monitor_login": SECRETS["monitor_login"]}) is None


def test_settings_are_read_in_order():
    settings = auth.settings_from(SECRETS)
    assert settings == LoginSettings("groups", {"GG-Monitor-Admin": "admin", "GG-Monitor-Jury": "jury",
                                                "GG-Monitor-Leitung": "leitung"}, 8.0, "Referat 42")


def test_login_without_role_mapping_or_with_an_unknown_role_is_refused():
    with pytest.raises(RoleError, match=r"\[monitor_login.roles\] ordnet keiner Gruppe eine Rolle zu"):
        auth.settings_from({"auth": SECRETS["auth"]})
    with pytest.raises(RoleError, match="unbekannte Rolle 'chef'"):
        auth.settings_from({"auth": SECRETS["auth"], "monitor_login": {"roles": {"G": "chef"}}})


def test_role_is_the_first_mapped_value_the_claim_holds():
    settings = auth.settings_from(SECRETS)
    assert auth.role_from_claims(user("GG-Alle", "GG-Monitor-Leitung"), settings) == "leitung"
    # two mapped groups: the mapping's order decides (admin is listed first)
    assert auth.role_from_claims(user("GG-Monitor-Leitung", "GG-Monitor-Admin"), settings) == "admin"
    assert auth.role_from_claims(user("GG-Alle"), settings) is None
    assert auth.role_from_claims({"sub": "x"}, settings) is None


def test_role_claim_may_be_a_string_or_nested():
    keycloak = LoginSettings("realm_access.roles", {"monitor-jury": "jury"})
    assert auth.role_from_claims({"realm_access": {"roles": ["offline", "monitor-jury"]}}, keycloak) == "jury"
    assert auth.role_from_claims({"realm_access": "monitor-jury"}, keycloak) is None
    assert auth.role_from_claims({"role": "monitor-jury"}, LoginSettings("role", {"monitor-jury": "jury"})) == "jury"


def test_session_expires_after_max_hours():
    settings = LoginSettings(roles={"G": "admin"}, max_session_hours=8)
    assert not auth.session_expired(user(iat=NOW - dt.timedelta(hours=7, minutes=59)), settings, NOW)
    assert auth.session_expired(user(iat=NOW - dt.timedelta(hours=8, minutes=1)), settings, NOW)
    assert not auth.session_expired(user(iat=NOW - dt.timedelta(days=30)), LoginSettings(max_session_hours=0), NOW)


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.0.0.1:8501", True), ("localhost:8501", True), ("[::1]:8501", True), ("::1", True),
    ("0.0.0.0", False), ("", False), ("10.1.2.3:8501", False), ("monitor.land.example", False),
    ("localhost.land.example", False),
])
def test_loopback(host, local):
    assert auth.is_loopback(host) is local


# --- the pages a user gets (AppTest with the secrets and the provider's claims) ---------------------------------------


def login_app(claims: dict, page: str | None = None, secrets: dict = SECRETS):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / (page or "dashboard.py")), default_timeout=60)
    at.secrets = secrets
    at.user = claims
    return at.run()


def test_not_logged_in_sees_the_login_page_only():
    at = login_app({"is_logged_in": False})
    assert not at.exception
    assert [t.value for t in at.title] == ["Anmeldung"]
    assert [b.label for b in at.button] == ["Anmelden"]
    assert not at.sidebar.caption and not at.dataframe and not at.metric


def test_user_without_mapped_group_sees_no_access_with_logout():
    at = login_app(user("GG-Alle"))
    assert [t.value for t in at.title] == ["Kein Zugang"]
    # the name and subject come from the provider: text, never Markdown (markup.text escapes them)
    assert at.markdown[0].value == ("Sie sind angemeldet als Anna Beispiel (Kennung a\\.b\\@\u2060land\\.example), "
                                    "aber Ihrem Konto ist keine Rolle im Modellkommunen-Monitor zugewiesen. "
                                    "Deshalb zeigt er Ihnen keine Seite.")
    assert at.markdown[1].value == "Zugang beantragen: Referat 42"
    assert [b.label for b in at.button] == ["Abmelden"]
    assert not at.dataframe and not at.metric


def test_page_file_started_directly_checks_the_login_too():
    # a fresh server's first request to /bewerbungen runs the page file itself
    at = login_app(user("GG-Alle"), page="pages/bewerbungen.py")
    assert [t.value for t in at.title] == ["Kein Zugang"]
    at = login_app({"is_logged_in": False}, page="pages/bewerbungen.py")
    assert [t.value for t in at.title] == ["Anmeldung"]


def test_an_old_login_must_sign_in_again():
    at = login_app(user("GG-Monitor-Admin", iat=dt.datetime.now(dt.UTC) - dt.timedelta(hours=9)))
    assert [t.value for t in at.title] == ["Anmeldung abgelaufen"]
    assert [b.label for b in at.button] == ["Neu anmelden"]


def test_mapped_user_gets_the_role_pages_and_the_sidebar_names_them():
    at = login_app(user("GG-Monitor-Leitung"))
    assert not at.exception
    assert [t.value for t in at.title] == ["Übersicht"]
    assert "Angemeldet als Anna Beispiel · Rolle „Leitung“" in [c.value for c in at.sidebar.caption]
    assert not any("lokalen Konfiguration" in c.value for c in at.sidebar.caption)
    assert "Abmelden" in [b.label for b in at.sidebar.button]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/bewerbungen.py")


def test_role_is_checked_again_on_every_run():
    at = login_app(user("GG-Monitor-Jury"))
    at.switch_page("pages/bewerbungen.py").run()
    assert [t.value for t in at.title] == ["Bewerbungen"]
    # the provider (or the mapping) takes the jury group away: the next run no longer shows the page
    at.user = user("GG-Alle")
    at.run()
    assert [t.value for t in at.title] == ["Kein Zugang"]


def test_login_ignores_the_local_role(monkeypatch):
    monkeypatch.setenv("MONITOR_ROLE", "admin")
    at = login_app(user("GG-Monitor-Leitung"))
    assert "Angemeldet als Anna Beispiel · Rolle „Leitung“" in [c.value for c in at.sidebar.caption]


# --- command line ----------------------------------------------------------------------------------------------------


def run_cli(module: str, *args: str, role: str | None = None, home=None, db=None):
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_ROLE"}
    if role:
        env["MONITOR_ROLE"] = role
    if home:
        env["HOME"] = str(home)   # ~/.streamlit/secrets.toml is one of the files Streamlit (and the app) reads
    if db:
        env["MONITOR_DB"] = str(db)
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("role", [r for r in auth.ROLES if r not in ("analyse", "admin")])
def test_sql_refuses_roles_without_the_explorer(role):
    code, out, err = run_cli("monitor.sql", "select count(*) as n from application", role=role)
    assert code == 2
    assert out == ""
    assert f"Die Rolle '{role}' (MONITOR_ROLE) darf Abfragen auf der Analysekopie nicht; erlaubt: analyse, admin" in err


def test_sql_runs_for_analyse(fresh_db):
    code, out, err = run_cli("monitor.sql", "select count(*) as n from application", "--format", "csv",
                             role="analyse", db=fresh_db)
    assert code == 0, err
    # data/demo/application.csv: 42 applications (the analysis copy keeps them all, pseudonymised)
    assert out.splitlines() == ["n", "42"]


@pytest.mark.parametrize("role", [r for r in auth.ROLES if r not in ("datenpflege", "admin")])
def test_imports_refuse_roles_without_the_daten_page(role, tmp_path):
    upload = tmp_path / "zahlungen.csv"
    upload.write_text("project_id;payment_date;amount_eur;kind\n", encoding="utf-8")
    code, out, err = run_cli("monitor.imports", str(upload), "--kind", "payments", "--dry-run", role=role)
    assert code == 4
    assert f"Die Rolle '{role}' (MONITOR_ROLE) darf Importe nicht; erlaubt: datenpflege, admin" in err


def test_with_login_configured_the_command_line_needs_a_role(tmp_path):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[auth]\nclient_id = "monitor"\nserver_metadata_url = "https://idp.land.example/.well-known/x"\n'
        '[monitor_login.roles]\n"GG-Monitor-Admin" = "admin"\n', encoding="utf-8")
    code, out, err = run_cli("monitor.sql", "select 1 as n", home=tmp_path)
    assert code == 2
    assert "Anmeldung ist eingerichtet: die Kommandozeile braucht eine Rolle" in err
    code, out, err = run_cli("monitor.imports", "egal.csv", "--kind", "payments", home=tmp_path)
    assert code == 4
    assert "Anmeldung ist eingerichtet: die Kommandozeile braucht eine Rolle" in err


def test_the_command_line_role_is_the_pages_or_the_run_ends_with_the_reason(monkeypatch, capsys, tmp_path):
    from monitor import audit

    monkeypatch.setattr(audit, "_actor", audit._actor)      # named below: undone afterwards
    monkeypatch.setenv("HOME", str(tmp_path))               # no login configured in this home
    monkeypatch.setenv("MONITOR_ROLE", "jury")
    with pytest.raises(SystemExit) as ended:
        auth.command_line_role("daten", "Importe", refused=4)
    assert ended.value.code == 4
    assert capsys.readouterr().err == "Fehler: Die Rolle 'jury' (MONITOR_ROLE) darf Importe nicht; erlaubt: " \
                                      "datenpflege, admin\n"
    monkeypatch.setenv("MONITOR_ROLE", "datenpflege")
    found = auth.command_line_role("daten", "Importe", refused=4)
    assert (found.role, found.source) == ("datenpflege", "MONITOR_ROLE")
    assert audit._actor is found


def test_page_roles_come_from_the_navigation():
    assert auth.page_roles("explorer") == ("analyse", "admin")
    assert auth.page_roles("daten") == ("datenpflege", "admin")
    assert auth.page_roles("protokoll") == ("admin",)
    assert [p.url_path for p in navigation.PAGES if p.roles == ("admin",)] == ["protokoll"]


def test_the_documented_example_is_a_valid_configuration():
    import tomllib

    with open(ROOT / ".streamlit" / "secrets.example.toml", "rb") as fh:
        settings = auth.settings_from(tomllib.load(fh))
    assert settings.role_claim == "groups" and settings.max_session_hours == 12
    assert list(settings.roles.values()) == ["admin", "jury", "analyse", "datenpflege", "leitung"]
    assert not (ROOT / ".streamlit" / "secrets.toml").exists()   # (no test leaves one in the working tree)
