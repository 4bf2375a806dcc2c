"""The audit log: who (subject and role) did what, one JSON line per event, rotated by size.

Events: session_start and no_access (login), logout, page (opened, with Stichtag and programme), download (which
table, which format), import and undo (batch, kind, rows, SHA-256 of the file), query (Explorer and command line:
the statement's SHA-256, as in the query log, and its shape with every literal replaced by `?`, the row count).
Never a value of the data: no names, amounts, file contents or typed literals. It lives in data/logs/audit.jsonl (or
$MONITOR_AUDIT_LOG); past MONITOR_AUDIT_MAX_MB (default 10) it moves to audit.jsonl.1 … .9, the oldest dropped.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import threading
from pathlib import Path

import pandas as pd

from monitor.auth import Identity

ROOT = Path(__file__).resolve().parent.parent
BACKUPS = 9
EVENTS = ("session_start", "no_access", "logout", "page", "download", "import", "undo", "query")
_LOCK = threading.Lock()
_actor: Identity | None = None   # the command line's identity (no Streamlit session there)

# string literals (with '' inside), then numbers standing alone (not the 1 of t1 or of a $1 parameter)
_LITERALS = re.compile(r"'(?:[^']|'')*'|(?<![\w$.])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])", re.IGNORECASE)


def log_path() -> Path:
    """$MONITOR_AUDIT_LOG or data/logs/audit.jsonl."""
    return Path(os.environ.get("MONITOR_AUDIT_LOG", ROOT / "data" / "logs" / "audit.jsonl"))


def max_bytes() -> int:
    """Size at which the log is rotated ($MONITOR_AUDIT_MAX_MB, default 10)."""
    return int(float(os.environ.get("MONITOR_AUDIT_MAX_MB", "10")) * 1024 * 1024)


def files(path: Path | None = None) -> list[Path]:
    """The log and its rotated files that exist, newest first."""
    path = path or log_path()
    candidates = [path] + [path.with_name(f"{path.name}.{n}") for n in range(1, BACKUPS + 1)]
    return [p for p in candidates if p.exists()]


def set_actor(identity: Identity) -> None:
    """Name who acts in a process without a Streamlit session (the command line)."""
    global _actor
    _actor = identity


def actor() -> Identity:
    """Who acts now: the Streamlit session's identity (monitor/auth.py remembers it each run), else set_actor's."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is not None:
            import streamlit as st

            found = st.session_state.get("_identity")
            if found is not None:
                return found
    except Exception:  # noqa: BLE001 - no Streamlit session: the process's actor
        pass
    return _actor or Identity("?", "unbekannt", "?")


