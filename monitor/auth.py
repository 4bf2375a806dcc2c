"""Roles: who the user is and which pages that role may open (login comes later; local config until then)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROLES = ("leitung", "jury", "analyse", "datenpflege", "admin")
LOCAL_CONFIG = Path(__file__).resolve().parent.parent / "monitor.toml"


class RoleError(Exception):
    """The configured role is not one the monitor knows."""


@dataclass(frozen=True)
class Identity:
    """The current user's role and where it came from."""

    role: str
    source: str  # "default" (local mode), "MONITOR_ROLE" or the config file's name


def identity(config_file: Path = LOCAL_CONFIG) -> Identity:
    """Role from $MONITOR_ROLE, else monitor.toml's `role`, else admin in local mode."""
    role, source = os.environ.get("MONITOR_ROLE", "").strip(), "MONITOR_ROLE"
    if not role and config_file.exists():
        with config_file.open("rb") as fh:
            role, source = str(tomllib.load(fh).get("role", "")).strip(), config_file.name
    if not role:
        return Identity("admin", "default")
    if role not in ROLES:
        raise RoleError(f"Unbekannte Rolle {role!r} ({source}); erlaubt: {', '.join(ROLES)}")
    return Identity(role, source)
