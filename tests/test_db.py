"""Building and opening the database: bad CSVs are named precisely, damage is repaired, locks are respected."""

import shutil
import subprocess
import sys
import textwrap

import duckdb
import pytest

from monitor import db
from tests.conftest import ROOT


@pytest.fixture
def demo_copy(tmp_path):
    """An editable copy of the demo CSVs."""
    target = tmp_path / "demo"
    shutil.copytree(db.DEMO_DIR, target)
    return target


def replace_line(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_demo_builds_with_every_table(tmp_path):
    path = db.build(tmp_path / "m.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in db.TABLES}
    con.close()
    assert counts["programme"] == 1
    assert counts["project"] == 9
    assert counts["payment"] == 25
    assert counts["planned_payment"] == 26
    assert counts["milestone"] == 30
    assert counts["progress_report"] == 38
    assert counts["goal"] == 6
    assert counts["import_batch"] == 0


def test_negative_payment_names_file_row_and_rule(demo_copy, tmp_path):
    replace_line(demo_copy / "payment.csv", "Z-0003,DM-07,2020-10-30,39000.00", "Z-0003,DM-07,2020-10-30,-39000.00")
    with pytest.raises(db.BuildError) as err:
        db.build(tmp_path / "m.duckdb", demo_copy)
    # header is line 1, Z-0003 is the third data line
    assert str(err.value) == "payment.csv, Zeile 4: amount_eur: Regel verletzt: „amount_eur“ > 0."
    assert not (tmp_path / "m.duckdb").exists(), "nothing half-written"


def test_unknown_project_names_the_reference(demo_copy, tmp_path):
    replace_line(demo_copy / "milestone.csv", "M-02-1,DM-02,", "M-02-1,DM-99,")
    with pytest.raises(db.BuildError) as err:
        db.build(tmp_path / "m.duckdb", demo_copy)
    assert str(err.value) == ("milestone.csv, Zeile 5: project_id: Unbekannt: weder in der Datenbank noch in der "
                              "Datei (Projekte).")


def test_date_outside_the_sensible_range_is_refused(demo_copy, tmp_path):
    replace_line(demo_copy / "progress_report.csv", "R-01-2,DM-01,2021-07-29", "R-01-2,DM-01,2201-07-29")
    with pytest.raises(db.BuildError) as err:
        db.build(tmp_path / "m.duckdb", demo_copy)
    assert str(err.value) == ("progress_report.csv, Zeile 3: report_date: Regel verletzt: „report_date“ zwischen "
                              "01.01.2000 und 31.12.2040.")


def test_missing_required_column_is_named(demo_copy, tmp_path):
    path = demo_copy / "goal.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[3] == "label_de"
    path.write_text("\n".join(",".join(line.split(",")[:3] + line.split(",")[4:]) for line in lines) + "\n",
                    encoding="utf-8")
    with pytest.raises(db.BuildError) as err:
        db.build(tmp_path / "m.duckdb", demo_copy)
    assert str(err.value) == ("goal.csv: Spalte „Bezeichnung (deutsch)“ (label_de) fehlt in Ziele; sie "
                              "ist Pflicht.")


def test_a_missing_csv_is_an_empty_table(demo_copy, tmp_path):
    # a programme without a competition has no applications; without imports there are no payments
    for table in ("payment", "milestone", "indicator_target"):
        (demo_copy / f"{table}.csv").unlink()
    path = db.build(tmp_path / "m.duckdb", demo_copy)
    con = duckdb.connect(str(path), read_only=True)
    counts = [con.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("payment", "milestone", "indicator_target", "project")]
    con.close()
    assert counts == [0, 0, 0, 9]


def test_a_missing_table_that_is_referenced_is_named(demo_copy, tmp_path):
    (demo_copy / "criterion.csv").unlink()
    with pytest.raises(db.BuildError) as err:
        db.build(tmp_path / "m.duckdb", demo_copy)
    assert str(err.value) == ("score.csv, Zeile 2: criterion_id: Unbekannt: weder in der Datenbank noch in der Datei "
                              "(Kriterien). (und 1049 weitere Probleme)")
    assert not (tmp_path / "m.duckdb").exists()


def test_a_header_only_csv_is_an_empty_table(demo_copy, tmp_path):
    for table in ("payment", "milestone"):
        path = demo_copy / f"{table}.csv"
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    path = db.build(tmp_path / "m.duckdb", demo_copy)
    con = duckdb.connect(str(path), read_only=True)
    counts = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("payment", "milestone", "project")]
    con.close()
    assert counts == [0, 0, 9]


def test_an_empty_folder_builds_the_regions_of_germany_and_no_programme(tmp_path):
    empty = tmp_path / "leer"
    empty.mkdir()
    path = db.build(tmp_path / "m.duckdb", empty)
    con = duckdb.connect(str(path), read_only=True)
    counts = con.execute("select (select count(*) from programme), (select count(*) from region where kind = 'land'), "
                         "(select count(*) from region where kind in ('kreis', 'kreisfreie_stadt'))").fetchone()
    con.close()
    assert counts == (0, 16, 400)


def test_import_batches_never_come_from_csv(demo_copy, tmp_path):
    (demo_copy / "import_batch.csv").write_text(
        "import_batch_id,kind,file_name,sha256,row_count,imported_by,imported_at,undone_by,undone_at\n")
    with pytest.raises(db.BuildError) as err:
        db.build(tmp_path / "m.duckdb", demo_copy)
    assert str(err.value) == ("import_batch.csv: Importe kommen aus dem Journal, nicht aus CSV-Dateien; bitte die "
                              "Datei aus dem Ordner nehmen")


def test_a_truncated_database_is_found_by_reading_every_table(pristine_db, tmp_path):
    path = tmp_path / "m.duckdb"
    shutil.copy(pristine_db, path)
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)
    result = db.ensure_database(path)
    db.Database.close(path)
    assert (result.action, result.reason) == ("rebuilt", "truncated")
    # no journal beside it: nothing was imported, so nothing is restored, and the notice says so
    assert result.notice().endswith("neu aufgebaut: Demodaten; das Journal enthält keine Importe.")