def _rotate(path: Path) -> None:
    for n in range(BACKUPS, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        newer = path.with_name(f"{path.name}.{n - 1}") if n > 1 else path
        if newer.exists():
            os.replace(newer, older)


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def record(event: str, who: Identity | None = None, **fields) -> None:
    """Append one event; never raises (an audit failure must not stop the user) but says so on stderr."""
    who = who or actor()
    entry = {"at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "event": event,
             "subject": who.who, "role": who.role or None}
    entry.update({k: _plain(v) for k, v in fields.items()})
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    if _server_mode():
        _record_in_postgres(line)
        return
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _LOCK, open(path.with_name(path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)   # the app and the command line may write at once
            if path.exists() and path.stat().st_size + len(line.encode()) > max_bytes():
                _rotate(path)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as exc:
        import sys

        print(f"Audit-Protokoll nicht geschrieben ({path}): {exc}", file=sys.stderr)


def _server_mode() -> bool:
    from monitor.db import server_mode

    return server_mode()


_pg = threading.local()   # one connection per thread of a server-mode process


def _pg_connection():
    from monitor import pg

    con = getattr(_pg, "con", None)
    if con is None or con.closed or getattr(_pg, "url", None) != pg.url():
        _pg.url = pg.url()
        con = _pg.con = pg.connect(autocommit=True)
    return con


def _record_in_postgres(line: str) -> None:
    """Server mode: every process of the installation writes to the same table (monitor_audit in PostgreSQL)."""
    try:
        _pg_connection().execute("insert into monitor_audit (entry) values (%s)", [line])
    except Exception as exc:  # noqa: BLE001 - never stops the user; said on stderr
        import sys

        _pg.con = None
        print(f"Audit-Protokoll nicht in PostgreSQL geschrieben: {exc}", file=sys.stderr)


def _postgres_lines(limit: int | None) -> list[str]:
    """The audit entries kept in PostgreSQL, newest first."""
    rows = _pg_connection().execute("select entry::text from monitor_audit order by id desc limit %s",
                                    [limit]).fetchall()
    return [row[0] for row in rows]


def _once(key: str, value) -> bool:
    """True the first time a session sees this value under key (reruns of the same view log nothing)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is None:
            return True
        import streamlit as st

        if st.session_state.get(key) == value:
            return False
        st.session_state[key] = value
    except Exception:  # noqa: BLE001 - outside a session every call counts
        return True
    return True


def page_opened(page: str, as_of: dt.date, programme_id: str) -> None:
    """A page shown with its Stichtag and programme (once per change within a session)."""
    if _once("_audit_page", (page, as_of, programme_id)):
        record("page", page=page, stichtag=as_of, programme=programme_id)


def sql_shape(sql: str) -> str:
    """The statement with every string and number literal replaced by ? and its whitespace collapsed."""
    return " ".join(_LITERALS.sub("?", sql or "").split())


def query(source: str, sql: str, params: dict | None, refusal: str | None, rows: int | None) -> None:
    """A query run in the Explorer or on the command line (once per statement and parameters within a session)."""
    digest = hashlib.sha256((sql or "").encode("utf-8")).hexdigest()
    bound = hashlib.sha256(json.dumps(params or {}, sort_keys=True, default=str).encode()).hexdigest()
    if _once("_audit_query", (source, digest, bound)):
        # parameter names only: their values are what the user filtered on
        record("query", source=source, sql_sha256=digest, sql_shape=sql_shape(sql)[:2000],
               parameters=",".join(sorted(params or {})) or None, refused=refusal, rows=rows)


def on_download(make, table: str, file_format: str):
    """Wrap a download button's data callable so that the click is logged (by whom: the user who saw the button)."""
    who = actor()

    def logged():
        record("download", who, table=table, format=file_format)
        return make()

    return logged


def imported(batch: int, kind: str, rows: int, sha256: str) -> None:
    """A committed import (batch, kind, rows and the file's SHA-256; not its name or content)."""
    record("import", batch=batch, kind=kind, rows=rows, file_sha256=sha256)


def undone(batch: int, rows: int) -> None:
    """An undone import."""
    record("undo", batch=batch, rows=rows)


def read(path: Path | None = None, limit: int | None = None) -> pd.DataFrame:
    """The events of the log and its rotated files, newest first (at most limit); in server mode those kept in
    PostgreSQL."""
    rows: list[dict] = []
    if _server_mode():
        rows = [json.loads(line) for line in _postgres_lines(limit)]
    for file in [] if _server_mode() else files(path):
        with open(file, encoding="utf-8") as fh:
            lines = fh.readlines()
        for line in reversed(lines):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
            if limit is not None and len(rows) >= limit:
                break
        if limit is not None and len(rows) >= limit:
            break
    columns = ["at", "event", "subject", "role", "page", "stichtag", "programme", "table", "format", "batch", "kind",
               "rows", "source", "sql_shape", "sql_sha256", "refused", "file_sha256"]
    frame = pd.DataFrame(rows)
    extra = [c for c in frame.columns if c not in columns]
    return frame.reindex(columns=columns + extra)


def jsonl_bytes(path: Path | None = None) -> bytes:
    """Every file of the log in order, oldest first, as one JSON-lines download (server mode: from PostgreSQL)."""
    if _server_mode():
        return "".join(line + "\n" for line in reversed(_postgres_lines(None))).encode("utf-8")
    return b"".join(p.read_bytes() for p in reversed(files(path)))


def view(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """The events as the Protokoll page shows them: local time, the Stichtag a date, events in words, only columns
    that hold something."""
    from monitor.i18n import t

    if frame.empty:
        return frame
    local = dt.datetime.now().astimezone().tzinfo
    out = frame.rename(columns={"at": "at_time", "stichtag": "stichtag_date"})
    out["at_time"] = pd.to_datetime(out["at_time"], utc=True).dt.tz_convert(local).dt.tz_localize(None)
    out["stichtag_date"] = pd.to_datetime(out["stichtag_date"], errors="coerce")
    out["event"] = out["event"].map(lambda e: t(f"audit.event.{e}", lang=lang, default=str(e)))
    out["event_code"] = frame["event"]
    return out.dropna(axis="columns", how="all")


def filtered(frame: pd.DataFrame, events: list[str], needle: str) -> pd.DataFrame:
    """The rows of the chosen events (all when none is chosen) whose subject contains needle; without the code."""
    keep = frame["event_code"].isin(events) if events else pd.Series(True, index=frame.index)
    if needle:
        keep &= frame["subject"].astype("string").str.contains(needle, case=False, regex=False).fillna(False)
    return frame[keep].drop(columns="event_code")
