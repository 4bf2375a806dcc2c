"""The import journal: every committed import's original file and every undo, append-only, beside the database.

The database data/monitor.duckdb keeps its journal in data/monitor.journal/:

    index.jsonl                   one JSON object per line, in the order things happened:
      {"seq": 1, "op": "base", "source_dir": "data/demo", ...}      the base data the imports were made on
      {"seq": 2, "op": "import", "batch": 1, "kind": "payments", "file_name": "zahlungen.csv",
       "sha256": "…", "size_bytes": 812, "file": "batch-0001-3f2a….csv", "who": "datenpflege",
       "at": "2023-03-20T10:15:00", "rows": 3}
      {"seq": 3, "op": "committed", "entry": 2, "at": "…"}           the database committed entry 2
      {"seq": 4, "op": "undo", "batch": 1, "who": "admin", "at": "2023-03-21T09:00:00"}
      {"seq": 5, "op": "abandoned", "entry": 4, "at": "…"}           the database never committed entry 4
    batch-0001-3f2a….csv          the uploaded file, byte for byte (its SHA-256 is in the index)

An entry is written and fsynced before the database commits its transaction, so a committed batch always has
its file; once the commit returns, a "committed" line follows. An entry without either mark (a crash in between)
is settled by the database before the next entry is written and whenever the database opens: committed when the
database holds it, abandoned when not. A committed entry the database lacks means the file is older than its
journal (a copy put back by hand): it is rebuilt. A rebuild replays every entry that is not abandoned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path, PurePath

INDEX = "index.jsonl"
PAYLOAD_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx"}
ROOT = Path(__file__).resolve().parent.parent


class JournalError(Exception):
    """The journal cannot be read or does not fit the database; the message says which file and why."""


def directory(db_path: Path) -> Path:
    """The journal of a database file: monitor.duckdb -> monitor.journal/ in the same folder."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.journal")


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat()


def _fsync_dir(path: Path) -> None:
    # a new or renamed file is durable only once its directory entry is
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def entries(db_path: Path) -> list[dict]:
    """Every entry in order; [] when there is no journal. A torn last line (a crash while appending) is ignored."""
    index = directory(db_path) / INDEX
    if not index.exists():
        return []
    raw = index.read_bytes()
    lines = raw.split(b"\n")
    if lines and not raw.endswith(b"\n"):
        lines = lines[:-1]       # the torn tail: its database transaction never committed
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise JournalError(f"{index}: Zeile {number} ist kein gültiger Eintrag ({exc})") from exc
        found.append(entry)
    return found


def active(db_path: Path) -> list[dict]:
    """The import and undo entries the database committed (or may have: not marked abandoned), in order."""
    everything = entries(db_path)
    abandoned = {e["entry"] for e in everything if e["op"] == "abandoned"}
    return [e for e in everything if e["op"] in ("import", "undo") and e["seq"] not in abandoned]


def base_source(db_path: Path) -> Path | None:
    """The CSV folder the journal's imports were made on (the last base entry), or None."""
    bases = [e for e in entries(db_path) if e["op"] == "base"]
    if not bases:
        return None
    source = Path(bases[-1]["source_dir"])
    return source if source.is_absolute() else ROOT / source


def _source_text(source_dir: Path | str) -> str:
    source = Path(source_dir).resolve()
    try:
        return str(source.relative_to(ROOT))      # the repository may move; its demo data moves with it
    except ValueError:
        return str(source)


