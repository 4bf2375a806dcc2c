"""The analysis copy: a separate DuckDB file without confidential data, opened read-only and locked down.

Free SQL never runs against the main database. It runs against a copy that simply does not contain the
confidential rows (jury scores and recusals of applications that were not selected) nor the identities of
applications that were not selected (their titles, requested amounts and sources; the names, seats and members of
applicants that never got a project, whose ids become pseudonyms), so no query, catalog function or trick can reach
them. Counts, kinds, Kreise, dates, goals and drop-out reasons stay. The copy holds only the tables and columns
described in monitor/texts/explorer_columns.toml: a table or column added to the schema later stays out until
someone describes it there on purpose. The copy carries the named relations of monitor/relations.sql (table macros
over its own tables), so the Explorer and free SQL judge projects by the same rules as every page.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import struct
import sys
import threading
from pathlib import Path
from typing import BinaryIO

import duckdb

from monitor import db
from monitor.db import Database, database_path
from monitor.i18n import catalogue as text_catalogue

# what stays out of the copy and why (tests check that every schema column is described or listed here)
EXCLUDED = {
    "build_info": "names a path on the server; nothing to analyse",
    "import_change.before_json": "undo snapshots of whole rows; any table's row could end up in them",
    # summaries kept by monitor/aggregates.py: derived from the copied tables, which the copy's relations read
    "project_month_state": "the traffic light per project and month end, derived (project_state_on gives it)",
    "project_month_state_info": "which month ends project_month_state holds; bookkeeping",
    "score_cell_state": "the jury's verdict per application and criterion, derived (score_cell gives it)",
    "application_ranking_state": "the jury's ranking, derived (application_ranking gives it)",
    "score_state_info": "for which day score_cell_state and application_ranking_state hold; bookkeeping",
    "snapshot_state": "server mode: which data version of PostgreSQL a snapshot holds; bookkeeping (monitor/store.py)",
}
# rows of a copied table that may be copied; the rest is confidential
ROW_FILTERS = {
    "score": "application_id in (select application_id from main.application where status = 'selected')",
    "applicant_member": "applicant_id in (select applicant_id from main.project)",
}
# applicants that never got a project: their id becomes "anonym-001", … (numbered by their first application)
_UNFUNDED = "applicant_id not in (select applicant_id from main.project)"
_PSEUDONYMS = (
    "(select applicant_id, 'anonym-' || lpad(cast(row_number() over (order by first_application nulls last, "
    "applicant_id) as varchar), 3, '0') as pseudonym from (select applicant.applicant_id, min(application_id) as "
    "first_application from main.applicant left join main.application using (applicant_id) "
    f"where applicant.{_UNFUNDED} group by all))"
)
_PSEUDONYM = f"coalesce((select pseudonym from {_PSEUDONYMS} p where p.applicant_id = t.applicant_id), t.applicant_id)"
_SELECTED = "t.status = 'selected'"
_FUNDED = "t.applicant_id in (select applicant_id from main.project)"
# columns of a copied table that are replaced (null unless the condition holds): who applied without success is
# as confidential as their scores; an analyst may see how many were not selected and why, never who
MASKS = {
    "application": {
        "applicant_id": _PSEUDONYM,
        "title": f"case when {_SELECTED} then t.title end",
        "requested_eur": f"case when {_SELECTED} then t.requested_eur end",
        "source": f"case when {_SELECTED} then t.source end",
    },
    "applicant": {
        "applicant_id": _PSEUDONYM,
        **{column: f"case when {_FUNDED} then t.{column} end"
           for column in ("name", "region_id", "lat", "lon", "population", "source")},
    },
}
# the copy's connection: nothing outside the file, no settings changes, bounded memory and threads
CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "python_enable_replacements": False,   # no scans of Python variables
    "python_scan_all_frames": False,
    "enable_external_file_cache": False,
    "memory_limit": "512MB",
    "threads": 1,
    "temp_directory": "",                  # never spill to disk: no file is created by a query
    "lock_configuration": True,            # last: locks everything above
}
_IDENT = re.compile(r"[a-z_][a-z0-9_]*")
# views of the copy for analysts (names instead of ids); built on the copy's tables, so they hold nothing more
VIEW_DIR = Path(__file__).with_name("analysis_views")
_MACRO = re.compile(r"^create\s+or\s+replace\s+macro\s+([a-z_][a-z0-9_]*)\s*\(", re.IGNORECASE | re.MULTILINE)
# Explorer tables that are no table of the copy but a named relation at the session's programme and Stichtag
# ($programme_id, $as_of): described in explorer_columns.toml like a table, read through monitor/relations.sql
RELATION_TABLES = {
    "project_status": (
        "select state.project_id, applicant.name as recipient_name, state.title, state.light, state.lag_pct, "
        "state.granted_eur, state.planned_due_eur, state.paid_eur, state.overdue_eur, state.at_risk_eur, "
        "state.lapsed_eur, state.milestones_overdue_count, state.days_since_report, state.is_report_overdue, "
        "state.final_payment_date "
        "from project_state($programme_id, $as_of) as state "
        "left join applicant on applicant.applicant_id = state.applicant_id"
    ),
}


class SandboxError(Exception):
    """The analysis copy could not be built or opened."""


def quote(identifier: str) -> str:
    """A catalogue identifier in double quotes; anything not a plain lowercase name is rejected."""
    if not _IDENT.fullmatch(identifier):
        raise SandboxError(f"Ungültiger Bezeichner: {identifier!r}")
    return f'"{identifier}"'


def catalogue() -> dict[str, list[str]]:
    """Tables and columns the copy may hold, in catalogue order (from the xc.<table>.<column> texts)."""
    tables: dict[str, list[str]] = {}
    for key in text_catalogue():
        if key.startswith("xc."):
            _, table, column = key.split(".", 2)
            if f"{table}.{column}" not in EXCLUDED and table not in EXCLUDED and table not in RELATION_TABLES:
                tables.setdefault(table, []).append(column)
    return tables


def relations_text() -> str:
    """monitor/relations.sql: the named relations (table macros) the copy carries, as the main database does."""
    return db.RELATIONS_FILE.read_text(encoding="utf-8")


def relation_names() -> frozenset[str]:
    """The table macros of monitor/relations.sql (project_as_of, project_state, …), lowercase."""
    return frozenset(name.lower() for name in _MACRO.findall(relations_text()))


def views() -> dict[str, str]:
    """The copy's views: file stem = view name, file = its select."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(VIEW_DIR.glob("*.sql"))}


