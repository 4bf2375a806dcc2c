"""The summaries of monitor/aggregates.py equal the raw rules they are taken from (issue 10, item 4).

project_month_state holds the traffic light of every project at every complete month end; the light histories
read it through project_state_days. Here both are compared with project_state_on (monitor/relations.sql) on the
demo, after an import, after its undo, on a second programme and after a change of the rules; and the three
queries that read it give what they gave when they called project_state_on directly. The same for the jury's
score summaries (score_cell_state, application_ranking_state) and the queries of the Bewerbungen and Profil pages.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from monitor import aggregates, batches, queries
from monitor.db import Database
from tests.test_imports import payment_csv

D = dt.date
COLUMNS = ", ".join(aggregates.COLUMNS)
HISTORY_QUERIES = ("project_status_history", "light_history_counts", "forecast_backtest")


def _frame(cur, sql: str, params: list | dict | None = None) -> pd.DataFrame:
    return cur.execute(sql, params or []).df()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def held_month_ends(cur, programme_id: str) -> list[dt.date]:
    first, last = cur.execute("select first_month_end, last_month_end from project_month_state_info "
                              "where programme_id = ?", [programme_id]).fetchone()
    return aggregates._month_ends(first, last)


def assert_held_equals_rule(cur, programme_id: str) -> int:
    """project_month_state of programme_id equals project_state_on on the same month ends; returns the rows."""
    days = held_month_ends(cur, programme_id)
    held = _frame(cur, f"select {COLUMNS} from project_month_state where programme_id = ?", [programme_id])
    rule = _frame(cur, f"select {COLUMNS} from project_state_on(?, ?::date[])", [programme_id, days])
    pd.testing.assert_frame_equal(_sorted(held), _sorted(rule))
    # and nothing is held beyond those month ends
    assert set(held["status_date"].dt.date) <= set(days)
    return len(held)


def assert_queries_equal_rule(cur, programme_id: str, stichtage: list[dt.date]) -> None:
    """The three history queries give on the summaries what they give with project_state_on over raw rows."""
    for name in HISTORY_QUERIES:
        summarised = queries.sql_text(name)
        raw = summarised.replace("project_state_days(", "project_state_on(")
        assert raw != summarised, name
        for stichtag in stichtage:
            params = {k: v for k, v in {"programme_id": programme_id, "as_of": stichtag, "limit": 100_000}.items()
                      if k in queries.parameters(name)}
            pd.testing.assert_frame_equal(_frame(cur, summarised, params), _frame(cur, raw, params),
                                          obj=f"{name} {stichtag}")


@pytest.fixture
def cursor(fresh_db):
    cur = Database.cursor(fresh_db)
    yield cur
    cur.close()


def test_the_demo_holds_every_month_end_from_the_decision_to_a_year_after_the_term(cursor):
    # data/demo/programme.csv: funding decision 26.08.2020, term end 31.12.2022; the latest Stichtag the app offers
    # is a year after the term (31.12.2023), so 41 month ends: 31.08.2020 … 31.12.2023
    days = held_month_ends(cursor, "dmk-sh")
    assert (days[0], days[-1], len(days)) == (D(2020, 8, 31), D(2023, 12, 31), 41)
    # 9 projects (project.csv), each from its decision on: DM-01…DM-09 decided 08.09.2020, so none on 31.08.2020
    assert cursor.execute("select count(*) from project_month_state where status_date = date '2020-08-31'"
                          ).fetchone()[0] == 0
    assert assert_held_equals_rule(cursor, "dmk-sh") == 9 * 40
    # the 32 month ends the Übersicht's history shows at the last data date (31.03.2023) and the 31 before it that
    # the backtest reads, a Stichtag inside a month and one after the held month ends
    assert_queries_equal_rule(cursor, "dmk-sh", [D(2023, 3, 31), D(2021, 12, 31), D(2022, 6, 15), D(2024, 2, 10)])


def test_project_state_days_reads_held_month_ends_and_computes_every_other_day(cursor):
    days = [D(2021, 6, 30), D(2021, 7, 15), D(2024, 1, 31), D(2021, 12, 31)]
    mixed = _frame(cursor, f"select {COLUMNS} from project_state_days('dmk-sh', ?::date[])", [days])
    rule = _frame(cursor, f"select {COLUMNS} from project_state_on('dmk-sh', ?::date[])", [days])
    pd.testing.assert_frame_equal(_sorted(mixed), _sorted(rule))
    # 9 projects on each of the 4 days; 31.01.2024 is past the held month ends and 15.07.2021 no month end
    assert len(mixed) == 36
    # a held month end really comes from the table: a marker put there shows through
    cursor.execute("update project_month_state set light = 'marker' where status_date = date '2021-06-30'")
    marked = _frame(cursor, "select light from project_state_days('dmk-sh', [date '2021-06-30', date '2021-07-15'])")
    assert (len(marked), int((marked["light"] == "marker").sum())) == (18, 9)


def test_refresh_without_a_change_does_nothing(cursor):
    assert aggregates.refresh(cursor) == []


def test_an_import_and_its_undo_keep_the_summaries_equal_to_the_rule(fresh_db, cursor):
    before = _sorted(_frame(cursor, f"select {COLUMNS} from project_month_state"))
    # two payments for DM-04 (30.11.2022) and DM-05 (15.03.2023) and DM-05's final payment (01.04.2023)
    report = batches.commit(payment_csv(), "zahlungen.csv", "payments", who="test")
    assert report.batch_id == 1
    after = _sorted(_frame(cursor, f"select {COLUMNS} from project_month_state"))
    assert not after.equals(before)
    assert assert_held_equals_rule(cursor, "dmk-sh") == 9 * 40
    # DM-05's final payment on 01.04.2023 closes it: every month end from 30.04.2023 on says so
    closed = cursor.execute("select min(status_date) from project_month_state where project_id = 'DM-05' "
                            "and is_closed").fetchone()[0]
    assert closed == D(2023, 4, 30)
    assert_queries_equal_rule(cursor, "dmk-sh", [D(2023, 3, 31), D(2023, 6, 30)])
    batches.undo(report.batch_id, who="test")
    assert assert_held_equals_rule(cursor, "dmk-sh") == 9 * 40
    pd.testing.assert_frame_equal(_sorted(_frame(cursor, f"select {COLUMNS} from project_month_state")), before)


def test_a_second_programme_gets_its_own_month_ends(two_programme_paid_db, tmp_path, monkeypatch):
    from monitor import db

    path = tmp_path / "monitor.duckdb"
    shutil.copy(two_programme_paid_db, path)
    monkeypatch.setenv("MONITOR_DB", str(path))
    # the EFRE test programme was written by plain SQL: the file gets its summaries when it is opened
    db.ensure_database(path)
    cur = Database.cursor(path)
    try:
        # tests/programmes.py: decision 01.01.2021, term end 31.12.2027 (a year later is past today): every
        # complete month from 31.01.2021 to the month before today
        days = held_month_ends(cur, "efre-test")
        today = dt.date.today()
        assert days[0] == D(2021, 1, 31)
        assert days[-1] == today.replace(day=1) - dt.timedelta(days=1)
        assert assert_held_equals_rule(cur, "efre-test") > 0
        assert assert_held_equals_rule(cur, "dmk-sh") == 9 * 40
        assert_queries_equal_rule(cur, "efre-test", [D(2022, 12, 31), D(2023, 12, 31), D(2023, 12, 20)])
        # E1 paid 300.000 € on 15.12.2021 and 200.000 € on 30.09.2022 (tests/programmes.py)
        paid = cur.execute("select status_date, paid_eur from project_month_state where project_id = 'E1' "
                           "and status_date in ('2021-11-30', '2021-12-31', '2022-09-30') order by 1").fetchall()
        assert paid == [(D(2021, 11, 30), 0.0), (D(2021, 12, 31), 300000.0), (D(2022, 9, 30), 500000.0)]
    finally:
        cur.close()
        Database.close_all()


def test_a_change_of_the_rules_rebuilds_the_summaries(cursor):
    # as if relations.sql had changed since the table was built: the next open (create_relations) rebuilds it
    cursor.execute("update project_month_state_info set rules_hash = 'older'")
    cursor.execute("update project_month_state set light = 'stale'")
    assert aggregates.refresh(cursor) == ["dmk-sh"]
    assert cursor.execute("select count(*) from project_month_state where light = 'stale'").fetchone()[0] == 0
    assert assert_held_equals_rule(cursor, "dmk-sh") == 9 * 40


def test_a_month_completed_since_is_appended_and_the_rest_kept(cursor):
    # as if the table had been built a month earlier: 31.12.2023 not yet held
    cursor.execute("delete from project_month_state where status_date = date '2023-12-31'")
    cursor.execute("update project_month_state_info set last_month_end = date '2023-11-30'")
    cursor.execute("update project_month_state set light = 'kept' where status_date = date '2021-06-30'")
    assert aggregates.refresh(cursor, check_data=False) == ["dmk-sh"]
    assert held_month_ends(cursor, "dmk-sh")[-1] == D(2023, 12, 31)
    # only the new month end was computed: the earlier rows are the ones that were there
    assert cursor.execute("select count(*) from project_month_state where light = 'kept'").fetchone()[0] == 9
    assert cursor.execute("select count(*) from project_month_state where status_date = date '2023-12-31'"
                          ).fetchone()[0] == 9


def test_the_summaries_are_no_table_of_the_analysis_copy():
    from monitor import sandbox

    assert not {"project_month_state", "project_month_state_info", "score_cell_state", "application_ranking_state",
                "score_state_info"} & set(sandbox.catalogue())


def test_tables_of_an_attached_database_are_not_taken_for_the_summaries(cursor, tmp_path):
    # bench/generate.py builds a file with the demo attached beside it: the demo's summaries are not the file's
    cursor.execute("drop table project_month_state")
    cursor.execute("drop table project_month_state_info")
    cursor.execute(f"attach '{tmp_path / 'beside.duckdb'}' as beside")
    try:
        cursor.execute("create table beside.project_month_state_info (programme_id varchar)")
        assert aggregates.refresh(cursor) == ["dmk-sh"]
        assert assert_held_equals_rule(cursor, "dmk-sh") == 9 * 40
    finally:
        cursor.execute("detach beside")


# --- the jury's score summaries ---------------------------------------------------------------------------------
JURY_QUERIES = ("jury_sensitivity", "jury_agreement", "jury_leniency_by_criterion", "jury_ranking", "jury_spread",
                "jury_leniency", "application_assessment")


def assert_jury_queries_equal_rule(cur, programme_id: str, stichtage: list[dt.date]) -> None:
    """The jury queries give on the summaries what they give with score_cell and application_ranking."""
    for name in JURY_QUERIES:
        summarised = queries.sql_text(name)
        raw = summarised.replace("score_cell_kept(", "score_cell(").replace(
            "application_ranking_kept(", "application_ranking(")
        assert raw != summarised, name
        for stichtag in stichtage:
            params = {"programme_id": programme_id, "as_of": stichtag, "row_limit": 100_000, "lang": "de",
                      "discordant_points": 3, "applicant_id": "dithmarschen"}
            params = {k: v for k, v in params.items() if k in queries.parameters(name)}
            pd.testing.assert_frame_equal(_frame(cur, summarised, params), _frame(cur, raw, params),
                                          obj=f"{name} {stichtag}")


def assert_scores_held_equal_rule(cur, programme_id: str) -> None:
    until = cur.execute("select received_until from score_state_info where programme_id = ?",
                        [programme_id]).fetchone()[0]
    for relation in ("score_cell", "application_ranking"):
        held = _frame(cur, f"select * exclude (programme_id) from {relation}_state where programme_id = ?",
                      [programme_id])
        rule = _frame(cur, f"select * from {relation}(?, ?::date)", [programme_id, until])
        pd.testing.assert_frame_equal(_sorted(held), _sorted(rule), obj=relation)


def test_the_jury_summaries_hold_the_day_of_the_last_receipt(cursor):
    # data/demo/application.csv: the last of the 42 applications arrived on 02.07.2020; 35 were scored
    # (the 7 ineligible ones have no valid score), 6 criteria each: 210 cells
    until = cursor.execute("select received_until from score_state_info where programme_id = 'dmk-sh'").fetchone()[0]
    assert until == D(2020, 7, 2)
    assert cursor.execute("select count(*) from score_cell_state").fetchone()[0] == 210
    assert cursor.execute("select count(*) from application_ranking_state").fetchone()[0] == 35
    assert_scores_held_equal_rule(cursor, "dmk-sh")
    # before the last receipt live (15.06.2020), on it and after it from the tables
    assert_jury_queries_equal_rule(cursor, "dmk-sh", [D(2020, 6, 15), D(2020, 7, 2), D(2021, 12, 31)])
    # a held Stichtag really reads the table: a marker put there shows through, an earlier one does not see it
    cursor.execute("update score_cell_state set mean_points = -1")
    assert set(_frame(cursor, "select mean_points from score_cell_kept('dmk-sh', date '2021-12-31')")
               ["mean_points"]) == {-1}
    assert -1 not in set(_frame(cursor, "select mean_points from score_cell_kept('dmk-sh', date '2020-06-15')")
                         ["mean_points"])


def test_a_changed_score_recomputes_the_jury_summaries(cursor):
    # a juror's points changed (as a master-data import of the programme would): the import's refresh sees it
    cursor.execute("update score set points = 10 - points where application_id = (select min(application_id) "
                   "from score where not is_recused and points is not null)")
    assert aggregates.refresh(cursor) == ["dmk-sh (jury)"]
    assert_scores_held_equal_rule(cursor, "dmk-sh")
    assert_jury_queries_equal_rule(cursor, "dmk-sh", [D(2021, 12, 31)])
    assert aggregates.refresh(cursor) == []


def test_a_programme_without_applications_has_no_jury_summary(two_programme_db, tmp_path):
    from monitor import db

    path = tmp_path / "monitor.duckdb"
    shutil.copy(two_programme_db, path)
    db.ensure_database(path)
    cur = Database.cursor(path)
    try:
        # tests/programmes.py: no applications, scores or criteria
        assert cur.execute("select received_until from score_state_info where programme_id = 'efre-test'"
                           ).fetchone() == (None,)
        assert cur.execute("select count(*) from score_cell_kept('efre-test', date '2023-12-31')").fetchone() == (0,)
        assert_jury_queries_equal_rule(cur, "dmk-sh", [D(2023, 3, 31)])
    finally:
        cur.close()
        Database.close_all()
