"""The DuckDB database: build it from CSVs, open it, hand out one cursor per caller."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "data" / "demo"
SCHEMA_FILE = Path(__file__).with_name("schema.sql")
RELATIONS_FILE = Path(__file__).with_name("relations.sql")
DEFAULT_PATH = ROOT / "data" / "monitor.duckdb"

# load order = schema order: every table only references tables created before it
TABLES = [
    "programme", "goal", "region", "applicant", "applicant_member", "application",
    "application_goal", "criterion", "juror", "score", "import_batch", "project",
    "project_goal", "project_theme", "planned_payment", "payment", "milestone",
    "progress_report", "indicator", "indicator_value", "indicator_target",
]
# tables a programme needs; the others may be absent from a CSV folder
REQUIRED_TABLES = ["programme", "goal", "region", "applicant", "application", "project"]


class BuildError(Exception):
    """A CSV breaks the schema: names the file, the data row and the rule."""

    def __init__(self, file: str, row: int | None, rule: str):
        self.file, self.row, self.rule = file, row, rule
        where = f"{file}, Zeile {row}" if row else file
        super().__init__(f"{where}: {rule}")


@dataclass(frozen=True)
class OpenResult:
    """What `ensure_database` had to do: nothing, build, or rebuild after damage."""

    path: Path
    action: str  # "opened", "built", "rebuilt"
    moved_aside: Path | None = None


def database_path() -> Path:
    """The database file: $MONITOR_DB or data/monitor.duckdb."""
    return Path(os.environ.get("MONITOR_DB", DEFAULT_PATH))


def _rule_text(exc: duckdb.Error) -> str:
    # DuckDB messages start with the error class; the rest names the constraint and value
    text = str(exc).strip().splitlines()[0]
    return text.split(": ", 1)[1] if ": " in text else text


def _load_table(con: duckdb.DuckDBPyConnection, table: str, csv_path: Path) -> None:
    """Insert one CSV; on failure find the first offending row so the message can name it."""
    try:
        con.execute(
            f"create temp table _stage as select row_number() over () + 1 as _line, * "
            f"from read_csv(?, header = true, all_varchar = true, quote = '\"', escape = '\"')",
            [str(csv_path)],
        )
    except duckdb.Error as exc:
        raise BuildError(csv_path.name, None, f"Datei nicht lesbar: {_rule_text(exc)}") from exc
    try:
        expected = [r[0] for r in con.execute(f"select column_name from (describe {table})").fetchall()]
        got = [r[0] for r in con.execute("select column_name from (describe _stage)").fetchall()][1:]
        missing = [c for c in expected if c not in got]
        extra = [c for c in got if c not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append("fehlende Spalten: " + ", ".join(missing))
            if extra:
                parts.append("unbekannte Spalten: " + ", ".join(extra))
            raise BuildError(csv_path.name, 1, "; ".join(parts))
        cols = ", ".join(expected)
        try:
            con.execute(f"insert into {table} ({cols}) select {cols} from _stage order by _line")
        except duckdb.Error:
            # slow path only on failure: insert row by row to find the first bad line
            lines = [r[0] for r in con.execute("select _line from _stage order by _line").fetchall()]
            con.execute(f"delete from {table}")
            # (a table that references itself also lands here and loads fine row by row, parents first)
            for line in lines:
                try:
                    con.execute(f"insert into {table} ({cols}) select {cols} from _stage where _line = ?", [line])
                except duckdb.Error as exc:
                    raise BuildError(csv_path.name, line, _rule_text(exc)) from exc
    finally:
        con.execute("drop table if exists _stage")


def create_relations(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the named relations of monitor/relations.sql: every business rule, written once."""
    con.execute(RELATIONS_FILE.read_text(encoding="utf-8"))