def _plan(cur: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Catalogue tables and columns that exist in the main database (views are made in the copy)."""
    present: dict[str, set[str]] = {}
    for table, column in cur.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'main'"
    ).fetchall():
        present.setdefault(table, set()).add(column)
    return {
        table: [c for c in columns if c in present[table]]
        for table, columns in catalogue().items()
        if table in present and table not in views() and any(c in present[table] for c in columns)
    }


def fingerprint(cur: duckdb.DuckDBPyConnection, plan: dict[str, list[str]]) -> str:
    """A checksum of the copied data: changes whenever a copied row does."""
    digest = hashlib.sha256()
    for table, columns in sorted(plan.items()):
        cols = ", ".join(quote(c) for c in columns)
        count, checksum = cur.execute(
            f"select count(*), bit_xor(hash(row({cols}))) from main.{quote(table)}"
        ).fetchall()[0]
        digest.update(f"{table}:{','.join(columns)}:{count}:{checksum};".encode())
    return digest.hexdigest()


def build(cur: duckdb.DuckDBPyConnection, plan: dict[str, list[str]], target: Path) -> Path:
    """Write the copy to target atomically (temporary file, then rename)."""
    with db.new_file(target, config={"python_enable_replacements": False}) as out:
        for table, columns in plan.items():
            masks = MASKS.get(table, {})
            cols = ", ".join(f"{masks[c]} as {quote(c)}" if c in masks else f"t.{quote(c)}" for c in columns)
            where = f" where {ROW_FILTERS[table]}" if table in ROW_FILTERS else ""
            data = cur.sql(f"select {cols} from main.{quote(table)} t{where}").to_arrow_table()
            out.from_arrow(data).create(table)
        # the named relations, read from the copy's own (masked) tables: macros bind when they are called, so
        # one that reads a column the copy lacks fails only when used (tests run every one on the copy)
        out.execute(relations_text())
        for name, select in views().items():
            out.execute(f"create view {quote(name)} as {select}")
    return target


class Sandbox:
    """The current analysis copy per main database, rebuilt when the data changes; one locked connection per copy."""

    _lock = threading.Lock()
    _fresh: dict[tuple, Path] = {}
    _connections: dict[Path, duckdb.DuckDBPyConnection] = {}

    @staticmethod
    def _stamp(main: Path) -> tuple:
        # in-process writes bump the version; writes by another process change the file or its WAL
        stats = []
        for path in (main, Path(str(main) + ".wal")):
            try:
                st = path.stat()
                stats.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                stats.append(None)
        return (str(main), Database.version(main), tuple(stats))

    @classmethod
    def path(cls, main: Path | None = None) -> Path:
        """The analysis copy that matches the main database's current data (built when missing)."""
        main = Path(main or database_path()).resolve()
        stamp = cls._stamp(main)
        with cls._lock:
            if stamp in cls._fresh and cls._fresh[stamp].exists():
                return cls._fresh[stamp]
            try:
                cur = Database.cursor(main)
            except duckdb.Error as exc:
                # another process holds the main file (the app while the CLI runs): use the newest copy
                newest = cls.newest(main)
                if newest is None:
                    raise SandboxError(str(exc).splitlines()[0]) from exc
                return newest
            try:
                plan = _plan(cur)
                # the views, relations and masks are part of the name: a changed one makes a new copy
                digest = hashlib.sha256(fingerprint(cur, plan).encode())
                digest.update(repr(sorted(views().items())).encode())
                digest.update(relations_text().encode())
                digest.update(repr((sorted(MASKS.items()), sorted(ROW_FILTERS.items()))).encode())
                name = digest.hexdigest()[:16]
                target = main.with_name(f"{main.stem}_analysis_{name}.duckdb")
                if not target.exists():
                    build(cur, plan, target)
            finally:
                cur.close()
            cls._fresh = {stamp: target}
            cls._forget_others(main, target)
            return target

    @classmethod
    def newest(cls, main: Path) -> Path | None:
        """The most recently written analysis copy of main, if any."""
        copies = sorted(main.parent.glob(f"{main.stem}_analysis_*.duckdb"), key=lambda p: p.stat().st_mtime_ns)
        return copies[-1] if copies else None

    @classmethod
    def _forget_others(cls, main: Path, keep: Path) -> None:
        for other in main.parent.glob(f"{main.stem}_analysis_*.duckdb"):
            if other != keep:
                # not closed: a query of another session may still be reading it (the inode outlives the name)
                cls._connections.pop(other, None)
                other.unlink(missing_ok=True)

    @classmethod
    def cursor(cls, main: Path | None = None) -> duckdb.DuckDBPyConnection:
        """A fresh cursor on the locked, read-only connection to the current analysis copy."""
        path = cls.path(main)
        with cls._lock:
            if path not in cls._connections:
                cls._connections[path] = duckdb.connect(str(path), read_only=True, config=dict(CONFIG))
            return cls._connections[path].cursor()

    @classmethod
    def tables(cls, main: Path | None = None) -> dict[str, list[tuple[str, str]]]:
        """Tables of the current copy with their (column, DuckDB type), in catalogue order."""
        cur = cls.cursor(main)
        try:
            rows = cur.execute(
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_schema = 'main' order by table_name, ordinal_position"
            ).fetchall()
        finally:
            cur.close()
        found: dict[str, list[tuple[str, str]]] = {}
        for table, column, dtype in rows:
            found.setdefault(table, []).append((column, dtype))
        # views first: they are where most questions start
        described, made = catalogue(), views()
        order = [v for v in made if v in found and v in described]
        order += [t for t in described if t in found and t not in made]
        return {t: found[t] for t in order}

    @classmethod
    def close_all(cls) -> None:
        """Close every connection to a copy (tests)."""
        with cls._lock:
            for con in cls._connections.values():
                con.close()
            cls._connections.clear()
            cls._fresh.clear()


# --- the query process ---------------------------------------------------------------------------------------
# Free SQL runs in a separate process (python -m monitor.sandbox) that the guard kills when the time is up:
# DuckDB's interrupt is checked between vectors, and a single long function call (list_sort of 100 million
# numbers) ignores it for minutes. Messages are length-prefixed pickles between the app and its own child.


def send(stream: BinaryIO, message) -> None:
    """Write one message (the parent's request or the worker's answer)."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def receive(stream: BinaryIO):
    """Read one message; None when the other side has closed the pipe."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack(">Q", head)
    return pickle.loads(stream.read(size))


def _plan_nodes(node):
    if isinstance(node, dict):
        yield node
        for child in node.get("children", []):
            yield from _plan_nodes(child)
    elif isinstance(node, list):
        for child in node:
            yield from _plan_nodes(child)


def plan_violation(cur: duckdb.DuckDBPyConnection, sql: str, params: dict | None, tables: set[str],
                   functions: set[str]) -> tuple[str, str] | None:
    """What DuckDB's plan reads that it may not: (refusal code, detail), or None.

    The plan shows what the statement really scans after views, macros and name resolution, whatever its
    syntax tree looked like: only tables of the copy and the given table functions may appear.
    """
    import json

    for _, text in cur.execute(f"explain (format json) {sql}", params or None).fetchall():
        for node in _plan_nodes(json.loads(text)):
            info = node.get("extra_info")
            if not isinstance(info, dict):
                continue
            function = str(info.get("Function", "")).lower()
            if function and function not in functions:
                if function.startswith(("duckdb_", "pragma_", "pg_")):
                    return ("catalog", "")
                return ("table_function", function)
            table = str(info.get("Table", "")).lower()
            if table:
                parts = table.split(".")
                if len(parts) != 3 or parts[0] in ("system", "temp") or parts[1] != "main" or parts[2] not in tables:
                    return ("catalog", "")
    return None


def answer(con: duckdb.DuckDBPyConnection, request: dict) -> tuple:
    """Run one checked SELECT: ("ok", Arrow IPC bytes, truncated), ("too_large", bytes), ("refused", code,
    detail) or ("error", kind, text).

    At most max_rows rows (one more tells that there were more) and max_bytes bytes are kept; past max_bytes
    the rows are only counted, so the message can say how large the result was.
    """
    import pyarrow as pa

    sql, params, max_rows, max_bytes = request["sql"], request["params"], request["max_rows"], request["max_bytes"]
    cur = con.cursor()
    try:
        violation = plan_violation(cur, sql, params, set(request["tables"]), set(request["functions"]))
        if violation is not None:
            return ("refused", *violation)
        reader = cur.sql(sql, params=params or None).to_arrow_reader(2048)
        kept, rows, size = [], 0, 0
        for batch in reader:
            part = batch.slice(0, max_rows + 1 - rows)
            rows += part.num_rows
            size += part.nbytes
            if size <= max_bytes:
                kept.append(part)
            if rows > max_rows:
                break
        if size > max_bytes:
            return ("too_large", size)
        table = pa.Table.from_batches(kept, schema=reader.schema).slice(0, max_rows)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return ("ok", sink.getvalue().to_pybytes(), rows > max_rows)
    except duckdb.Error as exc:
        text = str(exc).strip()
        return ("error", type(exc).__name__, text.splitlines()[0] if text else "")
    finally:
        cur.close()


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """The query process: answer requests on the locked, read-only copy until the app closes the pipe."""
    import pyarrow  # noqa: F401 - imported before "ready", so that a waiting process answers its first query at once

    connections: dict[str, duckdb.DuckDBPyConnection] = {}
    send(answers, "ready")
    while (request := receive(requests)) is not None:
        path = request["path"]
        for other in [p for p in connections if p != path]:
            connections.pop(other).close()  # a newer copy replaced it
        try:
            if path not in connections:
                connections[path] = duckdb.connect(path, read_only=True, config=dict(CONFIG))
            reply = answer(connections[path], request)
        except duckdb.Error as exc:
            reply = ("error", type(exc).__name__, str(exc).strip().splitlines()[0])
        send(answers, reply)


if __name__ == "__main__":
    replies = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed by accident may end up in the answers
    serve(sys.stdin.buffer, replies)
