"""The login's pages (sign in, session too old, no access) and the sidebar's account line with logout.

Streamlit's st.login/st.user do the OpenID Connect flow (Authlib): the provider's ID token claims come back in
st.user, signed into a cookie. Each run reads them again and maps the role anew (monitor/auth.py); a page the user
may not see is never registered, and without a role nothing but the no-access page is.
"""

from __future__ import annotations

import streamlit as st

from monitor import audit, markup, navigation
from monitor.auth import Identity, LoginSettings, role_from_claims, session_expired
from monitor.i18n import t


def _alone(draw, title_key: str, url_path: str) -> None:
    """Show one page and nothing else (no navigation: typed addresses of other pages land here), then stop."""
    title = t(title_key)
    st.set_page_config(page_title=f"{title} · {t('app.title')}", page_icon=str(navigation.ICON), layout="centered")
    st.navigation([st.Page(draw, title=title, url_path=url_path, default=True)], position="hidden").run()
    st.stop()


def _login_page() -> None:
    st.title(t("auth.login_title"))
    st.write(t("auth.login_text"))
    if st.button(t("auth.login"), key="auth_login", type="primary", icon=":material/login:"):
        st.login()


def _expired_page(hours: float) -> None:
    st.title(t("auth.expired_title"))
    st.write(t("auth.expired_text", hours=f"{hours:g}"))
    if st.button(t("auth.login_again"), key="auth_login_again", type="primary", icon=":material/login:"):
        st.login()


def _no_access_page(claims: dict, settings: LoginSettings) -> None:
    st.title(t("auth.no_access_title"))
    st.write(t("auth.no_access_text", name=markup.text(_display_name(claims)), subject=markup.text(claims.get("sub"))))
    if settings.contact:
        st.write(t("auth.no_access_contact", contact=markup.text(settings.contact)))
    _logout_button("auth_logout_no_access")


def _display_name(claims: dict) -> str:
    return str(claims.get("name") or claims.get("preferred_username") or claims.get("email") or claims.get("sub", ""))


def _logout_button(key: str) -> None:
    if st.button(t("auth.logout"), key=key, icon=":material/logout:"):
        audit.record("logout")
        st.logout()


def gate(settings: LoginSettings) -> Identity:
    """The logged-in user's identity; otherwise the login, expiry or no-access page, and the run stops."""
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        _alone(_login_page, "auth.login_title", "anmeldung")
    if session_expired(claims, settings):
        _alone(lambda: _expired_page(settings.max_session_hours), "auth.expired_title", "anmeldung")
    subject = str(claims.get("sub") or "")
    role = role_from_claims(claims, settings)
    if role is None:
        if st.session_state.get("_audit_no_access") != subject:
            st.session_state["_audit_no_access"] = subject
            audit.record("no_access", Identity("", "login", subject))
        _alone(lambda: _no_access_page(claims, settings), "auth.no_access_title", "kein-zugang")
    found = Identity(role, "login", subject, _display_name(claims))
    if st.session_state.get("_audit_login") != (subject, role):
        st.session_state["_audit_login"] = (subject, role)
        audit.record("session_start", found)
    return found


def account(identity: Identity) -> None:
    """Sidebar: who is logged in with which role, and the logout button (login only)."""
    if identity.source != "login":
        return
    with st.sidebar:
        st.caption(t("auth.signed_in", name=markup.text(identity.name), role=t(f"role.{identity.role}")))
        _logout_button("auth_logout")
