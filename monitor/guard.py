"""The SQL guard: one read-only SELECT against the analysis copy, checked, bounded in time, rows and bytes, logged.

Defence in depth: (1) DuckDB's own parser must see exactly one SELECT; (2) its syntax tree may name only
tables of the analysis copy, CTEs in scope, a few harmless table functions and the named relations of
monitor/relations.sql (table macros over the copy's tables), never a system catalogue name;
(3) DuckDB's plan of it may scan only those tables and functions; (4) the copy's connection cannot touch files,
the network, extensions or settings (monitor.sandbox.CONFIG); (5) the copy holds no confidential row.
It runs in a query process of its own that is killed when the time limit is up, so the work really stops.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import os
import re
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from monitor import sandbox
from monitor.db import ROOT
from monitor.i18n import t
from monitor.limits import MB, frame_bytes, megabytes
from monitor.sandbox import Sandbox, SandboxError, catalogue

MAX_ROWS = 10_000
TIME_LIMIT_S = 10.0
MAX_SQL_CHARS = 20_000
WORKERS = 2  # query processes at once (one per core of the server)
SAFE_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}
# the named relations of monitor/relations.sql (project_state, project_as_of, …): table macros of the copy that
# read only its tables, so the Explorer and free SQL use the same rules as every page; nothing else user-made
RELATIONS = sandbox.relation_names()
# scalar functions that reveal the server's configuration or environment (and every pg_ function)
DENIED_FUNCTIONS = {"current_setting", "getenv", "getvariable", "current_database", "current_catalog",
                    "current_schema", "current_schemas", "in_search_path", "version", "current_query",
                    "current_connection_id", "current_query_id", "current_transaction_id", "txid_current"}
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "system", "temp"}
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_LOG_LOCK = threading.Lock()


class Refusal(Exception):
    """The statement was not run (or was stopped); code names the catalogue message in monitor/texts/explorer.toml.

    values fill the message's placeholders (the sizes of a result too large); detail is DuckDB's reason.
    """

    def __init__(self, code: str, detail: str = "", **values):
        self.code, self.detail, self.values = code, detail, values
        super().__init__(f"{code}: {detail or values}" if detail or values else code)

    def message(self, lang: str | None = None) -> str:
        """The user's message: the catalogue text, plus DuckDB's one-line reason where it helps."""
        values = {k: _megabytes_text(v, lang) if k.endswith("_bytes") else v for k, v in self.values.items()}
        text = t(f"ex.refuse.{self.code}", lang=lang, **values)
        return f"{text} ({self.detail})" if self.detail else text


def _megabytes_text(size: int, lang: str | None) -> str:
    from monitor import fmt  # (fmt imports the texts; kept out of the query process's imports)

    value = size / MB
    return fmt.number(value, 0 if value == int(value) else 1, lang)


def max_result_bytes() -> int:
    """The largest result the Explorer and free SQL may return (MONITOR_EXPLORER_RESULT_MB, default 16)."""
    return megabytes("MONITOR_EXPLORER_RESULT_MB", 16) * MB


@dataclass
class Result:
    """Rows of a query that ran, with what the user must know about them."""

    frame: pd.DataFrame
    truncated: bool
    duration_ms: int
    sha256: str
    columns: list[str] = field(default_factory=list)


def log_path() -> Path:
    """Where queries are logged: $MONITOR_QUERY_LOG or data/logs/queries.jsonl."""
    return Path(os.environ.get("MONITOR_QUERY_LOG", ROOT / "data" / "logs" / "queries.jsonl"))


def _log(entry: dict) -> None:
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    with _LOG_LOCK, path.open("a", encoding="utf-8") as fh:
        fh.write(line)


def _nodes(node):
    """Every dict in a serialised syntax tree."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _looks_like_path(name: str) -> bool:
    return any(ch in name for ch in "/\\~") or bool(re.search(r"\.[a-z0-9]{1,8}$", name, re.IGNORECASE))


