"""Nothing lost: every import is journalled with its file; a damaged, truncated or outdated database is rebuilt from
the base data plus the journal, and the user is told exactly what happened; backups restore database and journal.

Three batches of eight rows each (24 rows), worked out from data/demo: eight Abschläge for DM-05 (100,00 € to
800,00 €, 01.–08.03.2021; DM-05 has 20.000 € of its grant left), eight new milestones M-0n-R for DM-01 to DM-08
(planned 15.12.2021, inside every term: DM-03 ends 31.12.2021) and eight reports of 14.10.2021 for DM-01 to DM-08
(no report exists on that day).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import duckdb
import pytest

from monitor import batches, db, journal
from monitor.db import Database
from tests.conftest import ROOT

PAYMENTS = ("Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n" + "".join(
    f"DM-05;0{n}.03.2021;{n}00,00;Abschlag;Abruf {n} – „Größe“\r\n" for n in range(1, 9))).encode("cp1252")
MILESTONES = ("Projekt-ID;Meilenstein-ID;Titel;Plandatum;Erledigt am;Status\r\n" + "".join(
    f"DM-0{n};M-0{n}-R;Rückblick Quartal 4;15.12.2021;;offen\r\n" for n in range(1, 9))).encode("utf-8-sig")
REPORTS = ("Projekt-ID;Berichtsdatum;Fortschritt (%);Status;Zusammenfassung\r\n" + "".join(
    f"DM-0{n};14.10.2021;{n}0,5;gelb;Zwischenstand {n}\r\n" for n in range(1, 9))).encode("utf-8")
BATCHES = [(PAYMENTS, "zahlungen.csv", "payments", "datenpflege"), (MILESTONES, "meilensteine.csv", "milestones",
           "datenpflege"), (REPORTS, "berichte.csv", "reports", "admin")]
RESTORED = "und neu aufgebaut: Demodaten plus 3 Importe wiederhergestellt (24 Zeilen)."


def contents(path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted (build_info aside: it records when the file was built)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where table_name <> 'build_info' order by 1").fetchall()]
        return {n: con.execute(f"select * from {n} order by all").fetchall() for n in names}
    finally:
        con.close()


def import_all(path, items=BATCHES) -> list[int]:
    ids = []
    for data, name, kind, who in items:
        report = batches.commit(data, name, kind, who=who, path=path)
        assert report.problems == [], (name, [p.reason() for p in report.problems])
        ids.append(report.batch_id)
    Database.close_all()                       # DuckDB writes its WAL into the file on close
    return ids


@pytest.fixture(scope="module")
def golden(tmp_path_factory, pristine_db):
    """The demo database with the three batches committed, and its journal: the state every case must get back."""
    folder = tmp_path_factory.mktemp("golden")
    path = folder / "monitor.duckdb"
    shutil.copy(pristine_db, path)
    assert import_all(path) == [1, 2, 3]
    return path, contents(path)


def case_copy(golden_path, tmp_path):
    path = tmp_path / "monitor.duckdb"
    shutil.copy(golden_path, path)
    shutil.copytree(journal.directory(golden_path), journal.directory(path))
    return path


def overwrite(path, start: int, length: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(start)
        fh.write(bytes([0xA5]) * length)


def header(path):
    overwrite(path, 0, 4096)


def middle(path):
    size = path.stat().st_size
    overwrite(path, size // 3, size // 3)


def tail(path):
    size = path.stat().st_size
    overwrite(path, size * 3 // 4, size // 4)


def half(path):
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


DAMAGE = {"start": (header, "not_duckdb"), "middle": (middle, "checksum"), "end": (tail, "checksum"),
          "truncated": (half, "truncated")}


def imports_of(path) -> list[dict]:
    return [e for e in journal.entries(path) if e["op"] == "import"]


def test_every_committed_batch_keeps_its_file_in_the_journal(golden):
    path, _ = golden
    entries = journal.entries(path)
    assert [(e["op"], e.get("batch") or e.get("entry"), e.get("kind"), e.get("rows")) for e in entries] == [
        ("base", None, None, None), ("import", 1, "payments", 8), ("committed", 2, None, None),
        ("import", 2, "milestones", 8), ("committed", 4, None, None), ("import", 3, "reports", 8),
        ("committed", 6, None, None)]
    assert entries[0]["source_dir"] == "data/demo"
    for entry, (data, name, _, who) in zip(imports_of(path), BATCHES):
        assert journal.payload(path, entry) == data
        assert (entry["file_name"], entry["who"], entry["size_bytes"]) == (name, who, len(data))


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damage_is_found_and_every_batch_comes_back(golden, tmp_path, case):
    golden_path, expected = golden
    path = case_copy(golden_path, tmp_path)
    damage, reason = DAMAGE[case]
    damage(path)
    result = db.ensure_database(path)
    Database.close_all()
    assert (result.action, result.reason) == ("rebuilt", reason)
    assert result.moved_aside.name.startswith("monitor.duckdb.damaged-")
    assert contents(path) == expected                     # all 24 rows, the batches and their change log
    notice = result.notice()
    assert notice.startswith("Die Datenbank war beschädigt (")
    assert notice.endswith(f"); sie wurde beiseitegelegt unter {result.moved_aside} {RESTORED}")


def test_the_notice_words_a_destroyed_header_exactly(golden, tmp_path):
    path = case_copy(golden[0], tmp_path)
    header(path)
    result = db.ensure_database(path)
    Database.close_all()
    assert result.notice() == (
        f"Die Datenbank war beschädigt (der Dateikopf ist zerstört, keine gültige DuckDB-Datei); sie wurde "
        f"beiseitegelegt unter {result.moved_aside} {RESTORED}")
    assert result.notice("en") == (
        f"The database was damaged (its header is destroyed, not a valid DuckDB file); it was set aside at "
        f"{result.moved_aside} and rebuilt: demo data plus 3 imports restored (24 rows).")


def test_a_fresh_app_tells_the_user_and_shows_all_three_imports(golden, tmp_path, monkeypatch, app):
    path = case_copy(golden[0], tmp_path)
    half(path)
    monkeypatch.setenv("MONITOR_DB", str(path))
    at = app(role="admin", page="pages/daten.py")
    assert not at.exception
    shown = [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning]    # the notice is escaped Markdown
    assert len(shown) == 1
    assert shown[0].startswith("Die Datenbank war beschädigt (die Datei ist abgeschnitten, Tabelle ")
    assert shown[0].endswith(RESTORED)
    history = at.dataframe[-1].value
    assert history.iloc[:, :4].values.tolist() == [[3, "Fortschrittsberichte", "berichte.csv", 8],
                                                   [2, "Meilensteine", "meilensteine.csv", 8],
                                                   [1, "Zahlungen", "zahlungen.csv", 8]]
    assert history.iloc[:, 8].tolist() == ["aktiv"] * 3
    Database.close_all()


def test_a_database_behind_its_journal_is_rebuilt_from_it(pristine_db, tmp_path):
    path = tmp_path / "monitor.duckdb"
    shutil.copy(pristine_db, path)
    import_all(path, BATCHES[:2])
    older = tmp_path / "older.duckdb"
    shutil.copy(path, older)
    import_all(path, BATCHES[2:])
    expected = contents(path)
    shutil.copy(older, path)                   # someone puts yesterday's copy back
    result = db.ensure_database(path)
    Database.close_all()
    assert (result.action, result.reason, result.detail) == ("rebuilt", "behind_journal", "3")
    assert contents(path) == expected
    assert result.notice() == (
        f"Der Datenbank fehlten Importe, die das Journal enthält (Nr. 3; vermutlich eine ältere Kopie); sie wurde "
        f"beiseitegelegt unter {result.moved_aside} {RESTORED}")


def test_undo_is_journalled_and_replayed(pristine_db, tmp_path):
    path = tmp_path / "monitor.duckdb"
    shutil.copy(pristine_db, path)
    import_all(path)
    assert batches.undo(2, who="admin", path=path) == 8
    Database.close_all()
    expected = contents(path)
    assert [e["op"] for e in journal.entries(path)] == ["base"] + ["import", "committed"] * 3 + ["undo", "committed"]
    proc = subprocess.run([sys.executable, "-m", "monitor.db", "--rebuild", "--db", str(path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (f"Datenbank aufgebaut: {path} aus Demodaten plus 3 Importe und 1 Rücknahme "
                           f"wiederhergestellt (16 Zeilen aktiv).\n")
    assert contents(path) == expected          # undone_by, undone_at and the restored milestones included


def test_a_crash_between_journal_and_commit_is_marked_abandoned(fresh_db, tmp_path):
    before = contents(fresh_db)
    Database.close_all()
    file = tmp_path / "zahlungen.csv"
    file.write_bytes(PAYMENTS)
    env = {**os.environ, "MONITOR_DB": str(fresh_db), batches.CRASH_BEFORE_COMMIT_ENV: "1"}
    proc = subprocess.run([sys.executable, "-m", "monitor.imports", str(file), "--kind", "payments"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 71, proc.stderr
    assert [e["op"] for e in journal.entries(fresh_db)] == ["base", "import"]
    assert contents(fresh_db) == before        # the transaction never committed
    result = db.ensure_database(fresh_db)
    assert (result.action, result.abandoned) == ("opened", 1)
    assert [e["op"] for e in journal.entries(fresh_db)] == ["base", "import", "abandoned"]
    assert journal.active(fresh_db) == []
    # the same file imported again gets batch 1 and replays as such
    assert batches.commit(PAYMENTS, "zahlungen.csv", "payments", who="datenpflege").batch_id == 1
    Database.close_all()
    after = contents(fresh_db)
    db.build(fresh_db)
    assert contents(fresh_db) == after


def test_a_torn_last_line_is_ignored_and_cut_before_the_next_entry(fresh_db):
    import_all(fresh_db, BATCHES[:1])
    index = journal.directory(fresh_db) / journal.INDEX
    with open(index, "ab") as fh:
        fh.write(b'{"seq": 3, "op": "imp')          # the process died while appending
    assert [e["op"] for e in journal.entries(fresh_db)] == ["base", "import", "committed"]
    import_all(fresh_db, BATCHES[1:2])
    assert [e["seq"] for e in journal.entries(fresh_db)] == [1, 2, 3, 4, 5]
    assert index.read_bytes().count(b"\n") == 5


def test_a_changed_journal_file_stops_the_rebuild_and_keeps_the_old_database(golden, tmp_path):
    path = case_copy(golden[0], tmp_path)
    before = path.read_bytes()
    payload = journal.directory(path) / imports_of(path)[1]["file"]
    payload.write_bytes(payload.read_bytes().replace(b"M-01-R", b"M-01-X"))
    with pytest.raises(db.BuildError) as caught:
        db.build(path)
    assert str(caught.value) == (f"index.jsonl: {payload}: Inhalt passt nicht zur Prüfsumme des Imports Nr. 2")
    assert path.read_bytes() == before


def test_a_damaged_journal_line_stops_the_rebuild_and_nothing_is_moved(golden, tmp_path):
    path = case_copy(golden[0], tmp_path)
    index = journal.directory(path) / journal.INDEX
    lines = index.read_bytes().split(b"\n")
    lines[1] = b"{kaputt"
    index.write_bytes(b"\n".join(lines))
    header(path)
    damaged = path.read_bytes()
    with pytest.raises(db.BuildError) as caught:
        db.ensure_database(path)
    assert str(caught.value) == (f"index.jsonl: {index}: Zeile 2 ist kein gültiger Eintrag (Expecting property name "
                                 f"enclosed in double quotes: line 1 column 2 (char 1))")
    assert path.read_bytes() == damaged and not list(tmp_path.glob("*.damaged-*"))


# ---- backup and restore -------------------------------------------------------------------------------

def cli(*args):
    return subprocess.run([sys.executable, "-m", "monitor.db", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_backup_and_restore_bring_back_database_and_journal(golden, tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    path = case_copy(golden[0], live)
    target = tmp_path / "sicherung"
    made = cli("--backup", target, "--db", path)
    assert made.returncode == 0, made.stderr
    assert made.stdout == (f"Sicherung angelegt in {target}: Datenbank und Journal (7 Einträge; 3 Importe, davon 0 "
                           f"rückgängig gemacht), jede Datei mit SHA-256 in sicherung.json.\n")
    manifest = json.loads((target / "sicherung.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == [f"journal/{e['file']}" for e in imports_of(path)] + [
        "journal/index.jsonl", "monitor.duckdb"]
    # the live file is lost and its journal with it
    path.unlink()
    shutil.rmtree(journal.directory(path))
    restored = cli("--restore", target, "--db", path)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout == (f"Wiederhergestellt: {path} aus der Sicherung {target} vom {manifest['created_at']} "
                               f"(3 Importe, davon 0 rückgängig gemacht).\n")
    assert contents(path) == golden[1]
    assert [e["op"] for e in journal.entries(path)] == ["base"] + ["import", "committed"] * 3


def test_restore_sets_the_current_state_aside(golden, tmp_path):
    path = case_copy(golden[0], tmp_path)
    target = tmp_path / "sicherung"
    assert cli("--backup", target, "--db", path).returncode == 0
    restored = cli("--restore", target, "--db", path)
    assert restored.returncode == 0, restored.stderr
    asides = sorted(p.name for p in tmp_path.iterdir() if "before-restore" in p.name)
    assert [re.sub(r"-\d{8}-\d{6}$", "", name) for name in asides] == [
        "monitor.duckdb.before-restore", "monitor.journal.before-restore"]
    assert restored.stdout.count("Bisheriger Stand beiseitegelegt (nicht gelöscht): ") == 2


def test_backup_refuses_a_folder_that_is_not_empty(golden, tmp_path):
    path = case_copy(golden[0], tmp_path)
    target = tmp_path / "voll"
    target.mkdir()
    (target / "notiz.txt").write_text("x")
    proc = cli("--backup", target, "--db", path)
    assert proc.returncode == 1
    assert proc.stderr == (f"Fehler: Der Zielordner {target} existiert und ist nicht leer; eine Sicherung braucht "
                           f"einen neuen oder leeren Ordner.\n")


def test_restore_refuses_a_changed_backup_and_changes_nothing(golden, tmp_path):
    path = case_copy(golden[0], tmp_path)
    target = tmp_path / "sicherung"
    assert cli("--backup", target, "--db", path).returncode == 0
    index = target / "journal" / "index.jsonl"
    index.write_bytes(index.read_bytes().replace(b'"who": "admin"', b'"who": "Mallory"'))
    before = path.read_bytes()
    proc = cli("--restore", target, "--db", path)
    assert proc.returncode == 1
    assert proc.stderr == (f"Fehler: Die Sicherung ist beschädigt: {index} passt nicht zu seiner Prüfsumme (SHA-256) "
                           f"in sicherung.json. Es wurde nichts verändert.\n")
    assert path.read_bytes() == before
    assert cli("--restore", tmp_path, "--db", path).stderr == (
        f"Fehler: Keine Sicherung: {tmp_path / 'sicherung.json'} fehlt oder ist nicht lesbar.\n")


def test_backup_of_a_database_in_use_is_refused(golden, tmp_path):
    path = case_copy(golden[0], tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(path)!r})
            print("locked", flush=True)
            sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        proc = cli("--backup", tmp_path / "sicherung", "--db", path)
        assert proc.returncode == 3
        assert proc.stderr.startswith(f"Die Datenbank {path} ist gerade von einem anderen Programm geöffnet")
        assert not (tmp_path / "sicherung").exists()
        assert cli("--rebuild", "--db", path).returncode == 3
    finally:
        holder.communicate("")
