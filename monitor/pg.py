"""PostgreSQL, the system of record in server mode ($MONITOR_DATABASE_URL): the tables of schema.sql translated to
PostgreSQL, the data version every app process watches, the import journal, saved settings and the audit log.

Table contents travel between PostgreSQL and a process's DuckDB snapshot as CSV through COPY, both sides in C: no
row passes through Python. Every value survives the trip exactly (decimals as text, doubles with all their digits,
NULL as an unquoted \\N while every text is quoted, so the text "\\N" stays text). Why COPY and not DuckDB's postgres
extension or ADBC: the extension needs DuckDB pinned to an older release than the one this project runs on, and ADBC
fetched the same rows slower here (see deploy/README.md for the measured refresh times).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import NamedTuple

import duckdb

from monitor.db import SCHEMA_FILE, _schema_tables

URL_ENV = "MONITOR_DATABASE_URL"
LOCK_KEY = 0x4D4F4E49          # the advisory lock every writer holds for its whole transaction ("MONI")
NULL = "\\N"
COPY_OPTIONS = f"(format csv, null '{NULL}')"

# what PostgreSQL keeps besides the programme's tables; the data tables are replaced by a rebuild, these never
SYSTEM_DDL = """
create table if not exists monitor_state (
    id          integer primary key check (id = 1),
    version     bigint not null,            -- bumped in the transaction of every write: processes refresh on it
    schema_sha  varchar not null,           -- the schema the data tables were created from
    changed_at  timestamptz not null default now(),
    lineage     varchar not null default gen_random_uuid()::text  -- see state()
);
alter table monitor_state add column if not exists lineage varchar not null default gen_random_uuid()::text;
create table if not exists monitor_journal (  -- every import (with its file) and undo, in order
    seq         bigserial primary key,
    entry       jsonb not null,
    payload     bytea
);
create table if not exists monitor_setting (  -- saved column mappings of a Liste der Vorhaben, by layout
    key         varchar primary key,
    value       jsonb not null
);
create table if not exists monitor_audit (    -- the audit log (monitor/audit.py)
    id          bigserial primary key,
    entry       jsonb not null
);
create table if not exists monitor_version (  -- how each data version came about
    version     bigint primary key,
    incremental boolean not null            -- true: a write, whose changed rows monitor_change holds
);
create table if not exists monitor_change (   -- the rows each write changed, so processes catch up without a copy
    version     bigint not null,
    seq         integer not null,
    table_name  varchar not null,           -- a data table, or a summary of the snapshot (monitor/aggregates.py)
    kind        varchar not null check (kind in ('gone', 'new')),
    data        bytea not null,             -- CSV as COPY writes it: the keys of rows gone, the rows new
    primary key (version, seq)
);
"""
KEEP_CHANGES = 200   # versions whose changes stay in monitor_change (a process further behind copies everything)
BUILD_INFO_DDL = "create table build_info (source_dir varchar not null, is_demo boolean not null, " \
                 "built_at timestamp not null)"


class StoreError(Exception):
    """PostgreSQL cannot be reached or does not fit: what happened, where, and how to fix it."""


def url() -> str | None:
    """The server's URL, or None in embedded mode (the DuckDB file)."""
    return os.environ.get(URL_ENV, "").strip() or None


def enabled() -> bool:
    return url() is not None


def _where(target: str) -> str:
    # the URL without its password, for messages
    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", target)


def connect(target: str | None = None, autocommit: bool = False):
    """A new connection to the server (psycopg 3); a clear message when it cannot be made."""
    import psycopg

    target = target or url()
    try:
        return psycopg.connect(target, autocommit=autocommit, connect_timeout=10,
                               application_name="modellkommunen-monitor")
    except psycopg.Error as exc:
        raise StoreError(f"PostgreSQL unter {_where(target)} nicht erreichbar: {str(exc).strip()}. "
                         f"Bitte {URL_ENV} prüfen (Adresse, Port, Benutzer, Datenbank) und ob der Server läuft."
                         ) from exc


def data_tables() -> list[str]:
    """The programme's tables in schema order (each only references tables before it), then build_info."""
    return [*_schema_tables(), "build_info"]


def schema_sql() -> str:
    """schema.sql in PostgreSQL's words: double precision, quoted intervals; the one declared reference (an import's
    batch) is checked at commit, so a transaction may write rows in any order."""
    text = re.sub(r"--[^\n]*", "", SCHEMA_FILE.read_text(encoding="utf-8"))
    text = re.sub(r"\bdouble\b(?!\s+precision)", "double precision", text)
    text = re.sub(r"interval (\d+) (year|month|day)s?\b", r"interval '\1 \2'", text)
    text = re.sub(r"(references import_batch \(import_batch_id\))", r"\1 deferrable initially deferred", text)
    return text + ";\n" + BUILD_INFO_DDL + ";\n"