_SYSTEM_NAMES: list[frozenset[str]] = []


def system_names(cur: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Names of DuckDB's own views and table functions (pragma_database_list, duckdb_settings, …), lowercase."""
    if not _SYSTEM_NAMES:
        rows = cur.execute(
            "select lower(view_name) from duckdb_views() where internal union "
            "select lower(function_name) from duckdb_functions() where function_type in ('table', 'table_macro')"
        ).fetchall()
        _SYSTEM_NAMES.append(frozenset(r[0] for r in rows) - SAFE_TABLE_FUNCTIONS - RELATIONS)
    return _SYSTEM_NAMES[0]


def _check_table(node: dict, tables: set[str], ctes: frozenset[str], system: frozenset[str]) -> None:
    name, schema, catalog = node["table_name"], node.get("schema_name", ""), node.get("catalog_name", "")
    if _URL.match(name):
        raise Refusal("network")
    if _looks_like_path(name):
        raise Refusal("file")
    lowered = name.lower()
    # a system name is refused even where a CTE of that name is in scope: DuckDB resolves a name outside the
    # CTE's scope (or in its own non-recursive body) to the catalogue view, which names the copy's file
    if catalog or schema.lower() in SYSTEM_SCHEMAS or lowered.startswith(("duckdb_", "pg_", "sqlite_")) \
            or lowered in system:
        raise Refusal("catalog")
    if schema.lower() not in ("", "main"):
        raise Refusal("unknown_table", name)
    if lowered not in tables and not (schema == "" and lowered in ctes):
        raise Refusal("unknown_table", name)


def _check_node(node, tables: set[str], ctes: frozenset[str], system: frozenset[str]) -> None:
    """Walk the tree; a CTE is visible in the query that defines it, to the CTEs after it and (recursive) itself."""
    if isinstance(node, list):
        for value in node:
            _check_node(value, tables, ctes, system)
        return
    if not isinstance(node, dict):
        return
    cte_map = node.get("cte_map")
    if isinstance(cte_map, dict) and cte_map.get("map"):
        visible = ctes
        for entry in cte_map["map"]:
            name = entry["key"].lower()
            body = entry.get("value", {}).get("query_node") or {}
            recursive = body.get("type") == "RECURSIVE_CTE_NODE"
            _check_node(entry.get("value"), tables, visible | {name} if recursive else visible, system)
            visible = visible | {name}
        rest = {k: v for k, v in node.items() if k != "cte_map"}
        _check_node(rest, tables, visible, system)
        return
    kind = node.get("type")
    if kind == "BASE_TABLE":
        _check_table(node, tables, ctes, system)
    elif kind == "TABLE_FUNCTION":
        function = node["function"]
        name = function.get("function_name", "").lower()
        schema = str(function.get("schema", "")).lower()
        if name in RELATIONS and (function.get("catalog") or schema not in ("", "main")):
            raise Refusal("catalog")  # a relation by its name (or main.name), never through another catalogue
        if name not in SAFE_TABLE_FUNCTIONS and name not in RELATIONS:
            if any(_URL.match(str(arg["literal"].get("text", ""))) for arg in _nodes(node["function"])
                   if isinstance(arg.get("literal"), dict)):
                raise Refusal("network")
            if name.startswith(("read_", "glob", "parquet_", "sniff_", "iceberg", "delta", "sqlite", "postgres",
                                "mysql", "http", "json", "csv", "text", "blob")) or "scan" in name:
                raise Refusal("file")
            if name.startswith(("duckdb_", "pragma_", "pg_", "information_schema", "sql_auto_complete")) \
                    or name in system:
                raise Refusal("catalog")
            raise Refusal("table_function", name)
    elif kind == "SHOW_REF" and node.get("query") is None:
        raise Refusal("catalog")
    elif node.get("class") == "FUNCTION":
        name = node.get("function_name", "").lower()
        if name in DENIED_FUNCTIONS or name.startswith("pg_"):
            raise Refusal("function", node["function_name"])
    for value in node.values():
        if isinstance(value, (dict, list)):
            _check_node(value, tables, ctes, system)


def _check_tree(tree: dict, tables: set[str], system: frozenset[str] = frozenset()) -> None:
    _check_node(tree, tables, frozenset(), system)


def check(sql: str, cur: duckdb.DuckDBPyConnection) -> None:
    """Raise Refusal unless sql is exactly one SELECT that names and reads only tables of the analysis copy."""
    if not sql or not sql.strip():
        raise Refusal("empty")
    if len(sql) > MAX_SQL_CHARS:
        raise Refusal("too_long")
    try:
        statements = cur.extract_statements(sql)
    except duckdb.Error as exc:
        raise Refusal("syntax", _one_line(exc)) from None
    if len(statements) == 0:
        raise Refusal("empty")
    if len(statements) > 1:
        raise Refusal("multiple")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise Refusal("not_select", statements[0].type.name)
    try:
        tree = json.loads(cur.execute("select json_serialize_sql($sql)", {"sql": sql}).fetchall()[0][0])
    except duckdb.Error as exc:
        raise Refusal("syntax", _one_line(exc)) from None
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        raise Refusal("syntax", str(tree.get("error_message", ""))[:200])
    _check_tree(tree, set(catalogue()), system_names(cur))
    # (3), DuckDB's plan, is checked in the query process: planning folds constant expressions, which can take
    # as long as running them, and only there does the time limit stop it (monitor.sandbox.plan_violation)


def _one_line(exc: BaseException) -> str:
    """DuckDB's first message line without anything that names the server's files."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"(/[\w.+-]+)+/?", "…", text)
    return text[:300]


class _Stopped(Exception):
    """The query process did not answer in time (or died): it has been killed."""


class _Worker:
    """One query process (python -m monitor.sandbox), ready when constructed."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor.sandbox"], cwd=str(ROOT), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
        if self._read(60.0) != "ready":
            self.kill()
            raise SandboxError("Der Abfrageprozess ist nicht gestartet")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, request: dict, time_limit: float):
        """Send a request and wait at most time_limit seconds for the answer; _Stopped otherwise."""
        try:
            sandbox.send(self.process.stdin, request)
        except OSError:
            self.kill()
            raise _Stopped() from None
        return self._read(time_limit)

    def _read(self, time_limit: float):
        out = self.process.stdout
        ready, _, _ = select.select([out], [], [], time_limit)
        if not ready:
            self.kill()
            raise _Stopped()
        message = sandbox.receive(out)  # (the answer follows its first byte at once)
        if message is None:
            self.kill()
            raise _Stopped()
        return message

    def kill(self) -> None:
        """Stop the process at once (SIGKILL): its memory and CPU are free again."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


class _Workers:
    """At most WORKERS query processes at work, and one more started ahead and waiting: when a process is killed at
    the time limit, the next query takes the waiting one and starts at once (a new process needs ~0.5 s)."""

    def __init__(self, size: int):
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._starting = False

    def acquire(self, wait: float) -> _Worker:
        if not self._slots.acquire(timeout=wait):
            raise Refusal("busy")
        with self._lock:
            worker = None
            while self._idle and worker is None:
                candidate = self._idle.pop()
                worker = candidate if candidate.alive else None
            start_spare = not self._idle and not self._starting
            self._starting = self._starting or start_spare
        if start_spare:
            threading.Thread(target=self._spare, daemon=True).start()
        if worker is None:
            try:
                worker = _Worker()
            except BaseException:
                self._slots.release()
                raise
        return worker

    def release(self, worker: _Worker) -> None:
        if worker.alive:
            with self._lock:
                self._idle.append(worker)
        self._slots.release()

    def _spare(self) -> None:
        try:
            worker = _Worker()
        except (SandboxError, OSError):
            worker = None
        with self._lock:
            self._starting = False
            if worker is not None:
                self._idle.append(worker)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_WORKERS = _Workers(WORKERS)
atexit.register(_WORKERS.close)


def _execute(sql: str, params: dict | None, max_rows: int, max_bytes: int, time_limit: float) -> tuple[pa.Table, bool]:
    """Run a checked statement in a query process; the process is killed when the time limit is up."""
    try:
        worker = _WORKERS.acquire(time_limit)
    except (SandboxError, OSError) as exc:
        raise Refusal("unavailable", _one_line(exc)) from None
    try:
        reply = worker.ask({"path": str(Sandbox.path()), "sql": sql, "params": params, "max_rows": max_rows,
                            "max_bytes": max_bytes, "tables": sorted(catalogue()),
                            "functions": sorted(SAFE_TABLE_FUNCTIONS | RELATIONS)}, time_limit)
    except _Stopped:
        raise Refusal("timeout", f"{time_limit:g} s") from None
    finally:
        _WORKERS.release(worker)
    if reply[0] == "refused":
        raise Refusal(reply[1], reply[2])
    if reply[0] == "too_large":
        raise Refusal("too_large", size_bytes=reply[1], limit_bytes=max_bytes)
    if reply[0] == "error":
        kind, text = reply[1], reply[2]
        if kind == "OutOfMemoryException":
            raise Refusal("memory")
        if kind == "PermissionException":
            raise Refusal("file")
        if kind == "InterruptException":
            raise Refusal("timeout", f"{time_limit:g} s")
        raise Refusal("error", _one_line(Exception(text)) if text else kind)
    return pa.ipc.open_stream(reply[1]).read_all(), reply[2]


def _to_frame(table: pa.Table) -> pd.DataFrame:
    # decimals become floats (what the formatters, charts and writers expect); dates become datetimes
    columns = []
    for f in table.schema:
        col = table.column(f.name)
        if pa.types.is_decimal(f.type):
            col = col.cast(pa.float64())
        columns.append(col)
    table = pa.Table.from_arrays(columns, names=table.column_names)
    return table.to_pandas(date_as_object=False)


def run(sql: str, params: dict | None = None, *, role: str, source: str = "sql", max_rows: int = MAX_ROWS,
        time_limit: float = TIME_LIMIT_S) -> Result:
    """Check and run one SELECT on the analysis copy in a query process; raises Refusal (logged either way).

    At most max_rows rows and max_result_bytes() bytes; after time_limit seconds the process is killed.
    """
    digest = hashlib.sha256((sql or "").encode("utf-8")).hexdigest()
    entry = {"at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "role": role, "source": source,
             "sql_sha256": digest, "rows": 0, "duration_ms": 0, "refused": False, "reason": None, "truncated": False}
    started = time.monotonic()
    cur = None
    try:
        try:
            cur = Sandbox.cursor()
        except (SandboxError, duckdb.Error) as exc:
            raise Refusal("unavailable", _one_line(exc)) from None
        check(sql, cur)
        max_bytes = max_result_bytes()
        table, truncated = _execute(sql, params, max_rows, max_bytes, time_limit)
        frame = _to_frame(table)
        if frame_bytes(frame) > max_bytes:  # as a frame it may hold more than as Arrow (dates, decimals)
            raise Refusal("too_large", size_bytes=frame_bytes(frame), limit_bytes=max_bytes)
        duration = round(1000 * (time.monotonic() - started))
        entry.update(rows=len(frame), truncated=truncated)
        return Result(frame, truncated, duration, digest, list(frame.columns))
    except Refusal as refusal:
        entry.update(refused=True, reason=refusal.code)
        raise
    finally:
        entry["duration_ms"] = round(1000 * (time.monotonic() - started))
        if cur is not None:
            try:
                cur.close()
            except duckdb.Error:
                pass
        _log(entry)
