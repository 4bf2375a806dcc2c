"""Backup and restore: a consistent copy of the database and its import journal, checked by SHA-256 on the way back.

A backup folder holds `monitor.duckdb` (the database after a checkpoint, copied while this process holds it, so
nothing writes meanwhile), `journal/` (the import journal: index and original files) and `sicherung.json`
(what was copied, with every file's SHA-256 and the number of imports). A restore checks every file against the
manifest and the database copy block by block, sets the current database and journal aside (never deletes
them), then puts the copies in their place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb

from monitor import journal
from monitor.db import Database, DatabaseBusy, _aside, _health, ensure_database, verify

MANIFEST = "sicherung.json"
DB_NAME = "monitor.duckdb"
JOURNAL_NAME = "journal"


class BackupError(Exception):
    """A backup or restore that cannot be done; code names the text ("db.backup.<code>"), values fill it in."""

    def __init__(self, code: str, **values):
        self.code, self.values = code, values
        super().__init__(self.message("de"))

    def message(self, lang: str | None = None) -> str:
        """The reason in words."""
        from monitor.i18n import t

        return t(f"db.backup.{self.code}", lang=lang, **self.values)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy(source: Path, target: Path) -> None:
    """Copy a file and fsync it: a backup that lives only in the page cache is no backup."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): _sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def _counts(con) -> dict[str, int]:
    total, undone = con.execute("select count(*), count(undone_at) from import_batch").fetchone()
    return {"imports": total, "undone": undone}


def backup(db_path: Path, target: Path) -> dict:
    """Copy the database and its journal into the new folder target; returns the manifest."""
    db_path, target = Path(db_path), Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError("target_not_empty", path=str(target))
    if not db_path.exists():
        raise BackupError("no_database", path=str(db_path))
    opened = ensure_database(db_path)          # may raise DatabaseBusy; reconciles the journal first
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    cur = Database.cursor(db_path)
    try:
        # the checkpoint moves the WAL into the file; this process holds the file, so no one writes until we close
        cur.execute("checkpoint")
        counts = _counts(cur)
        entries = journal.entries(db_path)
        _copy(db_path, partial / DB_NAME)
        folder = journal.directory(db_path)
        if folder.exists():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    _copy(path, partial / JOURNAL_NAME / path.name)
    finally:
        cur.close()
    check = duckdb.connect(str(partial / DB_NAME), read_only=True)
    try:
        health = verify(check)
    finally:
        check.close()
    if health.state != "ok":
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError("copy_damaged", detail=health.detail or health.reason or "")
    manifest = {
        "created_at": dt.datetime.now().replace(microsecond=0).isoformat(),
        "database": DB_NAME, "journal": JOURNAL_NAME, "source": str(db_path.resolve()),
        "imports": counts["imports"], "undone": counts["undone"],
        "journal_entries": len(entries), "rebuilt_before_backup": opened.action == "rebuilt",
        "files": _files(partial),
    }
    with open(partial / MANIFEST, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    if target.exists():
        target.rmdir()
    os.replace(partial, target)
    return manifest


def read_manifest(source: Path) -> dict:
    """The manifest of a backup folder, every file checked against its SHA-256."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError("no_manifest", path=str(source / MANIFEST)) from exc
    for name, digest in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise BackupError("file_missing", path=str(path))
        if _sha256(path) != digest:
            raise BackupError("file_changed", path=str(path))
    return manifest


def restore(source: Path, db_path: Path) -> dict:
    """Put the backup in source in place of the database at db_path and its journal; returns what was done."""
    source, db_path = Path(source), Path(db_path)
    manifest = read_manifest(source)
    copy = source / manifest["database"]
    check = duckdb.connect(str(copy), read_only=True)
    try:
        health = verify(check)
    finally:
        check.close()
    if health.state != "ok":
        raise BackupError("copy_damaged", detail=health.detail or health.reason or "")
    set_aside = []
    if db_path.exists():
        if _health(db_path).state == "busy":
            raise DatabaseBusy(str(db_path))
        Database.close(db_path)
        set_aside.append(_aside(db_path, "before-restore"))
    folder = journal.directory(db_path)
    if folder.exists():
        set_aside.append(_aside(folder, "before-restore"))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f"{db_path.name}.restore-{os.getpid()}")
    _copy(copy, tmp)
    os.replace(tmp, db_path)
    backed_journal = source / manifest["journal"]
    if backed_journal.is_dir():
        tmp_folder = folder.with_name(f"{folder.name}.restore-{os.getpid()}")
        for path in sorted(backed_journal.iterdir()):
            _copy(path, tmp_folder / path.name)
        os.replace(tmp_folder, folder)
    opened = ensure_database(db_path)
    return {"manifest": manifest, "set_aside": set_aside, "opened": opened}
