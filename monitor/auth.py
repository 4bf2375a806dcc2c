"""Roles: who the user is and where that came from.

With login configured (an [auth] section in .streamlit/secrets.toml) the identity provider decides: the role comes
from a claim of the user's ID token, mapped in [monitor_login] (see .streamlit/secrets.example.toml), and is worked
out again on every run. Without login the monitor runs in local mode: the role from $MONITOR_ROLE, else monitor.toml's
`role`, else admin; local mode serves 127.0.0.1 only. The command-line tools take their role from the same local
configuration (an automation account's), and need one as soon as login is configured.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("leitung", "jury", "analyse", "datenpflege", "admin")
LOCAL_CONFIG = Path(__file__).resolve().parent.parent / "monitor.toml"
LOGIN_SECTION = "monitor_login"       # the role mapping beside Streamlit's own [auth] section
DEFAULT_ROLE_CLAIM = "groups"
DEFAULT_MAX_SESSION_HOURS = 12.0      # a working day: then the provider is asked again


class RoleError(Exception):
    """The configured role is not one the monitor knows, or the configuration does not allow this use."""


@dataclass(frozen=True)
class Identity:
    """The current user's role and where it came from."""

    role: str
    source: str  # "default" (local mode), "MONITOR_ROLE", the config file's name, or "login"
    subject: str = ""  # the provider's `sub` (login), "cli:<account>" for the command line, "" in local mode
    name: str = ""     # how the provider names the user (login only)

    @property
    def who(self) -> str:
        """The subject as the audit log names it."""
        return self.subject or ("lokal" if self.source == "default" else f"lokal ({self.source})")


@dataclass(frozen=True)
class LoginSettings:
    """[monitor_login]: which claim holds the role, its values mapped to roles (first match wins), session age."""

    role_claim: str = DEFAULT_ROLE_CLAIM
    roles: dict[str, str] = field(default_factory=dict)
    max_session_hours: float = DEFAULT_MAX_SESSION_HOURS
    contact: str = ""


# --- login (OIDC) ----------------------------------------------------------------------------------------------------


def _has_provider(auth_section: Mapping | None) -> bool:
    """An [auth] section that names a provider (directly or as [auth.<name>])."""
    if not isinstance(auth_section, Mapping):
        return False
    if auth_section.get("client_id") or auth_section.get("server_metadata_url"):
        return True
    return any(isinstance(v, Mapping) and v.get("client_id") for v in auth_section.values())


def settings_from(secrets: Mapping) -> LoginSettings | None:
    """The login settings of a secrets mapping; None when no login is configured (local mode)."""
    if not _has_provider(secrets.get("auth")):
        return None
    section = secrets.get(LOGIN_SECTION) or {}
    roles = {str(k): str(v).strip() for k, v in dict(section.get("roles") or {}).items()}
    if not roles:
        raise RoleError(f"Anmeldung ist eingerichtet ([auth]), aber [{LOGIN_SECTION}.roles] ordnet keiner Gruppe eine "
                        f"Rolle zu: ohne diese Zuordnung hätte niemand Zugang (Beispiel: "
                        f".streamlit/secrets.example.toml)")
    unknown = sorted({role for role in roles.values() if role not in ROLES})
    if unknown:
        raise RoleError(f"[{LOGIN_SECTION}.roles]: unbekannte Rolle {', '.join(map(repr, unknown))}; erlaubt: "
                        f"{', '.join(ROLES)}")
    try:
        hours = float(section.get("max_session_hours", DEFAULT_MAX_SESSION_HOURS))
    except (TypeError, ValueError):
        raise RoleError(f"[{LOGIN_SECTION}] max_session_hours ist keine Zahl") from None
    return LoginSettings(str(section.get("role_claim") or DEFAULT_ROLE_CLAIM).strip(), roles, hours,
                         str(section.get("contact") or ""))


def login_settings() -> LoginSettings | None:
    """The login settings of the running app (st.secrets); None in local mode."""
    import streamlit as st

    if not st.secrets.load_if_toml_exists():
        return None
    return settings_from(st.secrets.to_dict())


def secrets_files() -> list[Path]:
    """The secrets files Streamlit reads (secrets.files: ~/.streamlit/ and the project's .streamlit/)."""
    from streamlit import config

    files = config.get_option("secrets.files")
    return [Path(p) for p in ([files] if isinstance(files, str) else files)]


def login_settings_on_disk() -> LoginSettings | None:
    """The login settings as the app will read them, outside a running app (the launcher, the command line)."""
    merged: dict = {}
    for path in secrets_files():
        if path.is_file():
            with path.open("rb") as fh:
                merged.update(tomllib.load(fh))
    return settings_from(merged)


def claim_values(claims: Mapping, path: str) -> list[str]:
    """The values of a claim as strings; `path` may be dotted (Keycloak: realm_access.roles)."""
    value: object = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return []
        value = value[part]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]


