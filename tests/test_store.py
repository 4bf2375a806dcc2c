"""Server mode against a real PostgreSQL (started by the tests on 127.0.0.1): the snapshot is the embedded build,
imports and undos are PostgreSQL transactions, several processes write at once without double counting, a process
killed mid-import loses nothing, the commands work the same, the audit log is shared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

from monitor import audit, batches, db, pg, store
from tests.conftest import ROOT, server_mode

# two payments (exact): 1.234,56 € for DM-05 and 12.345,67 € for DM-04
PAYMENTS = (b"Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
            b"DM-05;15.03.2023;1.234,56;Abschlag;Teilabruf Kiel\r\n"
            b"DM-04;30.11.2022;12.345,67;Abschlag;\r\n")
OTHER = (b"Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
         b"DM-05;01.02.2022;500,00;Abschlag;zweite Datei\r\n")
DEMO_PAID = Decimal("792800.00")      # the demo's 25 payments (data/demo/payment.csv)


@pytest.fixture
def server(pg_server, tmp_path, request):
    """A new PostgreSQL database with the demo built into it by the server mode; the test runs in server mode."""
    name = "t_" + request.node.name.lower()[:50].replace("[", "_").replace("]", "").replace("-", "_")
    url = pg_server.create_database(name)
    with server_mode(url, tmp_path / "snapshots"):
        store.rebuild()
        yield url


def on_server(url: str, sql: str):
    with psycopg.connect(url) as con:
        cur = con.execute(sql)
        return cur.fetchall() if cur.description else cur.rowcount


def cli_env(url: str, tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("MONITOR_DB", "MONITOR_ROLE")}
    env.update(MONITOR_DATABASE_URL=url, MONITOR_SNAPSHOT_DIR=str(tmp_path / "cli-snapshots"),
               MONITOR_AUDIT_LOG=str(tmp_path / "cli-audit.jsonl"), PYTHONPATH=str(ROOT), **extra)
    return env


def run_cli(url: str, tmp_path: Path, *args: str, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=cli_env(url, tmp_path, **extra),
                          capture_output=True, text=True, timeout=300)


def data_of(path: Path) -> dict[str, list]:
    """Every data table's rows in a fixed order (build_info without its build time)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = {}
        for table in pg.data_tables():
            cols = "source_dir, is_demo" if table == "build_info" else "*"
            found[table] = con.execute(f'select {cols} from "{table}" order by all').fetchall()
        for table in ("project_month_state", "score_cell_state", "application_ranking_state"):
            found[table] = con.execute(f'select * from "{table}" order by all').fetchall()
        return found
    finally:
        con.close()


def test_the_snapshot_holds_exactly_what_the_embedded_build_holds(server, tmp_path):
    built = tmp_path / "embedded.duckdb"
    db.build(built, replay=False)
    snapshot = store.refresh(force=True)
    db.Database.close(snapshot.path)
    mine, theirs = data_of(snapshot.path), data_of(built)
    assert {t: len(rows) for t, rows in mine.items()} == {t: len(rows) for t, rows in theirs.items()}
    assert mine == theirs
    assert len(mine["payment"]) == 25 and len(mine["region"]) > 400


def test_an_import_and_its_undo_are_transactions_of_postgresql(server):
    assert on_server(server, "select count(*), sum(amount_eur) from payment") == [(25, DEMO_PAID)]
    assert on_server(server, "select version from monitor_state") == [(1,)]
    report = batches.commit(PAYMENTS, "zahlungen.csv", "payments", who="Erika Muster")
    assert (report.batch_id, report.write_count) == (1, 2)
    assert on_server(server, "select count(*), sum(amount_eur) from payment") == [(27, Decimal("806380.23"))]
    assert on_server(server, "select version from monitor_state") == [(2,)]
    assert on_server(server, "select import_batch_id, kind, row_count, imported_by from import_batch") == [
        (1, "payments", 2, "Erika Muster")]
    journal = on_server(server, "select entry->>'op', entry->>'batch', length(payload) from monitor_journal")
    assert journal == [("import", "1", len(PAYMENTS))]
    # this process reads its own write at once
    cur = db.Database.cursor(db.database_path())
    assert cur.execute("select sum(amount_eur) from payment").fetchone() == (Decimal("806380.23"),)
    cur.close()
    # the same file again: refused as already imported, nothing written, no new version
    again = batches.commit(PAYMENTS, "zahlungen.csv", "payments", who="Erika Muster")
    assert again.batch_id is None and again.already["import_batch_id"] == 1
    assert on_server(server, "select version from monitor_state") == [(2,)]
    assert batches.undo(1, who="Max Muster") == 2
    assert on_server(server, "select count(*), sum(amount_eur) from payment") == [(25, DEMO_PAID)]
    assert on_server(server, "select undone_by from import_batch") == [("Max Muster",)]
    assert on_server(server, "select version from monitor_state") == [(3,)]
    # a rebuild replays the journal kept in PostgreSQL: the import and its undo
    restored, source, ran = store.rebuild()
    assert (restored.imports, restored.undos, ran, source) == (1, 1, True, db.DEMO_DIR)
    assert on_server(server, "select import_batch_id, undone_by from import_batch") == [(1, "Max Muster")]
    assert on_server(server, "select count(*), sum(amount_eur) from payment") == [(25, DEMO_PAID)]


