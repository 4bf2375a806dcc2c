"""Named queries: one SQL file per query in queries/, run with bound $parameters, cached per data version.

The cache is one per process, shared by every session, and bounded in bytes: a result larger than
MONITOR_QUERY_RESULT_MB is refused (pages summarise in SQL), and the whole cache keeps at most
MONITOR_QUERY_CACHE_MB, the least recently used results leaving first.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd
import streamlit as st

from monitor.db import Database, database_path
from monitor.limits import MB, frame_bytes, megabytes

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
_PARAM = re.compile(r"(?<![\w$])\$([a-z_][a-z0-9_]*)", re.IGNORECASE)
_COMMENT = re.compile(r"--[^\n]*")


class QueryError(Exception):
    """A named query does not exist, was called with the wrong parameters or returned too much."""


class ResultCache:
    """Results shared by every session of the process: bounded in bytes, least recently used out first.

    While one session computes a result, others asking for the same key wait for it instead of computing it
    again (twenty leaders opening the Übersicht at nine run each query once). Values are returned as shallow
    copies: with pandas' copy-on-write a caller that changes its frame never changes the cached one.
    """

    def __init__(self, max_bytes: int, size: Callable[[object], int] = frame_bytes):
        self.max_bytes, self._size = max_bytes, size
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, compute: Callable[[], object]):
        """The cached value for key, computed (once, whoever asks meanwhile) when missing."""
        while True:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return _shallow(self._entries[key][0])
                waiting = self._pending.get(key)
                if waiting is None:
                    self._pending[key] = threading.Event()
                    break
            waiting.wait()  # then look again: the other caller may have failed or not kept it
        try:
            value = compute()
            self._put(key, value)
            return _shallow(value)
        finally:
            with self._lock:
                self._pending.pop(key).set()

    def _put(self, key: Hashable, value) -> None:
        size = self._size(value)
        if size > self.max_bytes:
            return
        with self._lock:
            while self._entries and self.bytes + size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped
            self._entries[key] = (value, size)
            self.bytes += size

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._entries.clear()
            self.bytes = 0


def _shallow(value):
    return value.copy(deep=False) if isinstance(value, pd.DataFrame) else value


@cache
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


@st.cache_resource(show_spinner=False)
def result_cache() -> ResultCache:
    """The process's cache of named-query results (st.cache_resource: one for all sessions, cleared with it)."""
    return ResultCache(megabytes("MONITOR_QUERY_CACHE_MB", 256) * MB)


def _bounded(name: str, params: dict, db_path: str) -> pd.DataFrame:
    frame = _execute(name, params, db_path)
    size, limit = frame_bytes(frame), megabytes("MONITOR_QUERY_RESULT_MB", 64)
    if size > limit * MB:
        raise QueryError(f"Abfrage {name!r}: Ergebnis zu groß ({size / MB:.1f} MB, höchstens {limit} MB); "
                         f"bitte in der Abfrage zusammenfassen")
    return frame


@lru_cache(maxsize=64)
def _resolved(path: Path) -> Path:
    return path.resolve()


def run(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with named parameters bound; cached until the data changes."""
    path = _resolved(database_path())
    frozen = tuple(sorted((k, _freeze(v)) for k, v in params.items()))
    # the version is part of the key only: a write bumps it and old results are never reused
    key = (name, frozen, str(path), Database.version(path))
    return result_cache().get(key, lambda: _bounded(name, dict(frozen), str(path)))


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