def _append(db_path: Path, entry: dict) -> dict:
    folder = directory(db_path)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    if created:
        _fsync_dir(folder.parent)
    index = folder / INDEX
    new_index = not index.exists()
    with open(index, "a+b") as fh:
        fh.seek(0)
        raw = fh.read()
        if raw and not raw.endswith(b"\n"):
            # the one exception to append-only: a torn last line is cut off, never completed
            fh.truncate(raw.rfind(b"\n") + 1)
        seqs = [e["seq"] for e in entries(db_path)]
        entry = {"seq": (max(seqs) if seqs else 0) + 1, **entry}
        fh.seek(0, os.SEEK_END)
        fh.write(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    if new_index:
        _fsync_dir(folder)
    return entry


def ensure_base(db_path: Path, source_dir: Path | str, is_demo: bool) -> None:
    """Record the base data once, before the first import, so a rebuild after damage knows what to build on."""
    if not any(e["op"] == "base" for e in entries(db_path)):
        record_base(db_path, source_dir, is_demo)


def record_base(db_path: Path, source_dir: Path | str, is_demo: bool) -> None:
    """The database was (re)built on other base data: later replays build on that."""
    _append(db_path, {"op": "base", "source_dir": _source_text(source_dir), "is_demo": bool(is_demo), "at": _now()})


def _payload_name(batch: int, sha256: str, file_name: str) -> str:
    # the user's file name stays in the index only: it never becomes a path
    suffix = PurePath(file_name).suffix.lower()
    return f"batch-{batch:04d}-{sha256[:16]}{suffix if suffix in PAYLOAD_SUFFIXES else '.bin'}"


def append_import(db_path: Path, data: bytes, *, batch: int, kind: str, file_name: str, who: str, at: dt.datetime,
                  rows: int, options: dict | None = None) -> dict:
    """Keep the file and its index entry, both fsynced; call inside the transaction, before it commits."""
    digest = hashlib.sha256(data).hexdigest()
    folder = directory(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / _payload_name(batch, digest, file_name)
    if target.exists():
        # the same file for the same batch number: an earlier attempt that never committed
        if hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            raise JournalError(f"{target}: existiert schon mit anderem Inhalt")
    else:
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(folder)
    return _append(db_path, {"op": "import", "batch": batch, "kind": kind, "file_name": file_name, "sha256": digest,
                             "size_bytes": len(data), "file": target.name, "who": who, "at": at.isoformat(),
                             "rows": rows, **({"options": options} if options else {})})


class FileBook:
    """The journal entries of one write, kept in the folder beside the database file (server mode keeps them in
    PostgreSQL instead: monitor/store.py's PgBook, with the same methods)."""

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        self.entries: list[dict] = []

    def ensure_base(self, source_dir: Path | str, is_demo: bool) -> None:
        ensure_base(self.db_path, source_dir, is_demo)

    def append_import(self, data: bytes, **meta) -> dict:
        self.entries.append(append_import(self.db_path, data, **meta))
        return self.entries[-1]

    def append_undo(self, **meta) -> dict:
        self.entries.append(append_undo(self.db_path, **meta))
        return self.entries[-1]


def append_undo(db_path: Path, *, batch: int, who: str, at: dt.datetime) -> dict:
    """Record an undo; call inside the transaction, before it commits."""
    return _append(db_path, {"op": "undo", "batch": batch, "who": who, "at": at.isoformat()})


def append_abandoned(db_path: Path, seq: int) -> dict:
    """Entry seq was written but its transaction did not commit: a replay skips it."""
    return _append(db_path, {"op": "abandoned", "entry": seq, "at": _now()})


def payload(db_path: Path, entry: dict) -> bytes:
    """The original file of an import entry, checked against its SHA-256."""
    path = directory(db_path) / entry["file"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise JournalError(f"{path}: Datei des Imports Nr. {entry['batch']} fehlt ({exc.strerror})") from exc
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise JournalError(f"{path}: Inhalt passt nicht zur Prüfsumme des Imports Nr. {entry['batch']}")
    return data


def append_committed(db_path: Path, seq: int) -> dict:
    """The database committed entry seq."""
    return _append(db_path, {"op": "committed", "entry": seq, "at": _now()})


def settle(db_path: Path, batches: dict[int, tuple[str, str, bool]]) -> int:
    """Mark every entry without a mark as committed or abandoned, as the database (import_batch: id -> (sha256,
    imported_at, is_undone)) says; returns how many were abandoned."""
    everything = entries(db_path)
    marked = {e["entry"] for e in everything if e["op"] in ("committed", "abandoned")}
    abandoned = 0
    for entry in everything:
        if entry["op"] not in ("import", "undo") or entry["seq"] in marked:
            continue
        if _committed(entry, batches):
            append_committed(db_path, entry["seq"])
        else:
            append_abandoned(db_path, entry["seq"])
            abandoned += 1
    return abandoned


def reconcile(db_path: Path, batches: dict[int, tuple[str, str, bool]]) -> dict:
    """Settle the journal against a healthy database and compare: {"abandoned": n, "missing": [batch ids of
    committed entries the database lacks: rebuild it], "unjournalled": [batch ids without a journal entry]}."""
    abandoned = settle(db_path, batches) if directory(db_path).exists() else 0
    journalled = active(db_path)
    missing = [e["batch"] for e in journalled if not _committed(e, batches)]
    imported = {e["batch"] for e in journalled if e["op"] == "import"}
    return {"abandoned": abandoned, "missing": sorted(set(missing)),
            "unjournalled": sorted(b for b in batches if b not in imported)}


def _committed(entry: dict, batches: dict[int, tuple[str, str, bool]]) -> bool:
    found = batches.get(entry["batch"])
    if found is None:
        return False
    sha, at, undone = found
    if entry["op"] == "import":
        return sha == entry["sha256"] and at == entry["at"]
    return undone
