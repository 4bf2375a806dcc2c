"""Start the dashboard safely: `python -m monitor.serve [streamlit options]` (what `make run` does).

Without login configured (local mode, everyone admin) the monitor serves 127.0.0.1 only, and says so; asked to serve
another address without login, it refuses to start. With login configured (monitor/auth.py) it checks the role
mapping first. Then it becomes `streamlit run dashboard.py` with the same options.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from monitor import auth

ROOT = Path(__file__).resolve().parent.parent


def flags(argv: list[str]) -> dict[str, str]:
    """Streamlit's config options given as `--section.option value` or `--section.option=value`."""
    found, rest = {}, list(argv)
    while rest:
        arg = rest.pop(0)
        if not arg.startswith("--") or "." not in arg:
            continue
        name, _, value = arg[2:].partition("=")
        if not _ and rest and not rest[0].startswith("--"):
            value = rest.pop(0)
        found[name] = value
    return found


def check(argv: list[str]) -> tuple[int, str, list[str]]:
    """(exit code, message, options to add): 0 and what will be served, or 2 and why the monitor does not start.

    Local mode serves 127.0.0.1 whatever the config files say (an empty address there would mean every address).
    """
    from streamlit import config
    from streamlit.web import bootstrap

    bootstrap.load_config_options(flags(argv))
    address, port = config.get_option("server.address") or "", config.get_option("server.port")
    try:
        settings = auth.login_settings_on_disk()
    except auth.RoleError as exc:
        return 2, f"Der Monitor startet nicht: {exc}", []
    added = []
    if settings is None and not address:   # (unset: Streamlit would serve every address)
        address, added = "127.0.0.1", ["--server.address", "127.0.0.1"]
    if settings is None and not auth.is_loopback(address):
        return 2, (f"Der Monitor startet nicht: ohne Anmeldung (lokaler Modus, jede Person wäre Administration) "
                   f"läuft er nur auf 127.0.0.1, verlangt ist aber die Adresse {address}. "
                   f"Für einen Server zuerst die Anmeldung einrichten: README, Abschnitt „Betrieb auf einem Server“ "
                   f"(.streamlit/secrets.toml nach .streamlit/secrets.example.toml)."), []
    if settings is None:
        return 0, (f"Lokaler Modus ohne Anmeldung: nur auf diesem Rechner erreichbar, http://{address}:{port} "
                   f"(für einen Server: README, „Betrieb auf einem Server“)."), added
    return 0, (f"Anmeldung über OpenID Connect eingerichtet (Rolle aus dem Claim „{settings.role_claim}“, "
               f"{len(settings.roles)} Zuordnungen); Adresse {address or 'alle'}, Port {port}."), []


def main(argv: list[str] | None = None) -> int:
    """Check, say what will be served, and run Streamlit in this process's place; 2 when refused."""
    argv = sys.argv[1:] if argv is None else argv
    code, message, added = check(argv)
    print(message, file=sys.stderr if code else sys.stdout, flush=True)
    if code:
        return code
    os.execv(sys.executable, [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), *argv, *added])
    return 0  # (not reached)


if __name__ == "__main__":
    sys.exit(main())