def role_from_claims(claims: Mapping, settings: LoginSettings) -> str | None:
    """The role of the first mapping entry whose value the user's claim holds; None: no access."""
    held = set(claim_values(claims, settings.role_claim))
    return next((role for value, role in settings.roles.items() if value in held), None)


def session_expired(claims: Mapping, settings: LoginSettings, now: dt.datetime | None = None) -> bool:
    """True when the login (the ID token's `iat`) is older than max_session_hours (0 or less: never)."""
    issued = claims.get("iat")
    if settings.max_session_hours <= 0 or not isinstance(issued, (int, float)):
        return False
    now = now or dt.datetime.now(dt.UTC)
    return now.timestamp() - float(issued) > settings.max_session_hours * 3600


# --- local mode ------------------------------------------------------------------------------------------------------


def is_loopback(host: str | None) -> bool:
    """An address (or Host header, port and brackets allowed) that only this machine reaches."""
    host = (host or "").strip()
    if host.startswith("["):                       # [::1]:8501
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:                     # 127.0.0.1:8501, localhost:8501
        host = host.split(":", 1)[0]
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _configured_role(config_file: Path) -> tuple[str, str]:
    role, source = os.environ.get("MONITOR_ROLE", "").strip(), "MONITOR_ROLE"
    if not role and config_file.exists():
        with config_file.open("rb") as fh:
            role, source = str(tomllib.load(fh).get("role", "")).strip(), config_file.name
    if role and role not in ROLES:
        raise RoleError(f"Unbekannte Rolle {role!r} ({source}); erlaubt: {', '.join(ROLES)}")
    return role, source


def local_identity(config_file: Path = LOCAL_CONFIG) -> Identity:
    """Role from $MONITOR_ROLE, else monitor.toml's `role`, else admin in local mode."""
    role, source = _configured_role(config_file)
    return Identity(role, source) if role else Identity("admin", "default")


def _check_local_request() -> None:
    """Local mode answers this machine only: refuse when the server listens elsewhere or a proxy forwards to it."""
    import streamlit as st

    from monitor.i18n import t

    address = st.get_option("server.address") or ""
    host = st.context.headers.get("host") if st.context.headers else None
    # (an AppTest has no server: its address is whatever the config says, and it serves nobody)
    serves_elsewhere = not is_loopback(address) and not st.get_option("global.appTest")
    if serves_elsewhere or (host is not None and not is_loopback(host)):
        raise RoleError(t("auth.local_only", address=address or "0.0.0.0", host=host or "–"))


# --- the entry points ------------------------------------------------------------------------------------------------


def identity(config_file: Path = LOCAL_CONFIG) -> Identity:
    """The user of this Streamlit run, checked on every run.

    With login configured: the logged-in user and the role their claim maps to; a user who is not logged in, whose
    login is too old or whose claim maps to no role gets the login or no-access page and the run stops there.
    Without login: local mode (refused unless the request comes from this machine).
    """
    settings = login_settings()
    if settings is not None:
        from monitor import login

        found = login.gate(settings)
    else:
        _check_local_request()
        found = local_identity(config_file)
    _remember(found)
    return found


def _remember(found: Identity) -> None:
    import streamlit as st

    st.session_state["_identity"] = found   # the audit log's "who" (monitor/audit.py)


def command_line_identity(config_file: Path = LOCAL_CONFIG) -> Identity:
    """The role of a command-line run (an automation account): $MONITOR_ROLE or monitor.toml's `role`.

    Without either it is admin only while no login is configured (local mode, as the app); on a server with login it
    must be set, so no account acts with more rights than it was given.
    """
    account = f"cli:{getpass.getuser()}"
    role, source = _configured_role(config_file)
    if role:
        return Identity(role, source, subject=account)
    if login_settings_on_disk() is not None:
        raise RoleError("Anmeldung ist eingerichtet: die Kommandozeile braucht eine Rolle (MONITOR_ROLE=… oder "
                        "role = \"…\" in monitor.toml des Automatisierungskontos)")
    return Identity("admin", "default", subject=account)


def require(found: Identity, allowed: tuple[str, ...], action: str) -> None:
    """Raise RoleError unless the identity's role may do the action (the roles of the page that offers it)."""
    if found.role not in allowed:
        raise RoleError(f"Die Rolle {found.role!r} ({found.source}) darf {action} nicht; erlaubt: "
                        f"{', '.join(allowed)}")


def command_line_role(page: str, action: str, refused: int) -> Identity:
    """The identity of a command-line run, allowed what the page `page` (its url_path) allows and named as the audit
    log's actor. Otherwise the reason goes to stderr ("Fehler: …") and the run ends with exit status `refused`."""
    try:
        found = command_line_identity()
        require(found, page_roles(page), action)
    except RoleError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        raise SystemExit(refused) from None
    from monitor import audit  # here: audit imports this module

    audit.set_actor(found)
    return found


def page_roles(url_path: str) -> tuple[str, ...]:
    """The roles of a page (monitor/navigation.py): the command line grants what the page grants."""
    from monitor import navigation

    return next(page.roles for page in navigation.PAGES if page.url_path == url_path)
