"""The DuckDB database: build it from CSVs plus the import journal, check it on open (every table read in full)
and rebuild it after damage, hand out one cursor per caller; the command line also backs up and restores."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
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
REGIONS_FILE = ROOT / "data" / "geo" / "regions_de.csv"   # Länder and Kreise of Germany (VG250)

# load order = schema order: every table only references tables created before it
TABLES = [
    "programme", "goal", "region", "applicant", "applicant_member", "application",
    "application_goal", "criterion", "juror", "score", "import_batch", "project",
    "project_goal", "project_theme", "planned_payment", "payment", "milestone",
    "progress_report", "indicator", "indicator_value", "indicator_target",
]
# A CSV folder holds one file per table (any may be missing: a programme without a competition has no applications);
# import batches come from the journal.
FROM_JOURNAL = ("import_batch",)
# what a database cannot be without: the Kreise (a folder without a programme gives an empty monitor, to be filled by
# importing a Programm-Mappe or a Liste der Vorhaben)
NONEMPTY_TABLES = ("region",)


class BuildError(Exception):
    """A CSV breaks the schema: names the file, the data row and the rule."""

    def __init__(self, file: str, row: int | None, rule: str):
        self.file, self.row, self.rule = file, row, rule
        where = f"{file}, Zeile {row}" if row else file
        super().__init__(f"{where}: {rule}")


@dataclass(frozen=True)
class Restored:
    """What a build replayed from the journal: imports, undos, and the rows of the imports still active."""

    imports: int = 0
    undos: int = 0
    rows: int = 0


@dataclass(frozen=True)
class OpenResult:
    """What `ensure_database` had to do: nothing, build, or rebuild after damage; and what it restored."""

    path: Path
    action: str  # "opened", "built", "rebuilt"
    moved_aside: Path | None = None
    reason: str | None = None          # why it rebuilt: see `_damage_reason`, or "behind_journal"
    table: str | None = None           # the table that could not be read
    detail: str | None = None          # DuckDB's own words, or the batch numbers the file lacked
    source_dir: Path | None = None     # the base data it was built from
    restored: Restored = Restored()
    abandoned: int = 0                 # journal entries of a crashed import or undo, now marked abandoned
    unjournalled: tuple[int, ...] = () # batches in the database without a journal entry (made before the journal)

    def notice(self, lang: str | None = None) -> str | None:
        """What the user is told: exactly what was rebuilt and restored (None when nothing needs saying)."""
        from monitor.i18n import t  # (texts and formats stay out of db's imports: the guard's query process needs db)

        if self.action == "opened" or (self.action == "built" and not (self.restored.imports or self.restored.undos)):
            return None
        base = self._base(lang)
        if self.action == "built":
            first = t("db.rebuilt.missing", lang=lang, base=base)
        elif self.reason == "schema":
            first = t("db.rebuilt.schema", lang=lang, path=str(self.moved_aside), base=base)
        elif self.reason == "behind_journal":
            first = t("db.rebuilt.behind_journal", lang=lang, batches=self.detail, path=str(self.moved_aside),
                      base=base)
        else:
            where = t("db.where", lang=lang, table=self.table) if self.table else ""
            reason = t(f"db.reason.{self.reason}", lang=lang, where=where, detail=self.detail or "")
            first = t("db.rebuilt.damaged", lang=lang, reason=reason, path=str(self.moved_aside), base=base)
        return first + self._restored(lang)

    def summary(self, lang: str | None = None) -> str:
        """One line for the command line: the file, its base data and what the journal restored."""
        from monitor.i18n import t

        return t("db.cli.built", lang=lang, path=str(self.path), base=self._base(lang)) + self._restored(lang)

    def _base(self, lang: str | None) -> str:
        from monitor.i18n import t

        if self.source_dir is None or _is_demo(self.source_dir):
            return t("db.base.demo", lang=lang)
        return t("db.base.dir", lang=lang, path=str(self.source_dir))

    def _restored(self, lang: str | None) -> str:
        from monitor import fmt
        from monitor.i18n import t

        def count(word: str, n: int) -> str:
            return t(f"db.count.{word}.{'one' if n == 1 else 'many'}", lang=lang, n=fmt.count(n, lang))

        restored = self.restored
        if restored.undos:
            return t("db.restored.with_undos", lang=lang, imports=count("import", restored.imports),
                     undos=count("undo", restored.undos), rows=count("row", restored.rows))
        if restored.imports:
            return t("db.restored.imports", lang=lang, imports=count("import", restored.imports),
                     rows=count("row", restored.rows))
        return t("db.restored.none", lang=lang)


SERVER_ENV = "MONITOR_DATABASE_URL"   # set: PostgreSQL is the system of record (monitor/store.py)


def server_mode() -> bool:
    """True when $MONITOR_DATABASE_URL names a PostgreSQL server; the DuckDB file is then a local snapshot."""
    return bool(os.environ.get(SERVER_ENV, "").strip())


def database_path() -> Path:
    """The database file: $MONITOR_DB or data/monitor.duckdb; in server mode this process's current snapshot."""
    if server_mode():
        from monitor import store  # (store builds on this module)

        return store.current_path()
    return Path(os.environ.get("MONITOR_DB", DEFAULT_PATH))


