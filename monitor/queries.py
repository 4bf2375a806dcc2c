"""Named queries: one SQL file per query in queries/, run with bound $parameters, cached per data version."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import streamlit as st

from monitor.db import Database, database_path

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
_PARAM = re.compile(r"(?<![\w$])\$([a-z_][a-z0-9_]*)", re.IGNORECASE)
_COMMENT = re.compile(r"--[^\n]*")


class QueryError(Exception):
    """A named query does not exist or was called with the wrong parameters."""


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    """The SQL of a named query (file stem = name)."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise QueryError(f"Ungültiger Abfragename: {name!r}")
    path = QUERY_DIR / f"{name}.sql"
    if not path.exists():
        raise QueryError(f"Abfrage {name!r} gibt es nicht (erwartet: queries/{name}.sql)")
    return path.read_text(encoding="utf-8")


def parameters(name: str) -> set[str]:
    """The $parameters a named query expects."""
    return set(_PARAM.findall(_COMMENT.sub("", sql_text(name))))


def names() -> list[str]:
    """Every named query in queries/."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.sql"))


def _execute(name: str, params: dict, db_path: str) -> pd.DataFrame:
    expected = parameters(name)
    missing = expected - params.keys()
    if missing:
        raise QueryError(f"Abfrage {name!r}: Parameter fehlt: {', '.join(sorted(missing))}")
    bound = {k: v for k, v in params.items() if k in expected}
    cur = Database.cursor(Path(db_path))
    try:
        return cur.execute(sql_text(name), bound).df()
    finally:
        cur.close()


@st.cache_data(show_spinner=False, max_entries=2000)
def _cached(name: str, params: tuple, db_path: str, version: int) -> pd.DataFrame:
    # version is part of the cache key only: a write bumps it and old results are never reused
    return _execute(name, dict(params), db_path)


def run(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with named parameters bound; cached until the data changes."""
    path = database_path().resolve()
    frozen = tuple(sorted((k, _freeze(v)) for k, v in params.items()))
    return _cached(name, frozen, str(path), Database.version(path))


def run_uncached(name: str, **params) -> pd.DataFrame:
    """Run a named query bypassing the cache (writers that must see their own change)."""
    return _execute(name, params, str(database_path().resolve()))


def _freeze(value):
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return value
