"""A database file built by an earlier version opens with the current schema: new tables and defaulted columns."""

import re

import duckdb
import pytest

from monitor import db

# programme as it was before payment_grace_days, land_id and grant_basis (today's rules otherwise)
OLD_PROGRAMME = re.sub(
    r"\n    (payment_grace_days|land_id|grant_basis) [^\n]*|\n    --[^\n]*", "",
    db._schema_tables()["programme"]).replace("source              varchar not null,", "source varchar not null")


def old_file(path):
    con = duckdb.connect(str(path))
    con.execute(OLD_PROGRAMME)
    con.execute("insert into programme values ('p', 'P', 'P', 'F', 1000, 100, date '2020-01-01', date '2020-02-01', "
                "date '2020-03-01', date '2020-03-01', date '2021-01-01', 20, 40, 90, 200, 's')")
    assert [r[0] for r in con.execute("describe programme").fetchall()][-2:] == ["report_interval_days", "source"]
    return con


def test_an_older_file_gets_the_new_column_with_its_default_and_the_new_tables(tmp_path):
    con = old_file(tmp_path / "old.duckdb")
    done = db.upgrade_schema(con)
    assert "programme.payment_grace_days" in done
    assert "indicator_target" in done and "project" in done
    assert con.execute("select payment_grace_days from programme").fetchall() == [(0,)]
    # the relations work on the upgraded file, and a second upgrade has nothing left to do
    db.create_relations(con)
    assert con.execute("select count(*) from project_state('p', date '2020-06-30')").fetchone() == (0,)
    assert db.upgrade_schema(con) == []


def test_a_new_required_column_without_default_asks_for_a_rebuild(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute(OLD_PROGRAMME.replace("name_en             varchar not null,", ""))
    with pytest.raises(db.SchemaError, match="Tabelle programme: neue Pflichtspalte name_en ohne Vorgabewert"):
        db.upgrade_schema(con)


def test_a_file_whose_rules_changed_is_rebuilt_from_its_journal_and_keeps_its_imports(pristine_db, tmp_path):
    """A file of the version before master-data imports (import_batch knew three kinds, the references were
    declared to DuckDB): opening it rebuilds it from the base data and the journal, the payments import included."""
    import shutil

    from monitor import batches, masterdata

    path = tmp_path / "monitor.duckdb"
    shutil.copy(pristine_db, path)
    payment = (b"Projekt-ID;Zahlungsdatum;Betrag (EUR);Art\r\nDM-05;15.03.2023;15.000,00;Schlusszahlung\r\n")
    assert batches.commit(payment, "zahlungen.csv", "payments", "datenpflege", path).batch_id == 1
    db.Database.close_all()
    old_schema = db.SCHEMA_FILE.read_text(encoding="utf-8").replace(
        "'reports', 'stammdaten',\n                                                     'vorhabenliste')", "'reports')")
    old_schema = re.sub(r"/\* (references \w+ \(\w+\)) \*/", r"\1", old_schema)
    assert "'stammdaten'" not in old_schema and "references programme (programme_id)" in old_schema
    old = tmp_path / "old.duckdb"
    with db.new_file(old) as con:
        con.execute(old_schema)
        masterdata.load_files(con, [(db.REGIONS_FILE.name, db.REGIONS_FILE.read_bytes(), "region")], "Gebietsstand")
        masterdata.load_directory(con, db.DEMO_DIR)
        con.execute("create table build_info as select ? as source_dir, true as is_demo, now()::timestamp as built_at",
                    [str(db.DEMO_DIR)])
    shutil.copy(old, path)           # the journal beside path still holds the payments import
    result = db.ensure_database(path)
    cur = db.Database.cursor(path)
    paid = cur.execute("select amount_eur::varchar, import_batch_id from payment where project_id = 'DM-05' "
                       "and payment_date = date '2023-03-15'").fetchall()
    kinds = cur.execute("select constraint_text from duckdb_constraints() where table_name = 'import_batch' "
                        "and constraint_type = 'CHECK'").fetchone()[0]
    cur.close()
    db.Database.close_all()
    assert (result.action, result.reason) == ("rebuilt", "schema")
    assert result.notice().startswith("Die Datenbank stammte von einer früheren Version mit anderen Regeln; sie wurde "
                                      "beiseitegelegt unter ")
    assert result.notice().endswith("und neu aufgebaut: Demodaten plus 1 Import wiederhergestellt (1 Zeile).")
    assert paid == [("15000.00", 1)] and "'vorhabenliste'" in kinds
