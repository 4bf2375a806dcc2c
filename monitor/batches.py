"""Writing an import batch in one transaction, undoing it, and replaying both from the journal.

`commit` checks the file again inside one DuckDB transaction and writes a batch only when no problem
remains; `undo` takes a batch back, also in one transaction. What a batch changed is kept in import_change
(inserted keys, before-images of updated rows), so an undo restores the state exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import threading
from pathlib import Path

import duckdb
import pandas as pd

from monitor import audit, journal, store
from monitor.checks import Progress, Report, _check
from monitor.db import SCHEMA_FILE, BuildError, Database, Restored, batch_states, database_path, server_mode
from monitor.i18n import t

TABLE = {"payments": "payment", "milestones": "milestone", "reports": "progress_report"}
CHUNK_ROWS = 2_000
CRASH_ENV = "MONITOR_IMPORT_CRASH_AFTER_ROWS"   # test hook: the process dies inside the transaction
CRASH_BEFORE_COMMIT_ENV = "MONITOR_IMPORT_CRASH_BEFORE_COMMIT"   # test hook: dies between journal and commit

# one import or undo at a time per process, its journal entries included (re-entrant: _journalled holds it
# around the transaction and the committed mark, _transaction takes it again)
_WRITE_LOCK = threading.RLock()


class ImportRefused(Exception):
    """An import or undo that is not allowed; code names the reason ("dp.refused.<code>")."""

    def __init__(self, code: str, **values):
        self.code, self.values = code, values
        super().__init__(t(f"dp.refused.{code}", lang="de", **values))

    def message(self, lang: str | None = None) -> str:
        """The reason in the user's language."""
        return t(f"dp.refused.{self.code}", lang=lang, **self.values)



def ensure_change_table(path: Path | None = None) -> None:
    """Create import_change in a database built before it existed (the DDL comes from schema.sql)."""
    cur = Database.cursor(path)
    try:
        exists = cur.execute("select count(*) from duckdb_tables() where table_name = 'import_change'").fetchone()[0]
        if not exists:
            match = re.search(r"create table import_change \(.*?\n\);", SCHEMA_FILE.read_text(encoding="utf-8"), re.S)
            cur.execute(match.group(0).replace("create table", "create table if not exists", 1))
    finally:
        cur.close()


def _after_chunk(rows_written: int) -> None:
    """Test hook: with MONITOR_IMPORT_CRASH_AFTER_ROWS set, the process dies here, mid-transaction."""
    limit = os.environ.get(CRASH_ENV)
    if limit and rows_written >= int(limit):
        os._exit(70)


def _insert_frame(cur, table: str, frame: pd.DataFrame, casts: dict[str, str], progress: Progress | None,
                  written: list[int], total: int) -> None:
    """Insert frame into table chunk by chunk (progress, crash hook) inside the caller's transaction."""
    columns = list(frame.columns)
    select = ", ".join(f"{c}::{casts[c]}" if c in casts else c for c in columns)
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start:start + CHUNK_ROWS]
        cur.register("import_rows", chunk)
        try:
            cur.execute(f"insert into {table} ({', '.join(columns)}) select {select} from import_rows")
        finally:
            cur.unregister("import_rows")
        written[0] += len(chunk)
        if progress:
            progress(min(written[0] / max(total, 1), 1.0))
        _after_chunk(written[0])


def _text_or_none(values: list) -> list:
    return [None if v is None else str(v) for v in values]


