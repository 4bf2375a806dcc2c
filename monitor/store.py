"""Server mode: PostgreSQL is the system of record, every process reads a local DuckDB snapshot of it.

The pages, the queries in queries/*.sql, the summaries and the Explorer run unchanged on the snapshot, a DuckDB file
in $MONITOR_SNAPSHOT_DIR (default data/snapshots/) that `db.database_path()` names. A refresh copies every table
from PostgreSQL in one repeatable-read transaction (one consistent version) into a new file, builds the rules and
summaries there, and only then swaps it in: a page run keeps the snapshot it started on, no page sees half a
refresh. A watcher thread checks the data version every $MONITOR_REFRESH_SECONDS (default 5). After a write, the
other processes catch up from the rows it recorded instead of copying everything; a process that ends (or is killed)
leaves its snapshot, marked with its data version, for the next process to claim and catch up.

A write (import, undo, master data) runs the embedded mode's own code on the process's snapshot inside a DuckDB
transaction while holding PostgreSQL's advisory writers' lock: it first brings the snapshot up to PostgreSQL's
version, then works, then sends the rows that changed (found by comparing row hashes before and after) to
PostgreSQL together with its journal entry and a new data version, in one PostgreSQL transaction. Only when that
commits does the snapshot commit too. Two data stewards importing at once are serialised by the lock; the second
sees the first's batch (same file: refused as already imported). A process killed mid-import leaves its
PostgreSQL transaction uncommitted: nothing changes.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from monitor import db, pg

ROOT = Path(__file__).resolve().parent.parent
RETAIN_SECONDS = 300   # a replaced snapshot stays open this long for page runs that started on it
STATE_TABLE = "snapshot_state"   # the data version (and lineage) a snapshot file holds, written with its data


@dataclass(frozen=True)
class Snapshot:
    path: Path
    version: int
    made_at: float
    lineage: str   # pg.state(): the same version number of another lineage is other data

    def holds(self, state: pg.State) -> bool:
        return (self.version, self.lineage) == state

    def can_catch_up(self, con, state: pg.State) -> bool:
        return self.lineage == state.lineage and pg.catch_up_possible(con, self.version, state.version)


_swap = threading.Lock()          # guards _current and _replaced
_refreshing = threading.RLock()   # one refresh or write at a time per process
_current: Snapshot | None = None
_replaced: list[tuple[Snapshot, float]] = []
_counter = 0
_watcher: threading.Thread | None = None
_stop_watching = threading.Event()
_last_refresh: dict = {}


def snapshot_dir() -> Path:
    return Path(os.environ.get("MONITOR_SNAPSHOT_DIR", ROOT / "data" / "snapshots"))


def refresh_seconds() -> float:
    value = os.environ.get("MONITOR_REFRESH_SECONDS", "5").strip()
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"MONITOR_REFRESH_SECONDS={value!r}: erwartet eine Zahl von Sekunden, z. B. 5") from None
    if seconds <= 0:
        raise ValueError(f"MONITOR_REFRESH_SECONDS={value!r}: erwartet eine Zahl größer als 0")
    return seconds


def build_config() -> dict:
    """The limits of a snapshot build: the app's threads and spill, and $MONITOR_SNAPSHOT_MEMORY (default 2GB; the
    copy's key indexes need more than a page's 512MB at 10,000× the demo, see deploy/README.md)."""
    config = db.Database.config()
    memory = os.environ.get("MONITOR_SNAPSHOT_MEMORY", "2GB").strip()
    db.Database.check_size("MONITOR_SNAPSHOT_MEMORY", memory)
    return config | {"memory_limit": memory, "preserve_insertion_order": False}


# Which process a snapshot file belongs to: its name carries the owner's token, and the owner holds an exclusive lock
# on owner-<token>.lock in the same folder for as long as it runs (the kernel releases it when the process ends, also
# when it is killed). Not the process id: a restarted container's process has the same one as the process before it.
_owner: dict = {}   # pid, token, and the descriptor of the lock file in each snapshot folder used; made on first use


def _mine() -> str | None:
    return _owner["token"] if _owner.get("pid") == os.getpid() else None   # (a forked child is another owner)


def _token() -> str:
    """This process's token, its lock taken in the current snapshot folder."""
    if _mine() is None:
        _owner.clear()
        _owner.update(pid=os.getpid(), token=uuid.uuid4().hex[:12], locks={})
    folder = snapshot_dir()
    if folder not in _owner["locks"]:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(folder / f"owner-{_owner['token']}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _owner["locks"][folder] = descriptor
    return _owner["token"]


def _new_path(version: int) -> Path:
    global _counter
    token = _token()
    _counter += 1
    return snapshot_dir() / f"snapshot-{token}-{version}-{_counter}.duckdb"


def _running(token: str) -> bool:
    """Whether the owner of token still runs: it holds the lock on its lock file (a missing file: it does not)."""
    try:
        descriptor = os.open(snapshot_dir() / f"owner-{token}.lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)     # (releases the lock if it was taken)
    return False


def _orphans(pattern: str) -> list[Path]:
    """The files (matching pattern) of processes that no longer run."""
    folder = snapshot_dir()
    mine = _mine()
    found = []
    for file in folder.glob(pattern) if folder.is_dir() else []:
        parts = file.name.split("-")
        token = parts[1].split(".")[0] if len(parts) > 1 else ""
        if token and token != mine and not _running(token):
            found.append(file)
    return found


def _sweep() -> None:
    """Remove the snapshots (and lock files) of processes that no longer run and that no process claimed."""
    for file in [*_orphans("snapshot-*.duckdb*"), *_orphans("owner-*.lock")]:
        file.unlink(missing_ok=True)


def _mark(duck, version: int, lineage: str) -> None:
    """Record in the snapshot file which data version it holds (in the caller's transaction, if any)."""
    duck.execute(f"create table if not exists {STATE_TABLE} (version bigint not null, lineage varchar not null)")
    duck.execute(f"delete from {STATE_TABLE}")
    duck.execute(f"insert into {STATE_TABLE} values (?, ?)", [version, lineage])


def _left_behind(con, state: pg.State) -> Snapshot | None:
    """The newest snapshot a process that no longer runs left behind, claimed for this process when it is of the
    server's lineage and the changes since its version are still recorded: a restarted process catches up in seconds
    instead of copying everything. Anything unusable (no version, damaged, too old, another lineage) is removed."""
    started = time.monotonic()
    found = _orphans("snapshot-*.duckdb")
    for file in sorted(found, key=lambda f: f.stat().st_mtime if f.exists() else 0, reverse=True):
        mine = _new_path(0)
        try:
            os.rename(file, mine)            # claimed: another starting process now finds it gone
        except OSError:
            continue
        wal = Path(f"{file}.wal")
        if wal.exists():
            os.rename(wal, Path(f"{mine}.wal"))
        try:
            duck = duckdb.connect(str(mine), config=build_config())
            try:
                marks = duck.execute(f"select version, lineage from {STATE_TABLE}").fetchall()
                left = Snapshot(mine, marks[0][0], time.time(), marks[0][1]) if len(marks) == 1 else None
                if left is not None and (left.holds(state) or left.can_catch_up(con, state)):
                    db.create_relations(duck)    # this version's rules and summaries
                    duck.execute("checkpoint")
                    _last_refresh.update(version=left.version, rows=0, copy_seconds=0.0, rules_seconds=0.0,
                                         seconds=round(time.monotonic() - started, 2), mode="claimed")
                    return left
            finally:
                duck.close()
        except Exception as exc:  # noqa: BLE001 - an unusable file is removed; a full copy follows
            print(f"Schnappschuss {file.name} nicht weiterverwendet: {exc}", file=sys.stderr)
        for leftover in (mine, Path(f"{mine}.wal")):
            leftover.unlink(missing_ok=True)
    return None


def _remove(snapshot: Snapshot) -> None:
    db.Database.close(snapshot.path)
    for file in (snapshot.path, Path(f"{snapshot.path}.wal")):
        file.unlink(missing_ok=True)


def _install(snapshot: Snapshot) -> None:
    """Make snapshot the one every new page run reads; close the replaced ones nobody can still be reading."""
    global _current
    now = time.monotonic()
    if _current is None and not _replaced:
        atexit.register(_end)   # a process leaves its snapshot for the next one when it ends
    with _swap:
        if _current is not None and _current.path != snapshot.path:
            _replaced.append((_current, now))
        _current = snapshot
    _drop_stale()
    db.Database.changed(snapshot.path)


def _drop_stale() -> None:
    """Close and remove the replaced snapshots no page run can still be reading (replaced RETAIN_SECONDS ago)."""
    now = time.monotonic()
    with _swap:
        stale = [item for item in _replaced if now - item[1] > RETAIN_SECONDS]
        for item in stale:
            _replaced.remove(item)
    for old, _ in stale:
        _remove(old)


def _build_snapshot(con, state: pg.State) -> Snapshot:
    """Copy every table of the caller's (repeatable-read) transaction, which is at state, into a new snapshot file."""
    started = time.monotonic()
    version = state.version
    path = _new_path(version)
    with pg.scratch() as folder, db.new_file(path, build_config()) as duck:
        duck.execute(db.SCHEMA_FILE.read_text(encoding="utf-8"))
        duck.execute(pg.BUILD_INFO_DDL)
        rows = sum(pg.pull(con, duck, table, Path(folder)) for table in pg.data_tables())
        copied = time.monotonic()
        db.create_relations(duck)
        _mark(duck, *state)
        related = time.monotonic()
    _last_refresh.update(version=version, rows=rows, seconds=round(time.monotonic() - started, 2),
                         copy_seconds=round(copied - started, 2), rules_seconds=round(related - copied, 2),
                         mode="copy")
    return Snapshot(path, version, time.time(), state.lineage)


def refresh(force: bool = False) -> Snapshot:
    """Bring this process's snapshot up to PostgreSQL's data version (a new file, swapped in when complete)."""
    with _refreshing:
        with _reader() as con:
            state = pg.state(con)
            if not force and _current is not None and _current.holds(state):
                return _current
            if not force and _current is not None and _current.can_catch_up(con, state):
                snapshot = _catch_up(con, _current, state.version)
            else:
                snapshot = _build_snapshot(con, state)
        _install(snapshot)
        return snapshot


@contextlib.contextmanager
def _reader():
    """A read-only connection whose transaction sees one consistent version of every table (repeatable read)."""
    from psycopg import IsolationLevel

    with pg.connect() as con:
        con.isolation_level = IsolationLevel.REPEATABLE_READ
        con.read_only = True
        yield con


def last_refresh() -> dict:
    """The last refresh of this process: version, rows copied, seconds."""
    return dict(_last_refresh)


def current() -> Snapshot:
    """This process's snapshot (made on first use: an empty server is filled with the base data first)."""
    if _current is None:
        ensure()
    return _current


def current_path() -> Path:
    return current().path


def ensure(source_dir: Path | None = None) -> db.OpenResult:
    """Connect, create the schema on an empty server and load the base data (the demo unless source_dir), then
    make this process's snapshot. Returns what was done, as the embedded mode's ensure_database."""
    with _refreshing:
        with pg.connect() as con:
            pg.ensure_schema(con)
            empty = pg.version(con) == 0
        restored = db.Restored()
        action = "opened"
        if empty:
            restored, source_dir, built = rebuild(source_dir, only_if_empty=True)
            action = "built" if built else "opened"
        if _current is None:
            with pg.connect() as con:
                claimed = _left_behind(con, pg.state(con))
            if claimed is not None:
                _install(claimed)
        _sweep()
        snapshot = refresh()
        source = source_dir or _source_of(snapshot)
        return db.OpenResult(snapshot.path, action, source_dir=source, restored=restored)


def _source_of(snapshot: Snapshot) -> Path | None:
    cur = db.Database.cursor(snapshot.path)
    try:
        found = cur.execute("select source_dir from build_info").fetchone()
    finally:
        cur.close()
    return Path(found[0]) if found else None


# --- writing --------------------------------------------------------------------------------------------------------


class PgBook:
    """The journal entries of one write, kept in PostgreSQL in the write's own transaction (so there is nothing to
    settle after a crash: the entry commits exactly when the data does)."""

    def __init__(self, con):
        self.con = con
        self.entries: list[dict] = []

    def ensure_base(self, source_dir, is_demo: bool) -> None:
        pass   # the base data is named in build_info, which PostgreSQL keeps

    def _append(self, entry: dict, payload: bytes | None = None) -> dict:
        seq = self.con.execute("insert into monitor_journal (entry, payload) values (%s, %s) returning seq",
                               [json.dumps(entry, ensure_ascii=False), payload]).fetchone()[0]
        entry = {"seq": seq, **entry}
        self.entries.append(entry)
        return entry

    def append_import(self, data: bytes, *, batch: int, kind: str, file_name: str, who: str, at: dt.datetime,
                      rows: int, options: dict | None = None) -> dict:
        import hashlib

        return self._append({"op": "import", "batch": batch, "kind": kind, "file_name": file_name,
                             "sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data), "who": who,
                             "at": at.isoformat(), "rows": rows, **({"options": options} if options else {})}, data)

    def append_undo(self, *, batch: int, who: str, at: dt.datetime) -> dict:
        return self._append({"op": "undo", "batch": batch, "who": who, "at": at.isoformat()})


def journal_entries(con) -> list[dict]:
    """The journal's imports and undos in order, each import with its file (payload)."""
    return [{"seq": seq, **entry, **({"payload": bytes(payload)} if payload is not None else {})}
            for seq, entry, payload in con.execute(
                "select seq, entry, payload from monitor_journal order by seq").fetchall()]


def _fingerprint(cur, tables: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Remember each table's keys and row hashes before a write (temporary tables of the write's transaction)."""
    shapes = {}
    for table in tables:
        cols = [name for name, _ in pg.columns(cur, table)]
        keys = pg.key_columns(cur, table)
        shapes[table] = (cols, keys)
        cur.execute(f'create or replace temp table "_before_{table}" as select {_names(keys)}, '
                    f'hash({_names(cols)}) as _row_hash from "{table}"')
    return shapes


def _names(cols) -> str:
    return ", ".join(f'"{c}"' for c in cols)


def _summary_tables(cur) -> list[str]:
    """The snapshot's own tables besides the data: the summaries (monitor/aggregates.py), which writers compute in
    their transaction and whose changes travel with the data's, so a catching-up process need not recompute them."""
    data = {*pg.data_tables(), STATE_TABLE}
    return [name for (name,) in cur.execute(
        "select table_name from duckdb_tables() where not temporary and schema_name = 'main' order by table_name"
    ).fetchall() if name not in data]


def _changes(cur, shapes: dict[str, tuple[list[str], list[str]]]) -> list[tuple[str, str, str]]:
    """What the write changed, as (table, kind, query): the keys of rows gone (changed rows count as gone and new),
    in reverse table order, then the rows new, in table order."""
    found = []
    for table, (cols, keys) in shapes.items():
        now = f'(select *, hash({_names(cols)}) as _row_hash from "{table}")'
        gone_sql = (f'select {_names(keys)} from "_before_{table}" as b where not exists '
                    f'(select 1 from {now} as a where a._row_hash = b._row_hash)')
        new_sql = (f'select {_names(cols)} from {now} as a where not exists '
                   f'(select 1 from "_before_{table}" as b where b._row_hash = a._row_hash)')
        for kind, sql in (("gone", gone_sql), ("new", new_sql)):
            if cur.execute(f"select count(*) from ({sql})").fetchone()[0]:
                found.append((table, kind, sql))
    order = list(shapes)
    return sorted(found, key=lambda c: (c[1] == "new", order.index(c[0]) * (1 if c[1] == "new" else -1)))


def _send_changes(cur, con, shapes: dict[str, tuple[list[str], list[str]]], version: int, folder: Path) -> int:
    """Send what the write changed in the snapshot to PostgreSQL: the data tables' rows gone (by key) and new, and
    every change (summaries included) into monitor_change for the other processes; returns how many changes."""
    data_tables = set(pg.data_tables())
    changes = _changes(cur, shapes)
    for seq, (table, kind, sql) in enumerate(changes, start=1):
        cols, keys = shapes[table]
        rows = pg.csv_of(cur, table, sql, keys if kind == "gone" else cols, folder)
        if table in data_tables:
            if kind == "gone":
                pg.delete_rows(con, table, keys, rows)
            else:
                pg.copy_in(con, table, cols, rows)
        pg.record_change(con, version, seq, table, kind, rows)
    for table in shapes:
        cur.execute(f'drop table if exists "_before_{table}"')
    return len(changes)


def write(work):
    """Run work(cursor, book) as one write of the system of record (see the module's description); returns what
    work returns. work runs the embedded mode's code on the snapshot; book keeps its journal entries."""
    with _refreshing, pg.connect() as con:
        pg.lock(con)                 # the writers' lock: held until this transaction ends
        state = pg.state(con)
        server_version = state.version
        if _current is None or not _current.holds(state):
            # another process wrote since this snapshot was made: work on the current data
            _install(_catch_up_or_copy(con, state))
        snapshot = _current
        cur = db.Database.cursor(snapshot.path)
        try:
            cur.begin()
            try:
                shapes = _fingerprint(cur, [*pg.data_tables(), *_summary_tables(cur)])
                book = PgBook(con)
                result = work(cur, book)
                new_version = server_version + 1
                with pg.scratch() as folder:
                    changed = _send_changes(cur, con, shapes, new_version, Path(folder))
                if changed or book.entries:
                    if pg.bump(con, incremental=True) != new_version:
                        raise pg.StoreError(f"Datenstand nicht {new_version} trotz Schreibsperre")
                    _mark(cur, new_version, state.lineage)
                else:
                    new_version = server_version
                con.commit()         # PostgreSQL first: it is the record
            except BaseException:
                cur.rollback()
                con.rollback()
                raise
            try:
                cur.commit()
            except Exception as exc:  # noqa: BLE001 - the record holds the write; the next refresh brings it here
                print(f"Schnappschuss nicht fortgeschrieben ({exc}); er wird neu geladen", file=sys.stderr)
                _install(Snapshot(snapshot.path, -1, snapshot.made_at, state.lineage))
                return result
        finally:
            cur.close()
        _install(Snapshot(snapshot.path, new_version, time.time(), state.lineage))
        return result


def _catch_up_or_copy(con, state: pg.State) -> Snapshot:
    """The snapshot at state, for a writer holding the lock: caught up from the changes when they are recorded,
    else copied anew (on its own repeatable-read connection; the lock keeps the version where it is)."""
    if _current is not None and _current.can_catch_up(con, state):
        return _catch_up(con, _current, state.version)
    return _build_snapshot_outside(state)


def _catch_up(con, snapshot: Snapshot, version: int) -> Snapshot:
    """A copy of snapshot's file with the recorded changes up to version (same lineage) applied: what a full copy
    would give, at the cost of the file copy and the changed rows (the summaries come with them, nothing is
    recomputed)."""
    started = time.monotonic()
    path = _new_path(version)
    tmp = path.with_name(path.name + ".tmp")
    # the file and its write-ahead log as they stand: this process writes to its snapshot only while it holds
    # _refreshing, as the caller does
    shutil.copyfile(snapshot.path, tmp)
    wal = Path(f"{snapshot.path}.wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{tmp}.wal"))
    copied = time.monotonic()
    rows = 0
    duck = duckdb.connect(str(tmp), config=build_config())
    try:
        with pg.scratch() as folder:
            # statement by statement (the file is private until it is renamed): DuckDB refuses to insert a key
            # deleted earlier in the same transaction, which a changed row needs
            for _, table, kind, data in pg.changes(con, snapshot.version, version):
                pg.apply_change(duck, table, kind, data, Path(folder))
                rows += data.count(b"\n")
        _mark(duck, version, snapshot.lineage)
        duck.execute("checkpoint")
    except BaseException:
        duck.close()
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    duck.close()
    Path(f"{tmp}.wal").unlink(missing_ok=True)
    os.replace(tmp, path)
    _last_refresh.update(version=version, rows=rows, seconds=round(time.monotonic() - started, 2),
                         copy_seconds=round(copied - started, 2), rules_seconds=0.0, mode="catch_up")
    return Snapshot(path, version, time.time(), snapshot.lineage)


def _build_snapshot_outside(state: pg.State) -> Snapshot:
    """A snapshot made on its own repeatable-read connection (the writer's transaction holds the lock meanwhile,
    so the version cannot move)."""
    with _reader() as reader:
        found = pg.state(reader)
        if found != state:
            raise pg.StoreError(f"Datenstand {found.version} statt {state.version} trotz Schreibsperre")
        return _build_snapshot(reader, state)


# --- rebuilding the record --------------------------------------------------------------------------------------------


def rebuild(source_dir: Path | None = None, fresh: bool = False,
            only_if_empty: bool = False) -> tuple[db.Restored, Path, bool]:
    """Rebuild PostgreSQL's data tables from the base data (source_dir, else the one they were built from, else the
    demo) and replay the journal kept there (none with fresh, which also clears it), in one transaction under the
    writers' lock. Returns (restored, base data, whether it ran: only_if_empty skips a server someone filled
    meanwhile)."""
    from monitor import batches

    with pg.connect() as con:
        pg.ensure_schema(con)
        pg.lock(con)
        if only_if_empty and pg.version(con) > 0:
            con.rollback()
            return db.Restored(), Path(source_dir or db.DEMO_DIR), False
        if source_dir is None and pg.version(con) > 0:
            found = con.execute("select source_dir from build_info").fetchone()
            source_dir = Path(found[0]) if found and Path(found[0]).is_dir() else None
        source_dir = Path(source_dir or db.DEMO_DIR)
        entries = [] if fresh else [e for e in journal_entries(con) if e["op"] in ("import", "undo")]
        if fresh:
            con.execute("delete from monitor_journal")
        path = _new_path(0)
        try:
            with pg.scratch() as folder:
                with db.new_file(path) as duck:
                    duck.execute(db.SCHEMA_FILE.read_text(encoding="utf-8"))
                    db._load_tables(duck, source_dir)
                    db.create_relations(duck)
                    duck.execute(pg.BUILD_INFO_DDL)
                    duck.execute("insert into build_info values (?, ?, now()::timestamp)",
                                 [str(source_dir), db._is_demo(source_dir)])
                    restored = batches.replay(duck, None, entries, payload=lambda entry: entry["payload"])
                    _replace_record(con, duck, Path(folder))
            con.commit()
        finally:
            path.unlink(missing_ok=True)
        return restored, source_dir, True


def _replace_record(con, duck, folder: Path) -> None:
    """Replace every data table in PostgreSQL by the DuckDB file's (the caller's transaction, lock held)."""
    pg.create_data_tables(con)
    for table in pg.data_tables():
        cols = [name for name, _ in pg.columns(duck, table)]
        pg.push(con, duck, table, f'select {_names(cols)} from "{table}"', cols, folder)
    con.execute("update monitor_state set schema_sha = %s where id = 1", [pg.schema_sha()])
    pg.bump(con)


def load_file(path: Path) -> None:
    """Make the data of an embedded DuckDB file (built by this version) the record in PostgreSQL: moving an
    installation from the embedded mode to a server, and the tests' way to read any database through PostgreSQL.
    The file's own journal stays beside it; PostgreSQL's journal starts empty."""
    import duckdb

    with pg.connect() as con:
        pg.ensure_schema(con)
        pg.lock(con)
        con.execute("delete from monitor_journal")
        duck = duckdb.connect(str(path), read_only=True)
        try:
            with pg.scratch() as folder:
                _replace_record(con, duck, Path(folder))
        finally:
            duck.close()
        con.commit()


def reset() -> None:
    """Stop the watcher and forget this process's snapshots (closed and removed): the next use makes a new one
    (tests, a new URL)."""
    global _current, _watcher
    _stop_watching.set()
    if _watcher is not None and _watcher is not threading.current_thread():
        _watcher.join(timeout=30)
    _watcher = None
    with _refreshing:
        with _swap:
            gone = [s for s, _ in _replaced] + ([_current] if _current else [])
            _replaced.clear()
            _current = None
        for snapshot in gone:
            _remove(snapshot)


def _end() -> None:
    """At the process's end (atexit): stop the watcher, remove the replaced snapshots and leave the current one, closed
    with its data version, for the next process to claim (_left_behind): a restart catches up in seconds instead of
    copying everything. A killed process leaves its files too; whatever no process claims, the next start removes."""
    global _current
    _stop_watching.set()
    if _watcher is not None and _watcher is not threading.current_thread():
        _watcher.join(timeout=10)
    if not _refreshing.acquire(timeout=10):   # a refresh or write still runs: its files are swept by the next start
        return
    try:
        with _swap:
            replaced = [s for s, _ in _replaced]
            _replaced.clear()
            kept, _current = _current, None
        for snapshot in replaced:
            _remove(snapshot)
        if kept is not None:
            if kept.version < 0:     # a write its file could not keep: useless to the next process
                _remove(kept)
            else:
                db.Database.close(kept.path)
    finally:
        _refreshing.release()


def watch() -> None:
    """Start the process's watcher: every refresh_seconds it asks PostgreSQL for the data version and refreshes
    the snapshot when it moved (pages keep the old one meanwhile). Idempotent."""
    global _watcher
    refresh_seconds()   # a bad setting is said here, on the page, not in a thread nobody reads
    with _swap:
        if _watcher is not None and _watcher.is_alive():
            return
        _stop_watching.clear()
        _watcher = threading.Thread(target=_watch, name="monitor-snapshot-watcher", daemon=True)
        _watcher.start()


def _watch() -> None:
    con = None
    while not _stop_watching.wait(refresh_seconds()):
        try:
            if con is None or con.closed:
                con = pg.connect(autocommit=True)
            if _current is None or not _current.holds(pg.state(con)):
                refresh()
            _drop_stale()
        except Exception as exc:  # noqa: BLE001 - the pages keep the last snapshot; said once per failure
            print(f"Schnappschuss nicht aufgefrischt: {exc}", file=sys.stderr)
            try:
                if con is not None:
                    con.close()
            except Exception:  # noqa: BLE001
                pass
            con = None
    if con is not None:
        con.close()
