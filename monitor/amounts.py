"""What a programme's project amounts are: the grant, or (EU "Liste der Vorhaben") the total eligible expenditure.

A programme with grant_basis 'eligible_cost' keeps that expenditure in project.granted_eur; wherever it is shown
it is called "förderfähige Gesamtausgaben", never "Zuwendung" or "bewilligt". Texts that name the grant have a
variant "eligible.<key>" (monitor/texts/programmes.toml); amount columns are renamed so that their headers say it.
"""

from __future__ import annotations

import pandas as pd

from monitor import tables
from monitor.i18n import t

# amount columns and their names for an eligible-cost programme (col.<name> gives the header)
RENAMED = {"granted_eur": "eligible_cost_eur", "granted_per_inhabitant_eur": "eligible_cost_per_inhabitant_eur"}


def is_eligible_cost(programme: dict) -> bool:
    """Whether the programme's amounts are total eligible expenditure rather than grants."""
    return programme.get("grant_basis") == "eligible_cost"


def text(key: str, programme: dict, /, lang: str | None = None, **values) -> str:
    """t(key), in its eligible-expenditure wording ("eligible.<key>") where the programme needs and has one."""
    if is_eligible_cost(programme):
        wording = t(f"eligible.{key}", lang=lang, default=None, **values)
        if wording is not None:
            return wording
    return t(key, lang=lang, **values)


def column(name: str, programme: dict) -> str:
    """The name an amount column has for this programme (granted_eur or eligible_cost_eur …)."""
    return RENAMED.get(name, name) if is_eligible_cost(programme) else name


def frame(data: pd.DataFrame, programme: dict) -> pd.DataFrame:
    """data with its amount columns named for what they hold."""
    return data.rename(columns=RENAMED) if is_eligible_cost(programme) else data


def show(data: pd.DataFrame, key: str, columns: list[str], programme: dict, **kwargs):
    """tables.show with the amount columns named for what they hold (headers and downloads alike)."""
    return tables.show(frame(data, programme), key, [column(c, programme) for c in columns], **kwargs)