@contextmanager
def new_file(path: Path, config: dict | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a new DuckDB file that appears at path only when complete (temp file, rename)."""
    # unique per process and thread: two writers never share (or delete) each other's half-written file
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp), config=config or {})
    try:
        yield con
        con.execute("checkpoint")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, path)


def build(path: Path | None = None, source_dir: Path = DEMO_DIR) -> Path:
    """Build the database from the CSVs in source_dir; atomically replaces the file at path."""
    path = Path(path or database_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    with new_file(path) as con:
        con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        for table in TABLES:
            csv_path = source_dir / f"{table}.csv"
            if csv_path.exists():
                _load_table(con, table, csv_path)
            elif table in REQUIRED_TABLES:
                raise BuildError(csv_path.name, None, "Datei fehlt")
        create_relations(con)
        con.execute(
            "create table build_info as select ? as source_dir, ? as is_demo, now()::timestamp as built_at",
            [str(source_dir), source_dir.resolve() == DEMO_DIR.resolve()],
        )
    return path


class DatabaseBusy(Exception):
    """Another process holds the database file (DuckDB allows one writing process per file)."""


def _health(path: Path) -> str:
    """'ok', 'damaged' or 'busy', checked through the process's shared connection."""
    try:
        cur = Database.cursor(path)
    except duckdb.Error as exc:
        # a lock held by another process is not damage: never set a file in use aside
        if "lock" in str(exc).lower():
            return "busy"
        return "damaged"
    try:
        cur.execute("select count(*) from programme").fetchone()
        cur.execute("select is_demo from build_info").fetchone()
        return "ok"
    except duckdb.Error:
        return "damaged"
    finally:
        cur.close()


def ensure_database(path: Path | None = None) -> OpenResult:
    """Make sure a usable database exists: build it when missing, set a damaged one aside and rebuild."""
    path = Path(path or database_path())
    if not path.exists():
        build(path)
        return OpenResult(path, "built")
    health = _health(path)
    if health == "ok":
        # an older file gets the current rules (they are code, not data)
        cur = Database.cursor(path)
        try:
            create_relations(cur)
        finally:
            cur.close()
        return OpenResult(path, "opened")
    if health == "busy":
        raise DatabaseBusy(
            f"Die Datenbank {path} wird von einem anderen Prozess benutzt (eine zweite App oder ein "
            f"Import über die Kommandozeile). Bitte diesen Prozess beenden oder MONITOR_DB auf eine "
            f"andere Datei setzen."
        )
    # keep the damaged file: it may hold imports that are not in the CSVs
    Database.close(path)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    os.replace(path, aside)
    wal = Path(str(path) + ".wal")
    if wal.exists():
        os.replace(wal, Path(str(aside) + ".wal"))
    build(path)
    return OpenResult(path, "rebuilt", aside)


class Database:
    """One read-write DuckDB connection per file and process; callers get their own cursor."""

    _lock = threading.Lock()
    _connections: dict[Path, duckdb.DuckDBPyConnection] = {}
    _versions: dict[Path, int] = {}

    @classmethod
    def connection(cls, path: Path | None = None) -> duckdb.DuckDBPyConnection:
        """The shared connection for path (opened on first use), limited by MONITOR_DUCKDB_MEMORY (default 1GB)
        and MONITOR_DUCKDB_THREADS (default 2)."""
        import re  # (only this method is the query layer's part of this module)

        path = Path(path or database_path()).resolve()
        with cls._lock:
            if path not in cls._connections:
                # DuckDB would take 80 % of the RAM and every core; one app process serves many sessions and
                # shares the machine. A bad value is a ValueError, never a duckdb.Error: the start-up check
                # would take that for a damaged file and set the database aside.
                memory = os.environ.get("MONITOR_DUCKDB_MEMORY", "1GB").strip()
                threads = os.environ.get("MONITOR_DUCKDB_THREADS", "2").strip()
                if not re.fullmatch(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", memory, re.IGNORECASE):
                    raise ValueError(f"MONITOR_DUCKDB_MEMORY={memory!r}: erwartet eine Größe wie 1GB oder 512MB")
                if not threads.isdigit() or int(threads) < 1:
                    raise ValueError(f"MONITOR_DUCKDB_THREADS={threads!r}: erwartet eine ganze Zahl ab 1")
                cls._connections[path] = duckdb.connect(
                    str(path), config={"memory_limit": memory, "threads": int(threads)})
                cls._versions.setdefault(path, 0)
            return cls._connections[path]

    @classmethod
    def cursor(cls, path: Path | None = None) -> duckdb.DuckDBPyConnection:
        """A fresh cursor: DuckDB connections are not safe to share across threads, cursors are."""
        return cls.connection(path).cursor()

    @classmethod
    def version(cls, path: Path | None = None) -> int:
        """Bumped after every write, so cached query results know they are stale."""
        return cls._versions.get(Path(path or database_path()).resolve(), 0)

    @classmethod
    def changed(cls, path: Path | None = None) -> None:
        """Record that the data at path changed."""
        key = Path(path or database_path()).resolve()
        with cls._lock:
            cls._versions[key] = cls._versions.get(key, 0) + 1

    @classmethod
    def close(cls, path: Path | None = None) -> None:
        """Close the connection to one file (before it is moved or replaced)."""
        key = Path(path or database_path()).resolve()
        with cls._lock:
            con = cls._connections.pop(key, None)
            if con is not None:
                con.close()
            cls._versions[key] = cls._versions.get(key, 0) + 1

    @classmethod
    def close_all(cls) -> None:
        """Close every connection (tests, rebuilds)."""
        with cls._lock:
            for con in cls._connections.values():
                con.close()
            cls._connections.clear()
            for key in cls._versions:
                cls._versions[key] += 1


def main(argv: list[str] | None = None) -> int:
    """Command line: build or rebuild the database from the demo CSVs."""
    parser = argparse.ArgumentParser(prog="python -m monitor.db", description="Datenbank aus CSV-Dateien aufbauen.")
    parser.add_argument("--rebuild", action="store_true", help="vorhandene Datei ersetzen")
    parser.add_argument("--source", type=Path, default=DEMO_DIR, help="Ordner mit den CSV-Dateien")
    parser.add_argument("--db", type=Path, default=None, help="Zieldatei (Standard: data/monitor.duckdb)")
    args = parser.parse_args(argv)
    path = args.db or database_path()
    if path.exists() and not args.rebuild:
        print(f"{path} existiert bereits; --rebuild ersetzt sie.")
        return 0
    try:
        build(path, args.source)
    except BuildError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    print(f"Datenbank aufgebaut: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
