"""The SQL guard: one read-only SELECT against the analysis copy, checked, bounded in time and rows, logged.

Defence in depth: (1) DuckDB's own parser must see exactly one SELECT; (2) its syntax tree may name only
tables of the analysis copy, CTEs and a few harmless table functions; (3) the copy's connection cannot touch
files, the network, extensions or settings (monitor.sandbox.CONFIG); (4) the copy holds no confidential row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from monitor.db import ROOT
from monitor.i18n import t
from monitor.sandbox import Sandbox, SandboxError, catalogue

MAX_ROWS = 10_000
TIME_LIMIT_S = 10.0
MAX_SQL_CHARS = 20_000
SAFE_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}
# scalar functions that reveal the server's configuration or environment
DENIED_FUNCTIONS = {"current_setting", "getenv", "getvariable", "current_database", "current_schema",
                    "current_schemas", "pg_get_viewdef", "pg_get_constraintdef", "version"}
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "system", "temp"}
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_LOG_LOCK = threading.Lock()


class Refusal(Exception):
    """The statement was not run (or was stopped); code names the catalogue message in monitor/texts/explorer.toml."""

    def __init__(self, code: str, detail: str = ""):
        self.code, self.detail = code, detail
        super().__init__(f"{code}: {detail}" if detail else code)

    def message(self, lang: str | None = None) -> str:
        """The user's message: the catalogue text, plus DuckDB's one-line reason where it helps."""
        text = t(f"ex.refuse.{self.code}", lang=lang)
        return f"{text} ({self.detail})" if self.detail else text


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


def _check_tree(tree: dict, tables: set[str]) -> None:
    nodes = list(_nodes(tree))
    ctes = {entry["key"].lower() for n in nodes if isinstance(n.get("cte_map"), dict)
            for entry in n["cte_map"].get("map", [])}
    for node in nodes:
        kind = node.get("type")
        if kind == "BASE_TABLE":
            name, schema, catalog = node["table_name"], node.get("schema_name", ""), node.get("catalog_name", "")
            if _URL.match(name):
                raise Refusal("network")
            if _looks_like_path(name):
                raise Refusal("file")
            if catalog or schema.lower() in SYSTEM_SCHEMAS or name.lower().startswith(("duckdb_", "pg_", "sqlite_")):
                raise Refusal("catalog")
            if schema.lower() not in ("", "main"):
                raise Refusal("unknown_table", name)
            if name.lower() not in tables and not (schema == "" and name.lower() in ctes):
                raise Refusal("unknown_table", name)
        elif kind == "TABLE_FUNCTION":
            name = node["function"].get("function_name", "").lower()
            if name in SAFE_TABLE_FUNCTIONS:
                continue
            if any(_URL.match(str(arg["literal"].get("text", ""))) for arg in _nodes(node["function"])
                   if isinstance(arg.get("literal"), dict)):
                raise Refusal("network")
            if name.startswith(("read_", "glob", "parquet_", "sniff_", "iceberg", "delta", "sqlite", "postgres",
                                "mysql", "http", "json", "csv", "text", "blob")) or "scan" in name:
                raise Refusal("file")
            if name.startswith(("duckdb_", "pragma_", "pg_", "information_schema", "sql_auto_complete")):
                raise Refusal("catalog")
            raise Refusal("table_function", name)
        elif kind == "SHOW_REF" and node.get("query") is None:
            raise Refusal("catalog")
        elif node.get("class") == "FUNCTION" and node.get("function_name", "").lower() in DENIED_FUNCTIONS:
            raise Refusal("function", node["function_name"])


def check(sql: str, cur: duckdb.DuckDBPyConnection) -> None:
    """Raise Refusal unless sql is exactly one SELECT that names only tables of the analysis copy."""
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
    _check_tree(tree, set(catalogue()))


def _one_line(exc: BaseException) -> str:
    """DuckDB's first message line without anything that names the server's files."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"(/[\w.+-]+)+/?", "…", text)
    return text[:300]


def _fetch(cur, sql: str, params: dict | None, max_rows: int, out: dict) -> None:
    try:
        reader = cur.sql(sql, params=params or None).to_arrow_reader(2048)
        batches, rows = [], 0
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            if rows > max_rows:
                break
        out["table"] = pa.Table.from_batches(batches, schema=reader.schema)
    except BaseException as exc:  # noqa: BLE001 - reported to the caller's thread, never raised here
        out["error"] = exc


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
    """Check and run one SELECT on the analysis copy; raises Refusal (logged either way)."""
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
        out: dict = {}
        worker = threading.Thread(target=_fetch, args=(cur, sql, params, max_rows, out), daemon=True)
        worker.start()
        worker.join(time_limit)
        if worker.is_alive():
            cur.interrupt()
            worker.join(5.0)  # a daemon thread: should it not stop, it cannot hold the process either
            raise Refusal("timeout", f"{time_limit:g} s")
        error = out.get("error")
        if isinstance(error, duckdb.InterruptException):
            raise Refusal("timeout", f"{time_limit:g} s")
        if isinstance(error, duckdb.OutOfMemoryException):
            raise Refusal("memory")
        if isinstance(error, duckdb.PermissionException):
            raise Refusal("file")
        if isinstance(error, duckdb.Error):
            raise Refusal("error", _one_line(error))
        if error is not None:
            raise Refusal("error", type(error).__name__)
        table = out["table"]
        truncated = table.num_rows > max_rows
        frame = _to_frame(table.slice(0, max_rows))
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
