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