def _rule_text(exc: duckdb.Error) -> str:
    # DuckDB messages start with the error class; the rest names the constraint and value
    text = str(exc).strip().splitlines()[0]
    return text.split(": ", 1)[1] if ": " in text else text


class SchemaError(Exception):
    """A database file cannot be brought up to the current schema without a rebuild."""


def _schema_tables() -> dict[str, str]:
    """The create statement of every table in schema.sql, by table name."""
    text = re.sub(r"--[^\n]*", "", SCHEMA_FILE.read_text(encoding="utf-8"))
    statements = [part.strip() for part in text.split(";") if "create table" in part]
    return {re.search(r"create table (\w+)", stmt).group(1): stmt for stmt in statements}


def upgrade_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring a file built by an earlier version up to schema.sql: add new tables and new columns that have a
    default (or allow nulls); returns what was done. Anything else needs a rebuild and raises SchemaError."""
    current = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE'"
    ).fetchall()}
    statements = _schema_tables()
    reference = duckdb.connect()
    reference.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
    done = []
    for table, statement in statements.items():
        if table not in current:
            con.execute(statement)
            done.append(table)
            continue
        have = {r[0] for r in con.execute(f"select column_name from (describe {table})").fetchall()}
        for name, dtype, nullable, default in reference.execute(
            "select column_name, data_type, is_nullable, column_default from information_schema.columns "
            "where table_name = ? order by ordinal_position", [table]
        ).fetchall():
            if name in have:
                continue
            if default is None and nullable != "YES":
                raise SchemaError(f"Tabelle {table}: neue Pflichtspalte {name} ohne Vorgabewert; "
                                  f"bitte die Datenbank neu aufbauen (python -m monitor.db --rebuild)")
            con.execute(f"alter table {table} add column {name} {dtype}" + (f" default {default}" if default else ""))
            done.append(f"{table}.{name}")
    # a rule the file has and schema.sql no longer has (or words differently) needs a rebuild; a rule the file
    # lacks is tolerated (ALTER TABLE cannot add a check: a column added here has none; imports check schema.sql)
    changed = _constraints(con) - _constraints(reference)
    reference.close()
    if changed:
        table = sorted(changed)[0][0]
        raise SchemaError(f"Tabelle {table}: geänderte Regel ({sorted(changed)[0][2]}); "
                          f"bitte die Datenbank neu aufbauen (python -m monitor.db --rebuild)")
    return done


def _constraints(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str, str]]:
    """Every check, key and not-null rule of the schema's tables: (table, type, text, columns)."""
    tables = set(_schema_tables())
    return {(table, kind, text, ",".join(columns)) for table, kind, text, columns in con.execute(
        "select table_name, constraint_type, constraint_text, constraint_column_names from duckdb_constraints() "
        "where schema_name = 'main'").fetchall() if table in tables}