def test_a_failed_rebuild_keeps_the_previous_database(demo_copy, tmp_path):
    path = db.build(tmp_path / "m.duckdb")
    before = path.read_bytes()
    replace_line(demo_copy / "project.csv", "DM-01,dmk-sh,BW-01,dithmarschen,Dithmarschen Digital (DiDi),100000.00",
                 "DM-01,dmk-sh,BW-01,dithmarschen,Dithmarschen Digital (DiDi),abc")
    with pytest.raises(db.BuildError):
        db.build(path, demo_copy)
    assert path.read_bytes() == before


def test_missing_database_is_built(tmp_path):
    result = db.ensure_database(tmp_path / "new.duckdb")
    assert result.action == "built"
    assert result.path.exists()


def test_damaged_database_is_set_aside_and_rebuilt(tmp_path):
    path = tmp_path / "m.duckdb"
    path.write_bytes(b"this is not a duckdb file" * 100)
    result = db.ensure_database(path)
    db.Database.close(path)
    assert result.action == "rebuilt"
    assert result.moved_aside.read_bytes() == b"this is not a duckdb file" * 100
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("select count(*) from project").fetchone()[0] == 9
    con.close()


def test_database_used_by_another_process_is_reported_not_rebuilt(tmp_path):
    path = db.build(tmp_path / "m.duckdb")
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            print("locked", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(db.DatabaseBusy, match="anderen Prozess"):
            db.ensure_database(path)
        assert not list(tmp_path.glob("*.damaged-*"))
    finally:
        holder.communicate("")


def test_command_line_rebuild_reports_errors(demo_copy, tmp_path):
    replace_line(demo_copy / "payment.csv", "Z-0003,DM-07,2020-10-30,39000.00", "Z-0003,DM-07,2020-10-30,-39000.00")
    proc = subprocess.run(
        [sys.executable, "-m", "monitor.db", "--rebuild", "--source", str(demo_copy),
         "--db", str(tmp_path / "x.duckdb")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("Fehler: payment.csv, Zeile 4:")