def test_another_process_s_import_reaches_this_process_on_refresh(server, tmp_path):
    before = store.current()
    payments = tmp_path / "zahlungen.csv"
    payments.write_bytes(PAYMENTS)
    done = run_cli(server, tmp_path, "monitor.imports", str(payments), "--kind", "payments")
    assert done.returncode == 0, done.stderr
    assert "Import Nr. 1" in done.stdout
    cur = db.Database.cursor(before.path)
    assert cur.execute("select sum(amount_eur) from payment").fetchone() == (DEMO_PAID,)   # until it refreshes
    cur.close()
    after = store.refresh()
    assert after.version == before.version + 1 and after.path != before.path
    cur = db.Database.cursor(db.database_path())
    assert cur.execute("select sum(amount_eur) from payment").fetchone() == (Decimal("806380.23"),)
    cur.close()


def test_two_stewards_importing_at_once_count_each_file_once(server, tmp_path):
    files = []
    for name, data in (("a.csv", PAYMENTS), ("b.csv", PAYMENTS), ("c.csv", OTHER)):
        path = tmp_path / name
        path.write_bytes(data)
        files.append(path)
    procs = [subprocess.Popen([sys.executable, "-m", "monitor.imports", str(f), "--kind", "payments"], cwd=ROOT,
                              env=cli_env(server, tmp_path / f.stem), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for f in files]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    assert [code for _, _, code in results] == [0, 0, 0], [out[-300:] for out, _, _ in results]
    # a.csv and b.csv are the same file: one of them became a batch, the other was recognised as imported
    recognised = [out for out, _, _ in results[:2] if "Diese Datei wurde bereits als Import Nr. " in out]
    assert len(recognised) == 1
    assert on_server(server, "select count(*) from import_batch") == [(2,)]
    assert on_server(server, "select count(*), sum(amount_eur) from payment") == [(28, Decimal("806880.23"))]
    assert on_server(server, "select version from monitor_state") == [(3,)]


@pytest.mark.parametrize("hook", [batches.CRASH_ENV, batches.CRASH_BEFORE_COMMIT_ENV])
def test_a_process_killed_mid_import_loses_nothing(server, tmp_path, hook):
    payments = tmp_path / "zahlungen.csv"
    payments.write_bytes(PAYMENTS)
    done = run_cli(server, tmp_path, "monitor.imports", str(payments), "--kind", "payments", **{hook: "1"})
    assert done.returncode in (70, 71), done.stderr
    assert on_server(server, "select count(*), sum(amount_eur) from payment") == [(25, DEMO_PAID)]
    assert on_server(server, "select count(*) from import_batch") == [(0,)]
    assert on_server(server, "select count(*) from monitor_journal") == [(0,)]
    assert on_server(server, "select version from monitor_state") == [(1,)]
    # the lock died with the connection: the next import goes through
    again = run_cli(server, tmp_path, "monitor.imports", str(payments), "--kind", "payments")
    assert again.returncode == 0, again.stderr
    assert on_server(server, "select count(*), sum(amount_eur) from payment") == [(27, Decimal("806380.23"))]


def test_the_commands_work_the_same_in_server_mode(server, tmp_path):
    port = server.split(":")[2].split("/")[0]
    name = server.rsplit("/", 1)[1]
    rebuilt = run_cli(server, tmp_path, "monitor.db", "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.startswith(f"PostgreSQL unter postgresql://monitor@127.0.0.1:{port}/{name} aufgebaut aus ")
    assert on_server(server, "select version from monitor_state") == [(2,)]
    asked = run_cli(server, tmp_path, "monitor.sql", "select count(*) as n, sum(amount_eur) as s from payment",
                    "--format", "csv")
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.splitlines()[-1].replace(";", ",") in ("25,792800.00", "25,792800.0", "25,\"792800,00\"")
    refused = run_cli(server, tmp_path, "monitor.db", "--backup", str(tmp_path / "backup"))
    assert refused.returncode == 1
    assert "deploy/backup.sh (pg_dump)" in refused.stderr


def test_the_audit_log_is_one_table_for_every_process(server, tmp_path):
    batches.commit(PAYMENTS, "zahlungen.csv", "payments", who="Erika Muster")
    payments = tmp_path / "andere.csv"
    payments.write_bytes(OTHER)
    assert run_cli(server, tmp_path, "monitor.imports", str(payments), "--kind", "payments").returncode == 0
    events = audit.read()
    imports = events[events["event"] == "import"]
    assert imports["batch"].tolist() == [2, 1]
    assert imports["rows"].tolist() == [1, 2]
    assert not (tmp_path / "cli-audit.jsonl").exists()


def test_a_server_of_another_schema_is_refused_with_the_way_out(server):
    on_server(server, "update monitor_state set schema_sha = 'older'")
    store.reset()
    with pytest.raises(pg.StoreError) as caught:
        store.ensure()
    assert "stammen von einem anderen Schema als monitor/schema.sql" in str(caught.value)
    assert "python -m monitor.db --rebuild" in str(caught.value)


def test_an_unreachable_server_is_named_without_its_password(tmp_path):
    with server_mode("postgresql://monitor:geheim@127.0.0.1:9/nirgends", tmp_path):
        with pytest.raises(pg.StoreError) as caught:
            store.ensure()
    message = str(caught.value)
    assert message.startswith("PostgreSQL unter postgresql://monitor:***@127.0.0.1:9/nirgends nicht erreichbar")
    assert "geheim" not in message
    assert "Bitte MONITOR_DATABASE_URL prüfen" in message


def test_a_saved_column_mapping_is_shared_through_postgresql(server):
    from monitor import vorhabenliste

    vorhabenliste.save_mapping(db.database_path(), "layout-1", {"beneficiary": "Begünstigter", "amount": "Kosten"})
    vorhabenliste.save_mapping(db.database_path(), "layout-1", {"beneficiary": "Empfänger", "amount": "Kosten"})
    assert vorhabenliste.saved_mappings(db.database_path()) == {
        "layout-1": {"beneficiary": "Empfänger", "amount": "Kosten"}}
    assert on_server(server, "select key from monitor_setting") == [("mapping:layout-1",)]


def test_the_uebersicht_in_server_mode_reads_the_snapshot_and_names_its_version(server, app, tmp_path, monkeypatch):
    at = app(role="leitung", page="pages/uebersicht.py")
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Ausgezahlt"] == "792.800 €"
    captions = "\n".join(c.value for c in at.sidebar.caption)
    assert ":material/database: Datenstand 1 aus PostgreSQL, geladen um " in captions
    # another process imports; this one shows it after its refresh (the watcher's job in a running app)
    payments = tmp_path / "zahlungen.csv"
    payments.write_bytes(PAYMENTS)
    assert run_cli(server, tmp_path, "monitor.imports", str(payments), "--kind", "payments").returncode == 0
    store.refresh()
    ensured, ensure = [], store.ensure
    monkeypatch.setattr(store, "ensure", lambda *args: ensured.append(args) or ensure(*args))
    at.run()
    assert {m.label: m.value for m in at.metric}["Ausgezahlt"] == "806.380 €"
    assert ensured == []   # the schema check and first snapshot are once per process, not once per refresh
    assert ":material/database: Datenstand 2 aus PostgreSQL" in "\n".join(c.value for c in at.sidebar.caption)


def test_an_unreachable_server_is_explained_on_the_page(app, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql://monitor:geheim@127.0.0.1:9/nirgends")
    monkeypatch.setenv("MONITOR_SNAPSHOT_DIR", str(tmp_path))
    at = app(role="leitung")
    shown = at.error[0].value   # as plain text (markup.text escapes every Markdown character)
    assert shown.startswith("PostgreSQL unter postgresql\\:\\/\\/monitor\\:\\*\\*\\*\\@\u2060127\\.0\\.0\\.1\\:9"
                            "\\/nirgends nicht erreichbar")
    assert "Bitte MONITOR\\_DATABASE\\_URL prüfen" in shown and "geheim" not in shown
    store.reset()


def same_as_postgres(url: str) -> dict[str, int]:
    """Every data table of this process's snapshot equals PostgreSQL's, row for row; returns the row counts."""
    cur = db.Database.cursor(db.database_path())
    counts = {}
    try:
        with psycopg.connect(url) as con:
            for table in pg.data_tables()[:-1]:
                mine = sorted(cur.execute(f'select * from "{table}"').fetchall(), key=repr)
                theirs = sorted(con.execute(f'select * from "{table}"').fetchall(), key=repr)
                assert mine == theirs, table
                counts[table] = len(mine)
    finally:
        cur.close()
    return counts


def test_a_liste_der_vorhaben_its_update_and_both_undos_keep_postgresql_and_the_snapshot_equal(server):
    from tests.test_vorhabenliste import newer_sh_list, sh_file

    demo = same_as_postgres(server)
    first = batches.commit(sh_file("xlsx"), "liste-2023.xlsx", "vorhabenliste", "datenpflege",
                           options={"programme_id": "efre-sh", "name": "EFRE Schleswig-Holstein 2021–2027"})
    listed = same_as_postgres(server)
    assert listed["project"] == demo["project"] + 8 and listed["programme"] == demo["programme"] + 1
    assert on_server(server, "select sum(granted_eur) from project where programme_id = 'efre-sh'") == [
        (Decimal("12116001.00"),)]
    second = batches.commit(newer_sh_list(), "liste-2024.csv", "vorhabenliste", "datenpflege",
                            options={"programme_id": "efre-sh"})
    same_as_postgres(server)
    assert on_server(server, "select sum(granted_eur) from project where programme_id = 'efre-sh'") == [
        (Decimal("12116001.00") - Decimal("487937.50") + Decimal("37700.00") + Decimal("640000.00"),)]
    batches.undo(second.batch_id, "datenpflege")
    after_undo = same_as_postgres(server)   # (the undone batch and what it changed stay on record)
    assert after_undo | {"import_batch": 1, "import_change": listed["import_change"]} == listed
    batches.undo(first.batch_id, "datenpflege")
    undone = same_as_postgres(server)
    assert {t: n for t, n in undone.items() if t not in ("import_batch", "import_change")} == {
        t: n for t, n in demo.items() if t not in ("import_batch", "import_change")}
    assert on_server(server, "select version from monitor_state") == [(5,)]


def test_pages_keep_reading_the_old_snapshot_while_a_refresh_runs(server, tmp_path):
    import threading

    before = store.current()
    payments = tmp_path / "zahlungen.csv"
    payments.write_bytes(PAYMENTS)
    assert run_cli(server, tmp_path, "monitor.imports", str(payments), "--kind", "payments").returncode == 0
    answers = []
    refresh = threading.Thread(target=store.refresh)
    refresh.start()
    while refresh.is_alive() or not answers:
        cur = db.Database.cursor(db.database_path())
        answers.append(cur.execute("select sum(amount_eur) from payment").fetchone()[0])
        cur.close()
    refresh.join()
    cur = db.Database.cursor(db.database_path())
    answers.append(cur.execute("select sum(amount_eur) from payment").fetchone()[0])
    cur.close()
    # every query answered, each from one whole snapshot: the old total until the swap, the new one after it
    assert answers[0] == DEMO_PAID and answers[-1] == Decimal("806380.23")
    switched = answers.index(Decimal("806380.23"))
    assert set(answers[:switched]) == {DEMO_PAID} and set(answers[switched:]) == {Decimal("806380.23")}
    assert store.current().version == before.version + 1


def test_the_daten_page_says_where_the_journal_is_kept_in_server_mode(server, app):
    at = app(role="datenpflege", page="pages/daten.py")
    assert not at.exception
    assert any("bleibt unverändert im Import-Journal in PostgreSQL" in c.value for c in at.caption)


def test_the_watcher_refreshes_when_another_process_writes(server, tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("MONITOR_REFRESH_SECONDS", "0.2")
    before = store.current()
    store.watch()
    payments = tmp_path / "zahlungen.csv"
    payments.write_bytes(PAYMENTS)
    assert run_cli(server, tmp_path, "monitor.imports", str(payments), "--kind", "payments").returncode == 0
    waited = time.monotonic()
    while store.current().version == before.version and time.monotonic() - waited < 60:
        time.sleep(0.1)
    assert store.current().version == before.version + 1
    cur = db.Database.cursor(db.database_path())
    assert cur.execute("select sum(amount_eur) from payment").fetchone() == (Decimal("806380.23"),)
    cur.close()
    store.reset()   # stops the watcher
    assert store._watcher is None


def test_a_bad_refresh_interval_is_refused_with_an_example(server, monkeypatch):
    monkeypatch.setenv("MONITOR_REFRESH_SECONDS", "fünf")
    with pytest.raises(ValueError, match=r"MONITOR_REFRESH_SECONDS='fünf': erwartet eine Zahl von Sekunden, z. B. 5"):
        store.watch()


def test_a_process_catches_up_from_the_recorded_changes_to_exactly_what_a_full_copy_gives(server, tmp_path):
    from tests.test_vorhabenliste import newer_sh_list, sh_file

    before = store.current()
    files = {"zahlungen.csv": PAYMENTS, "liste-2023.xlsx": sh_file("xlsx"), "liste-2024.csv": newer_sh_list()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    steps = [("zahlungen.csv", "payments", ()),
             ("liste-2023.xlsx", "vorhabenliste", ("--programme", "efre-sh", "--name", "EFRE SH")),
             ("liste-2024.csv", "vorhabenliste", ("--programme", "efre-sh"))]
    for name, kind, extra in steps:      # three writes by another process: new rows, a programme, changed rows
        done = run_cli(server, tmp_path, "monitor.imports", str(tmp_path / name), "--kind", kind, *extra)
        assert done.returncode == 0, done.stdout + done.stderr
    caught_up = store.refresh()
    assert store.last_refresh()["mode"] == "catch_up"
    assert caught_up.version == before.version + 3
    db.Database.close(caught_up.path)
    mine = data_of(caught_up.path)
    copied = store.refresh(force=True)
    assert store.last_refresh()["mode"] == "copy"
    db.Database.close(copied.path)
    assert mine == data_of(copied.path)
    assert sum(row[5] for row in mine["project"] if row[1] == "efre-sh") == (
        Decimal("12116001.00") - Decimal("487937.50") + Decimal("37700.00") + Decimal("640000.00"))
    assert len(mine["project_month_state"]) > 0


def test_after_a_rebuild_a_process_copies_everything(server):
    before = store.current()
    store.rebuild()                      # a rebuild records no changes: the next refresh copies
    assert store.refresh().version == before.version + 1
    assert store.last_refresh()["mode"] == "copy"


def leave_behind() -> tuple[store.Snapshot, Path]:
    """This process "ends" without cleaning up (killed): its snapshot stays under the name of a process that is
    gone, and the process forgets it (not by monkeypatch: that would put it back after the fixture's reset)."""
    first = store.current()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    db.Database.close(first.path)
    left = first.path.with_name(f"snapshot-{int(gone.stdout)}-{first.version}-1.duckdb")
    os.replace(first.path, left)
    store._current = None
    return first, left


def test_a_restarted_process_catches_up_from_the_snapshot_its_predecessor_left(server, tmp_path):
    first, left = leave_behind()
    # meanwhile another process imports
    payments = tmp_path / "zahlungen.csv"
    payments.write_bytes(PAYMENTS)
    assert run_cli(server, tmp_path, "monitor.imports", str(payments), "--kind", "payments").returncode == 0
    # the restarted process claims the file left behind and catches up instead of copying everything
    store.ensure()
    assert store.last_refresh()["mode"] == "catch_up"
    assert store.current().version == first.version + 1 and not left.exists()
    cur = db.Database.cursor(db.database_path())
    assert cur.execute("select sum(amount_eur) from payment").fetchone() == (Decimal("806380.23"),)
    assert cur.execute("select version from snapshot_state").fetchall() == [(first.version + 1,)]
    cur.close()


def test_a_left_behind_snapshot_without_its_changes_is_removed_and_everything_copied(server):
    first, left = leave_behind()
    store.rebuild()                      # no recorded changes lead from the file's version to the server's
    store.ensure()
    assert store.last_refresh()["mode"] == "copy" and not left.exists()


def test_after_a_restore_no_snapshot_of_the_undone_writes_is_taken_for_the_new_ones(server, tmp_path):
    """deploy/backup.sh, an import, deploy/restore.sh (the import is undone), another import: the server is at the
    same version number as before the restore with other data. Neither the running process nor a restarted one may
    take its snapshot of the undone import for it."""
    env = cli_env(server, tmp_path)

    def script(*args: str) -> None:
        done = subprocess.run(["bash", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr

    def imported(content: bytes, name: str) -> None:
        (tmp_path / name).write_bytes(content)
        assert run_cli(server, tmp_path, "monitor.imports", str(tmp_path / name), "--kind", "payments").returncode == 0

    def paid(path: Path):
        cur = db.Database.cursor(path)
        try:
            return cur.execute("select sum(amount_eur) from payment").fetchone()[0]
        finally:
            cur.close()

    script("deploy/backup.sh", str(tmp_path / "sicherung.dump"))
    imported(PAYMENTS, "zahlungen.csv")
    undone = store.refresh()
    assert paid(undone.path) == Decimal("806380.23")
    # a copy of it, as a process that ended at this version leaves it behind
    db.Database.close(undone.path)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = undone.path.with_name(f"snapshot-{int(gone.stdout)}-{undone.version}-1.duckdb")
    shutil.copyfile(undone.path, left)

    script("deploy/restore.sh", str(tmp_path / "sicherung.dump"))
    imported(OTHER, "andere.csv")
    with psycopg.connect(server) as con:
        assert pg.state(con).version == undone.version and pg.state(con).lineage != undone.lineage
    # the running process copies everything anew
    assert paid(store.refresh().path) == DEMO_PAID + Decimal("500.00")
    assert store.last_refresh()["mode"] == "copy"
    # a restarted one does not claim the file left behind at the same version number
    store.reset()
    store.ensure()
    assert store.last_refresh()["mode"] == "copy" and not left.exists()
    assert paid(db.database_path()) == DEMO_PAID + Decimal("500.00")


def test_a_process_that_ends_leaves_its_snapshot_and_the_next_one_catches_it_up(server, tmp_path):
    snapshots = Path(os.environ["MONITOR_SNAPSHOT_DIR"])
    store.reset()                        # this process "ended" long ago; its files are gone
    # a command-line import in the same snapshot folder ends normally and leaves its snapshot (at its version)
    payments = tmp_path / "zahlungen.csv"
    payments.write_bytes(PAYMENTS)
    env = cli_env(server, tmp_path) | {"MONITOR_SNAPSHOT_DIR": str(snapshots)}
    done = subprocess.run([sys.executable, "-m", "monitor.imports", str(payments), "--kind", "payments"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    [left] = snapshots.glob("snapshot-*.duckdb")
    # another import after it ended; then this process starts: it claims the file and applies that one import
    other = tmp_path / "andere.csv"
    other.write_bytes(OTHER)
    assert run_cli(server, tmp_path, "monitor.imports", str(other), "--kind", "payments").returncode == 0
    store.ensure()
    assert store.last_refresh()["mode"] == "catch_up" and not left.exists()
    cur = db.Database.cursor(db.database_path())
    assert cur.execute("select sum(amount_eur) from payment").fetchone() == (Decimal("806880.23"),)
    assert cur.execute("select version from snapshot_state").fetchall() == [(3,)]
    cur.close()


def test_a_running_process_s_snapshot_is_left_alone_and_claimed_once_it_is_killed(server, tmp_path):
    snapshots = Path(os.environ["MONITOR_SNAPSHOT_DIR"])
    env = cli_env(server, tmp_path) | {"MONITOR_SNAPSHOT_DIR": str(snapshots)}
    other = subprocess.Popen(
        [sys.executable, "-c", "import time; from monitor import store; print(store.current_path(), flush=True); "
                               "time.sleep(600)"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        theirs = Path(other.stdout.readline().strip())
        store.reset()
        store.ensure()                   # a start beside a running process: its file is not ours to take
        assert store.last_refresh()["mode"] == "copy" and theirs.exists()
    finally:
        other.kill()
        other.wait()
    store.reset()
    store.ensure()                       # killed: now its snapshot is claimed (same version: nothing to apply)
    assert store.last_refresh()["mode"] == "claimed" and not theirs.exists()
    assert sorted(f.name.split("-")[0] for f in snapshots.iterdir()) == ["owner", "snapshot"]


def test_a_snapshot_left_under_this_process_s_own_id_is_claimed(server):
    # a restarted container's process often has the process id its predecessor had
    first = store.current()
    db.Database.close(first.path)
    left = first.path.with_name(f"snapshot-{os.getpid()}-{first.version}-1.duckdb")
    os.replace(first.path, left)
    store._current = None
    store.ensure()
    assert store.last_refresh()["mode"] == "claimed" and not left.exists()