def create_relations(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the file up to the current schema (upgrade_schema), then create (or replace) the named relations
    of monitor/relations.sql: every business rule, written once; then bring the summaries the pages read
    (monitor/aggregates.py) up to those rules and the data."""
    upgrade_schema(con)
    con.execute(RELATIONS_FILE.read_text(encoding="utf-8"))
    # the summaries derived from the rules and the data (monitor/aggregates.py): built here, kept by every import
    # and undo; on open only a change of the rules or of a programme (or a month completed since) recomputes them
    from monitor import aggregates
    aggregates.refresh(con, check_data=False)


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


def _is_demo(source_dir: Path) -> bool:
    return Path(source_dir).resolve() == DEMO_DIR.resolve()


def _load_tables(con: duckdb.DuckDBPyConnection, source_dir: Path) -> None:
    """The base data: one CSV per table, loaded through the master-data import's checks (monitor.masterdata)."""
    from monitor import masterdata  # (masterdata reads this module's schema; the build is its caller)

    if not Path(source_dir).is_dir():
        raise BuildError(str(source_dir), None, "Ordner mit den CSV-Dateien nicht gefunden")
    for table in FROM_JOURNAL:
        if (source_dir / f"{table}.csv").exists():
            raise BuildError(f"{table}.csv", None, "Importe kommen aus dem Journal, nicht aus CSV-Dateien; "
                                                   "bitte die Datei aus dem Ordner nehmen")
    # every Land and Kreis of Germany first (a programme's recipients may sit anywhere), then the base data
    masterdata.load_files(con, [(REGIONS_FILE.name, REGIONS_FILE.read_bytes(), "region")], "Gebietsstand")
    masterdata.load_directory(con, Path(source_dir))
    for table in NONEMPTY_TABLES:
        if not con.execute(f"select count(*) from {table}").fetchone()[0]:
            raise BuildError(f"{table}.csv", None, "enthält keine Datenzeilen; ohne sie gibt es kein Programm")


def _build(target: Path, source_dir: Path | None, journal_of: Path | None) -> tuple[Restored, Path]:
    """Build target from the CSVs and replay the journal of the database journal_of (None: no replay)."""
    from monitor import batches, journal  # (batches imports this module; the build is its only way back)

    try:
        source_dir = Path(source_dir or (journal_of and journal.base_source(journal_of)) or DEMO_DIR)
        entries = journal.active(journal_of) if journal_of else []
    except journal.JournalError as exc:
        raise BuildError(journal.INDEX, None, str(exc)) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    with new_file(target) as con:
        con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        _load_tables(con, source_dir)
        create_relations(con)
        con.execute(
            "create table build_info as select ? as source_dir, ? as is_demo, now()::timestamp as built_at",
            [str(source_dir), _is_demo(source_dir)],
        )
        try:
            restored = batches.replay(con, journal_of, entries) if entries else Restored()
        except journal.JournalError as exc:
            raise BuildError(journal.INDEX, None, str(exc)) from exc
    if journal_of and journal.entries(journal_of):
        base = journal.base_source(journal_of)
        if base is None or base.resolve() != source_dir.resolve():
            journal.record_base(journal_of, source_dir, _is_demo(source_dir))
    return restored, source_dir


def build(path: Path | None = None, source_dir: Path | None = None, replay: bool = True) -> Path:
    """Build the database from the CSVs in source_dir (default: the journal's base data, else the demo) and replay
    the import journal beside it; atomically replaces the file at path."""
    path = Path(path or database_path())
    _build(path, source_dir, path if replay else None)
    return path


class DatabaseBusy(Exception):
    """Another process holds the database file (DuckDB allows one writing process per file)."""


@dataclass(frozen=True)
class Health:
    """The start-up check's verdict: "ok", "damaged" or "busy"; for damage the reason, the table and DuckDB's words."""

    state: str
    reason: str | None = None
    table: str | None = None
    detail: str | None = None


def _damage_reason(exc: Exception) -> str:
    text = str(exc).lower()
    if "checksum" in text:
        return "checksum"
    if "read enough bytes" in text or "truncated" in text:
        return "truncated"
    if "not a valid duckdb database" in text:
        return "not_duckdb"
    return "unreadable"


def verify(con: duckdb.DuckDBPyConnection) -> Health:
    """Read every column of every table to its end: DuckDB checks each block's checksum as it reads it, so a file
    damaged or cut off anywhere is found here and not on some page later."""
    table = None
    try:
        con.execute("select is_demo from build_info").fetchone()
        names = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where not temporary order by table_name").fetchall()]
        for table in names:
            columns = [r[0] for r in con.execute(f'describe "{table}"').fetchall()]
            sums = ", ".join(f'sum(hash("{c}"))' for c in columns)
            con.execute(f'select count(*), {sums} from "{table}"').fetchall()
    except duckdb.Error as exc:
        return Health("damaged", _damage_reason(exc), table, _rule_text(exc)[:300])
    return Health("ok")


def _health(path: Path) -> Health:
    """The check through the process's shared connection: opens the file and reads every table in full."""
    try:
        cur = Database.cursor(path)
    except duckdb.Error as exc:
        # a lock held by another process is not damage: never set a file in use aside
        if "lock" in str(exc).lower():
            return Health("busy")
        return Health("damaged", _damage_reason(exc), None, _rule_text(exc)[:300])
    try:
        return verify(cur)
    finally:
        cur.close()


def _aside(path: Path, label: str) -> Path:
    """Move path (and its WAL) to a free name `<name>.<label>-<time>`; never overwrite an earlier one."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{label}-{stamp}")
    counter = 1
    while aside.exists():
        counter += 1
        aside = path.with_name(f"{path.name}.{label}-{stamp}-{counter}")
    os.replace(path, aside)
    wal = Path(str(path) + ".wal")
    if wal.exists():
        os.replace(wal, Path(str(aside) + ".wal"))
    return aside


def batch_states(cur) -> dict[int, tuple[str, str, bool]]:
    """Every import batch as the journal sees it: id -> (sha256, imported_at as ISO text, is undone)."""
    return {batch: (sha, at.isoformat(), undone is not None) for batch, sha, at, undone in cur.execute(
        "select import_batch_id, sha256, imported_at, undone_at from import_batch").fetchall()}


def ensure_database(path: Path | None = None) -> OpenResult:
    """Make sure a usable database exists: build it when missing, set a damaged one aside and rebuild it (base data
    plus every import and undo of the journal); a file the journal is ahead of is rebuilt the same way."""
    from monitor import journal  # (journal needs nothing from here; kept next to its only uses)

    if server_mode():
        from monitor import store

        return store.ensure()
    path = Path(path or database_path())
    if not path.exists():
        restored, source = _build(path, None, path)
        return OpenResult(path, "built", source_dir=source, restored=restored)
    health = _health(path)
    if health.state == "busy":
        raise DatabaseBusy(
            f"Die Datenbank {path} wird von einem anderen Prozess benutzt (eine zweite App oder ein "
            f"Import über die Kommandozeile). Bitte diesen Prozess beenden oder MONITOR_DB auf eine "
            f"andere Datei setzen."
        )
    label = "damaged"
    if health.state == "ok":
        # an older file gets the current rules (they are code, not data)
        cur = Database.cursor(path)
        try:
            create_relations(cur)
            state = journal.reconcile(path, batch_states(cur))
        except SchemaError as exc:
            # a file of an earlier version whose rules changed: rebuilt from its base data and the journal
            state = None
            health = Health("damaged", "schema", None, str(exc))
            label = "schema"
        finally:
            cur.close()
        if state is not None and not state["missing"]:
            return OpenResult(path, "opened", abandoned=state["abandoned"],
                              unjournalled=tuple(state["unjournalled"]))
        if state is not None:
            # an older copy of the file (restored by hand?) lacks imports the journal holds
            health = Health("damaged", "behind_journal", None, ", ".join(map(str, state["missing"])))
            label = "behind-journal"
    # build the new file first: when that fails, the old one stays where it is, and nothing is lost
    Database.close(path)
    fresh = path.with_name(f"{path.name}.rebuild-{os.getpid()}")
    restored, source = _build(fresh, None, path)
    aside = _aside(path, label)
    os.replace(fresh, path)
    return OpenResult(path, "rebuilt", aside, reason=health.reason, table=health.table, detail=health.detail,
                      source_dir=source, restored=restored)


class Database:
    """One read-write DuckDB connection per file and process; callers get their own cursor."""

    _lock = threading.Lock()
    _connections: dict[Path, duckdb.DuckDBPyConnection] = {}
    _versions: dict[Path, int] = {}

    @classmethod
    def connection(cls, path: Path | None = None) -> duckdb.DuckDBPyConnection:
        """The shared connection for path (opened on first use), limited by MONITOR_DUCKDB_MEMORY (default 512MB),
        MONITOR_DUCKDB_THREADS (default 2) and MONITOR_DUCKDB_SPILL (default 4GB of temporary files)."""

        path = Path(path or database_path()).resolve()
        with cls._lock:
            if path not in cls._connections:
                cls._connections[path] = duckdb.connect(str(path), config=cls.config())
                cls._versions.setdefault(path, 0)
            return cls._connections[path]

    @staticmethod
    def check_size(name: str, value: str) -> None:
        """A size setting such as 512MB or 1GB; anything else is a ValueError naming the setting."""
        if not re.fullmatch(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", value, re.IGNORECASE):
            raise ValueError(f"{name}={value!r}: erwartet eine Größe wie 1GB oder 512MB")

    @staticmethod
    def config() -> dict:
        """The limits every connection of an app process gets (also the server mode's snapshot builds)."""
        # DuckDB would take 80 % of the RAM and every core; one app process serves many sessions and
        # shares the machine. A bad value is a ValueError, never a duckdb.Error: the start-up check
        # would take that for a damaged file and set the database aside.
        # 512MB keeps one app process serving every page at 10,000x the demo near 1 GB (bench/README.md);
        # DuckDB would otherwise spill up to 90 % of the free disk (22 GB seen on the jury page).
        memory = os.environ.get("MONITOR_DUCKDB_MEMORY", "512MB").strip()
        spill = os.environ.get("MONITOR_DUCKDB_SPILL", "4GB").strip()
        threads = os.environ.get("MONITOR_DUCKDB_THREADS", "2").strip()
        for name, value in (("MONITOR_DUCKDB_MEMORY", memory), ("MONITOR_DUCKDB_SPILL", spill)):
            Database.check_size(name, value)
        if not threads.isdigit() or int(threads) < 1:
            raise ValueError(f"MONITOR_DUCKDB_THREADS={threads!r}: erwartet eine ganze Zahl ab 1")
        return {"memory_limit": memory, "threads": int(threads), "max_temp_directory_size": spill}

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


def _in_use(path: Path) -> bool:
    """True when another process holds the file (DuckDB: one writing process per file)."""
    if not path.exists():
        return False
    Database.close(path)
    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error as exc:
        return "lock" in str(exc).lower()
    return False


def main(argv: list[str] | None = None) -> int:
    """Command line: build or rebuild the database (replaying the journal), back it up, restore it.
    Exit codes: 0 done, 1 refused or failed, 3 the database is in use by another process."""
    from monitor import backup, journal
    from monitor.i18n import t

    def say(key: str, **values) -> str:
        return t(key, lang="de", **values)

    parser = argparse.ArgumentParser(prog="python -m monitor.db", description=say("db.cli.description"))
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--rebuild", action="store_true", help=say("db.cli.help.rebuild"))
    action.add_argument("--backup", type=Path, metavar="DIR", help=say("db.cli.help.backup"))
    action.add_argument("--restore", type=Path, metavar="DIR", help=say("db.cli.help.restore"))
    parser.add_argument("--fresh", action="store_true", help=say("db.cli.help.fresh"))
    parser.add_argument("--source", type=Path, default=None, help=say("db.cli.help.source"))
    parser.add_argument("--db", type=Path, default=None, help=say("db.cli.help.db"))
    args = parser.parse_args(argv)
    if args.fresh and not args.rebuild:
        parser.error(say("db.cli.fresh_needs_rebuild"))
    if server_mode():
        return _main_server(args, say)
    path = Path(args.db or database_path())
    try:
        if args.backup:
            manifest = backup.backup(path, args.backup)
            print(say("db.cli.backed_up", path=str(args.backup), imports=manifest["imports"],
                      undone=manifest["undone"], entries=manifest["journal_entries"]))
            return 0
        if args.restore:
            done = backup.restore(args.restore, path)
            manifest = done["manifest"]
            print(say("db.cli.restored", path=str(path), source=str(args.restore), when=manifest["created_at"],
                      imports=manifest["imports"], undone=manifest["undone"]))
            for aside in done["set_aside"]:
                print(say("db.cli.set_aside", path=str(aside)))
            return 0
        if path.exists() and not args.rebuild:
            print(say("db.cli.exists", path=str(path)))
            return 0
        if _in_use(path):
            raise DatabaseBusy(str(path))
        restored, source = _build(path, args.source, None if args.fresh else path)
        if args.fresh and journal.directory(path).exists():
            print(say("db.cli.journal_aside", path=str(_aside(journal.directory(path), "set-aside"))))
    except (BuildError, backup.BackupError) as exc:
        print(say("db.cli.error", error=str(exc)), file=sys.stderr)
        return 1
    except DatabaseBusy:
        print(say("db.cli.busy", path=str(path)), file=sys.stderr)
        return 3
    finally:
        Database.close_all()
    print(OpenResult(path, "built", source_dir=source, restored=restored).summary("de"))
    return 0


def _main_server(args, say) -> int:
    """The same command in server mode: PostgreSQL is rebuilt from the base data and its journal."""
    from monitor import pg, store

    try:
        if args.backup or args.restore:
            print(say("db.cli.server_backup"), file=sys.stderr)
            return 1
        if args.rebuild:
            restored, source, _ = store.rebuild(args.source, fresh=args.fresh)
        else:
            result = store.ensure(args.source)
            restored, source = result.restored, result.source_dir
            if result.action == "opened":
                print(say("db.cli.server_exists", url=pg._where(pg.url())))
                return 0
    except (BuildError, pg.StoreError) as exc:
        print(say("db.cli.error", error=str(exc)), file=sys.stderr)
        return 1
    finally:
        Database.close_all()
    print(say("db.cli.server_built", url=pg._where(pg.url()), base=OpenResult(
        Path("."), "built", source_dir=source)._base("de")) + OpenResult(
        Path("."), "built", restored=restored)._restored("de"))
    return 0


if __name__ == "__main__":
    # `python -m` runs this file as __main__, a second copy of every class here; run the imported module's main,
    # so an error raised by monitor.batches or monitor.backup is the class main catches
    from monitor import db

    sys.exit(db.main())