def _write(cur, report: Report, who: str, at: dt.datetime, progress: Progress | None) -> int:
    batch = cur.execute("select coalesce(max(import_batch_id), 0) + 1 from import_batch").fetchone()[0]
    writes = report.writes
    cur.execute("insert into import_batch (import_batch_id, kind, file_name, sha256, row_count, imported_by, "
                "imported_at) values (?, ?, ?, ?, ?, ?, ?)",
                [batch, report.kind, report.file_name, report.sha256, len(writes), who, at])
    table = TABLE[report.kind]
    inserts = [c.values for c in writes if c.action == "insert"]
    updates = [c for c in writes if c.action == "update"]
    written = [0]
    if report.kind == "payments":
        keys = [f"Z-{batch}-{n}" for n in range(1, len(inserts) + 1)]
        frame = pd.DataFrame({
            "payment_id": keys, "project_id": [v["project_id"] for v in inserts],
            "payment_date": [v["payment_date"].isoformat() for v in inserts],
            "amount_eur": [str(v["amount_eur"]) for v in inserts], "kind": [v["kind"] for v in inserts],
            "note": _text_or_none([v["note"] for v in inserts]), "import_batch_id": [batch] * len(inserts),
        }, dtype=object)
        _insert_frame(cur, table, frame, {"payment_date": "date", "amount_eur": "decimal(14,2)",
                                          "import_batch_id": "integer", "note": "varchar"}, progress, written,
                      len(writes))
    elif report.kind == "reports":
        keys = [f"R-{batch}-{n}" for n in range(1, len(inserts) + 1)]
        frame = pd.DataFrame({
            "report_id": keys, "project_id": [v["project_id"] for v in inserts],
            "report_date": [v["report_date"].isoformat() for v in inserts],
            "progress_pct": [str(v["progress_pct"]) for v in inserts], "status": [v["status"] for v in inserts],
            "summary": _text_or_none([v["summary"] for v in inserts]), "import_batch_id": [batch] * len(inserts),
        }, dtype=object)
        _insert_frame(cur, table, frame, {"report_date": "date", "progress_pct": "decimal(5,1)",
                                          "import_batch_id": "integer", "summary": "varchar"}, progress, written,
                      len(writes))
    else:
        keys = [v["milestone_id"] for v in inserts]
        frame = pd.DataFrame({
            "milestone_id": keys, "project_id": [v["project_id"] for v in inserts],
            "title": [v["title"] for v in inserts],
            "planned_date": [v["planned_date"].isoformat() for v in inserts],
            "done_date": _text_or_none([v["done_date"] and v["done_date"].isoformat() for v in inserts]),
            "is_illustrative": [False] * len(inserts), "source": [f"Import {report.file_name}"] * len(inserts),
            "import_batch_id": [batch] * len(inserts),
        }, dtype=object)
        _insert_frame(cur, table, frame, {"planned_date": "date", "done_date": "date", "is_illustrative": "boolean",
                                          "import_batch_id": "integer"}, progress, written, len(writes))
        for change in updates:
            v = change.values
            cur.execute("update milestone set title = ?, planned_date = ?::date, done_date = ?::date, "
                        "import_batch_id = ? where milestone_id = ?",
                        [v["title"], v["planned_date"].isoformat(),
                         v["done_date"].isoformat() if v["done_date"] else None, batch, v["milestone_id"]])
            written[0] += 1
            _after_chunk(written[0])
    log = pd.DataFrame({
        "import_batch_id": [batch] * len(writes), "table_name": [table] * len(writes),
        "row_key": keys + [c.values["milestone_id"] for c in updates],
        "action": ["insert"] * len(keys) + ["update"] * len(updates),
        "before_json": [None] * len(keys) + [json.dumps(c.before, ensure_ascii=False) for c in updates],
    }, dtype=object)
    from monitor import masterdata
    masterdata.log_changes(cur, log)
    return batch


MASTER_KINDS = ("stammdaten", "vorhabenliste")


def _checked(cur, data: bytes, file_name: str, kind: str, options: dict | None, today: dt.date | None = None,
             progress: Progress | None = None) -> Report:
    """The check of any kind of import inside the caller's transaction (master data is staged there)."""
    if kind == "vorhabenliste":
        from monitor import vorhabenliste
        return vorhabenliste.check(cur, data, file_name, options or {})
    if kind == "stammdaten":
        from monitor import masterdata
        report, staged = masterdata.check(cur, data, file_name, kind, options)
        report.tables = staged
        return report
    return _check(cur, data, file_name, kind, progress=progress, today=today)


def _write_any(cur, report: Report, who: str, at: dt.datetime, progress: Progress | None) -> int:
    batch = _write_batch(cur, report, who, at, progress)
    from monitor import aggregates
    aggregates.refresh(cur)   # the summaries the pages read, in the import's transaction (monitor/aggregates.py)
    return batch