def schema_sha() -> str:
    return hashlib.sha256(schema_sql().encode()).hexdigest()


def ensure_schema(con) -> None:
    """Create what is missing on an empty server; refuse a server whose tables came from another schema."""
    con.execute(SYSTEM_DDL)
    found = con.execute("select schema_sha from monitor_state where id = 1").fetchone()
    if found is None:
        create_data_tables(con)
        con.execute("insert into monitor_state (id, version, schema_sha) values (1, 0, %s)", [schema_sha()])
    elif found[0] != schema_sha():
        raise StoreError(f"Die Tabellen in PostgreSQL ({_where(url() or '')}) stammen von einem anderen Schema als "
                         f"monitor/schema.sql. Bitte neu aufbauen: python -m monitor.db --rebuild "
                         f"(Importe und Protokoll bleiben erhalten).")
    con.commit()


def create_data_tables(con) -> None:
    """(Re)create the data tables (in the caller's transaction): dropped first when they exist."""
    for table in reversed(data_tables()):
        con.execute(f'drop table if exists "{table}" cascade')
    con.execute(schema_sql())


def version(con) -> int:
    return con.execute("select version from monitor_state where id = 1").fetchone()[0]


class State(NamedTuple):
    version: int
    lineage: str


def state(con) -> State:
    """The data version and its lineage: a version number means the same data only within one lineage. A new
    database starts a new lineage, and so does a restore from a backup (deploy/restore.sh), whose later writes
    would otherwise reuse the numbers of the writes the restore undid: a snapshot of another lineage is never
    caught up or reused, it is copied anew."""
    return State(*con.execute("select version, lineage from monitor_state where id = 1").fetchone())


def bump(con, incremental: bool = False) -> int:
    """Raise the data version inside the writer's transaction; returns the new version. incremental: the write
    records its changed rows in monitor_change (else processes copy everything anew)."""
    found = con.execute("update monitor_state set version = version + 1, changed_at = now() where id = 1 "
                        "returning version").fetchone()[0]
    con.execute("insert into monitor_version (version, incremental) values (%s, %s)", [found, incremental])
    con.execute("delete from monitor_change where version <= %s", [found - KEEP_CHANGES])
    con.execute("delete from monitor_version where version <= %s", [found - KEEP_CHANGES])
    return found


def catch_up_possible(con, since: int, until: int) -> bool:
    """Whether every version after since up to until was a write whose changes monitor_change still holds."""
    if until <= since:
        return False
    found = con.execute("select count(*), bool_and(incremental) from monitor_version where version > %s "
                        "and version <= %s", [since, until]).fetchone()
    return found[0] == until - since and bool(found[1])


def changes(con, since: int, until: int):
    """The recorded changes after version since up to until, in order: (version, table, kind, CSV bytes)."""
    for version, table, kind, data in con.execute(
            "select version, table_name, kind, data from monitor_change where version > %s and version <= %s "
            "order by version, seq", [since, until]):
        yield version, table, kind, bytes(data)


def record_change(con, version: int, seq: int, table: str, kind: str, data: bytes) -> None:
    con.execute("insert into monitor_change (version, seq, table_name, kind, data) values (%s, %s, %s, %s, %s)",
                [version, seq, table, kind, data])


def lock(con) -> None:
    """The writers' lock, held until the caller's transaction ends (commit, rollback or a dropped connection)."""
    con.execute("select pg_advisory_xact_lock(%s)", [LOCK_KEY])