def _write_batch(cur, report: Report, who: str, at: dt.datetime, progress: Progress | None) -> int:
    if report.kind not in MASTER_KINDS:
        return _write(cur, report, who, at, progress)
    from monitor import masterdata
    batch = cur.execute("select coalesce(max(import_batch_id), 0) + 1 from import_batch").fetchone()[0]
    cur.execute("insert into import_batch (import_batch_id, kind, file_name, sha256, row_count, imported_by, "
                "imported_at) values (?, ?, ?, ?, ?, ?, ?)",
                [batch, report.kind, report.file_name, report.sha256, report.write_count, who, at])
    masterdata.write(cur, report.tables, batch)
    return batch


def check(data: bytes, file_name: str, kind: str, options: dict | None = None, path: Path | None = None,
          progress: Progress | None = None) -> Report:
    """Read and check a file of any kind against the database; writes nothing (master data is staged in a
    transaction that is rolled back)."""
    cur = Database.cursor(path)
    try:
        cur.begin()
        try:
            return _checked(cur, data, file_name, kind, options, progress=progress)
        finally:
            cur.rollback()
    finally:
        cur.close()


def _transaction(path: Path | None, work):
    """Run work(cursor) in one transaction: commit when it returns, roll back on any exception."""
    ensure_change_table(path)
    with _WRITE_LOCK:
        cur = Database.cursor(path)
        try:
            cur.begin()
            try:
                result = work(cur)
            except BaseException:
                cur.rollback()
                raise
            cur.commit()
            return result
        finally:
            cur.close()


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _source(cur) -> tuple[str, bool]:
    return cur.execute("select source_dir, is_demo from build_info").fetchone()


def _journalled(path: Path, work):
    """Run work(cursor, journalled) in one transaction; work appends its journal entry (before the commit) to
    journalled. The entry is then marked committed, or abandoned when the commit fails; a crash in between is
    settled before the next entry (here) or when the database opens."""
    if server_mode():
        # PostgreSQL keeps the journal entry in the write's own transaction (monitor/store.py)
        with _WRITE_LOCK:
            return store.write(work)
    book = journal.FileBook(path)
    journalled = book.entries

    def settled_work(cur):
        journal.settle(path, batch_states(cur))
        return work(cur, book)

    with _WRITE_LOCK:
        try:
            result = _transaction(path, settled_work)
        except BaseException:
            for entry in journalled:
                try:
                    journal.append_abandoned(path, entry["seq"])
                except OSError:
                    pass   # the next settle finds the entry unmarked and the batch absent: abandoned then
            raise
        for entry in journalled:
            try:
                journal.append_committed(path, entry["seq"])
            except OSError as exc:
                # the batch is committed and its file is kept; the next settle marks it from the database
                print(f"Journal: Eintrag {entry['seq']} nicht als übernommen markiert ({exc})", file=sys.stderr)
        return result


def commit(data: bytes, file_name: str, kind: str, who: str, path: Path | None = None,
           progress: Progress | None = None, options: dict | None = None) -> Report:
    """Check the file again and, when nothing is wrong, write it as one batch in one transaction; the file is kept
    in the journal (fsynced) before the transaction commits."""
    path = Path(path or database_path())
    at = _now()

    def work(cur, book):
        report = _checked(cur, data, file_name, kind, options)
        if report.ok and not report.already and report.write_count:
            report.batch_id = _write_any(cur, report, who, at, progress)
            book.ensure_base(*_source(cur))
            book.append_import(data, batch=report.batch_id, kind=kind, file_name=file_name, who=who, at=at,
                               rows=report.write_count, options=options)
            _before_commit()
        return report

    report = _journalled(path, work)
    if report.batch_id is not None:
        Database.changed(path)
        audit.imported(report.batch_id, kind, report.write_count, report.sha256)   # the audit log (monitor/audit.py)
    return report


def _before_commit() -> None:
    """Test hook: with MONITOR_IMPORT_CRASH_BEFORE_COMMIT set, the process dies after the journal entry."""
    if os.environ.get(CRASH_BEFORE_COMMIT_ENV):
        os._exit(71)


def _undo(cur, batch_id: int, who: str, at: dt.datetime) -> int:
    found = cur.execute("select undone_at from import_batch where import_batch_id = ?", [batch_id]).fetchone()
    if found is None:
        raise ImportRefused("no_batch", batch=batch_id)
    if found[0] is not None:
        raise ImportRefused("already_undone", batch=batch_id)
    later = [r[0] for r in cur.execute(
        "select distinct later.import_batch_id from import_change as mine "
        "join import_change as later on later.table_name = mine.table_name and later.row_key = mine.row_key "
        "join import_batch on import_batch.import_batch_id = later.import_batch_id "
        "where mine.import_batch_id = ? and later.import_batch_id > ? and import_batch.undone_at is null "
        "order by 1", [batch_id, batch_id]).fetchall()]
    if later:
        raise ImportRefused("later_batch", batch=batch_id, later=", ".join(map(str, later)))
    changes = cur.execute("select table_name, row_key, action, before_json from import_change "
                          "where import_batch_id = ? order by row_key", [batch_id]).fetchall()
    from monitor import masterdata
    masterdata.revert(cur, changes)
    # nothing may be left pointing at a row the undo removed (a payment of a project this batch created)
    broken = masterdata.orphans(cur, {table for table, _, action, _ in changes if action == "insert"})
    if broken:
        table, column, value, target = broken[0]
        raise ImportRefused("still_used", batch=batch_id, value=value, table=table)
    cur.execute("update import_batch set undone_by = ?, undone_at = ? where import_batch_id = ?",
                [who, at, batch_id])
    from monitor import aggregates
    aggregates.refresh(cur)   # the summaries the pages read, in the undo's transaction (monitor/aggregates.py)
    return len(changes)


def undo(batch_id: int, who: str, path: Path | None = None) -> int:
    """Take a batch back: delete its rows, restore what it updated, mark it undone (journalled). Returns rows
    reverted."""
    path = Path(path or database_path())
    at = _now()

    def work(cur, book):
        reverted = _undo(cur, batch_id, who, at)
        book.append_undo(batch=batch_id, who=who, at=at)
        return reverted

    reverted = _journalled(path, work)
    Database.changed(path)
    audit.undone(batch_id, reverted)   # the audit log (monitor/audit.py)
    return reverted


class ReplayError(BuildError):
    """A journal entry could not be replayed: names the entry's file, the row and the first problem."""


def replay(con, path: Path | None, entries: list[dict], payload=None) -> Restored:
    """Apply the journal's imports and undos in order on a database built from the base data (no transaction:
    the caller builds a new file that replaces the old one only when complete). payload(entry) gives an import's
    file (default: from the journal folder beside path; server mode passes the file kept in PostgreSQL)."""
    imports = undos = 0
    rows: dict[int, int] = {}
    for entry in entries:
        at = dt.datetime.fromisoformat(entry["at"])
        if entry["op"] == "undo":
            try:
                _undo(con, entry["batch"], entry["who"], at)
            except ImportRefused as exc:
                raise ReplayError(journal.INDEX, None, f"Rücknahme von Import Nr. {entry['batch']}: "
                                  f"{exc.message('de')}") from exc
            rows.pop(entry["batch"], None)
            undos += 1
            continue
        data = payload(entry) if payload else journal.payload(path, entry)
        report = _checked(con, data, entry["file_name"], entry["kind"], entry.get("options"), today=at.date())
        if report.already:
            raise ReplayError(entry["file"], None, f"Import Nr. {entry['batch']} ist schon als Import Nr. "
                              f"{report.already['import_batch_id']} übernommen")
        if report.problems:
            first = report.problems[0]
            raise ReplayError(entry["file"], first.row, f"Import Nr. {entry['batch']} wird jetzt abgelehnt: "
                              f"{first.reason('de')}")
        batch = _write_any(con, report, entry["who"], at, None)
        if batch != entry["batch"]:
            raise ReplayError(entry["file"], None, f"Import Nr. {entry['batch']} erhielte die Nummer {batch}; das "
                              f"Journal passt nicht zu den Basisdaten")
        rows[batch] = report.write_count
        imports += 1
    return Restored(imports, undos, sum(rows.values()))


def unjournalled(path: Path | None = None) -> list[int]:
    """Batches in the database whose file the journal does not hold (imported before the journal existed)."""
    path = Path(path or database_path())
    cur = Database.cursor(path)
    try:
        states = batch_states(cur)
    finally:
        cur.close()
    kept = {e["batch"] for e in journal.active(path) if e["op"] == "import"}
    return sorted(b for b in states if b not in kept)


def lock_message(exc: duckdb.Error, path: Path) -> str | None:
    """The German explanation when another process holds the database, else None."""
    if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
        return t("dp.cli.locked", lang="de", path=str(path))
    return None