def columns(duck: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a snapshot table, in order."""
    return [(name, dtype) for name, dtype, *_ in duck.execute(f'describe "{table}"').fetchall()]


def key_columns(duck: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The primary key of a table (every column when it has none, as build_info)."""
    found = duck.execute("select constraint_column_names from duckdb_constraints() where table_name = ? "
                         "and constraint_type = 'PRIMARY KEY'", [table]).fetchone()
    return list(found[0]) if found else [name for name, _ in columns(duck, table)]


def _names(cols) -> str:
    return ", ".join(f'"{c}"' for c in cols)


def pull(con, duck: duckdb.DuckDBPyConnection, table: str, folder: Path) -> int:
    """Copy a table from PostgreSQL (the caller's transaction) into the same table of a DuckDB file; returns rows."""
    cols = columns(duck, table)
    target = Path(folder) / f"{table}.csv"
    with open(target, "wb") as fh, con.cursor().copy(
            f'copy (select {_names(n for n, _ in cols)} from "{table}") to stdout {COPY_OPTIONS}') as copy:
        for chunk in copy:
            fh.write(chunk)
    if target.stat().st_size == 0:
        target.unlink()
        return 0
    duck.execute(f'insert into "{table}" select * from {_read_csv(target, cols)}')
    target.unlink()
    return duck.execute(f'select count(*) from "{table}"').fetchone()[0]


def _read_csv(source: Path, cols: list[tuple[str, str]]) -> str:
    """DuckDB's reader of a CSV file in COPY's format with the given (name, type) columns: quoted text stays text, so
    an empty string and the text "\\N" are kept apart from NULL."""
    types = ", ".join(f"'{name}': '{dtype}'" for name, dtype in cols)
    path = str(source).replace("'", "''")
    return (f"read_csv('{path}', header = false, delim = ',', quote = '\"', escape = '\"', nullstr = '{NULL}', "
            f"allow_quoted_nulls = false, columns = {{{types}}})")


def _write_csv(duck: duckdb.DuckDBPyConnection, table: str, select_sql: str, cols: list[str], target: Path) -> None:
    """Write the rows of a DuckDB query (columns cols of table) to target as CSV in COPY's format (text quoted)."""
    texts = [name for name, dtype in columns(duck, table) if name in cols and dtype == "VARCHAR"]
    quote = f", force_quote ({_names(texts)})" if texts else ""
    path = str(target).replace("'", "''")
    duck.execute(f"copy ({select_sql}) to '{path}' (header false, nullstr '{NULL}'{quote})")


def push(con, duck: duckdb.DuckDBPyConnection, table: str, select_sql: str, cols: list[str], folder: Path) -> None:
    """Append the rows of a DuckDB query (columns cols of table) to the PostgreSQL table (the caller's transaction)."""
    target = Path(folder) / f"{table}-push.csv"
    _write_csv(duck, table, select_sql, cols, target)
    with open(target, "rb") as fh, con.cursor().copy(f'copy "{table}" ({_names(cols)}) from stdin {COPY_OPTIONS}'
                                                      ) as copy:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    target.unlink()


def csv_of(duck: duckdb.DuckDBPyConnection, table: str, select_sql: str, cols: list[str], folder: Path) -> bytes:
    """The rows of a DuckDB query (columns cols of table) as CSV in COPY's format."""
    target = Path(folder) / f"{table}-rows.csv"
    _write_csv(duck, table, select_sql, cols, target)
    data = target.read_bytes()
    target.unlink()
    return data


def copy_in(con, table: str, cols: list[str], data: bytes) -> None:
    """Append CSV rows (columns cols) to a PostgreSQL table (the caller's transaction)."""
    with con.cursor().copy(f'copy "{table}" ({_names(cols)}) from stdin {COPY_OPTIONS}') as copy:
        copy.write(data)


def delete_rows(con, table: str, keys: list[str], data: bytes) -> None:
    """Delete the rows of a PostgreSQL table whose keys the CSV lists (the caller's transaction)."""
    staging = f"_gone_{table}"
    con.execute(f'create temp table "{staging}" on commit drop as select {_names(keys)} from "{table}" with no data')
    copy_in(con, staging, keys, data)
    match = " and ".join(f't."{k}" = g."{k}"' for k in keys)
    con.execute(f'delete from "{table}" as t using "{staging}" as g where {match}')
    con.execute(f'drop table "{staging}"')


def apply_change(duck: duckdb.DuckDBPyConnection, table: str, kind: str, data: bytes, folder: Path) -> None:
    """Apply a recorded change to a DuckDB snapshot: delete the rows whose keys the CSV lists, or insert its rows."""
    source = Path(folder) / f"{table}-{kind}.csv"
    source.write_bytes(data)
    cols = columns(duck, table)
    keys = key_columns(duck, table)
    rows = _read_csv(source, cols if kind == "new" else [(name, dtype) for name, dtype in cols if name in keys])
    if kind == "new":
        duck.execute(f'insert into "{table}" select * from {rows}')
    else:
        match = " and ".join(f't."{k}" is not distinct from g."{k}"' for k in keys)
        duck.execute(f'delete from "{table}" as t using {rows} as g where {match}')
    source.unlink()


def scratch() -> tempfile.TemporaryDirectory:
    """A private folder for the CSV files of one transfer."""
    return tempfile.TemporaryDirectory(prefix="monitor-copy-")
