"""The query layer: named files, bound parameters, caching that follows the data, a cursor per thread."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from monitor import queries as q
from monitor.db import Database

AS_OF = dt.date(2021, 6, 30)


def test_unknown_query_is_named_in_the_error():
    with pytest.raises(q.QueryError, match="queries/no_such_query.sql"):
        q.run("no_such_query")


def test_names_outside_the_folder_are_refused():
    with pytest.raises(q.QueryError, match="Ungültiger Abfragename"):
        q.run("../monitor/schema")


def test_missing_parameter_is_named():
    with pytest.raises(q.QueryError, match="Parameter fehlt: as_of"):
        q.run("programme_summary", programme_id="dmk-sh")


def test_parameters_are_data_not_sql():
    hostile = "dmk-sh' or '1'='1"
    frame = q.run("project_status", programme_id=hostile, as_of=AS_OF)
    assert frame.empty


def test_declared_parameters_are_read_from_the_file():
    assert q.parameters("next_milestones") == {"programme_id", "as_of", "limit"}


def test_results_are_cached_until_the_data_changes(fresh_db):
    first = q.run("programme_summary", programme_id="dmk-sh", as_of=AS_OF)
    cur = Database.cursor()
    cur.execute("update programme set budget_eur = 2000000")
    cur.close()
    assert q.run("programme_summary", programme_id="dmk-sh", as_of=AS_OF)["budget_eur"].iloc[0] == 1_000_000
    Database.changed()
    assert q.run("programme_summary", programme_id="dmk-sh", as_of=AS_OF)["budget_eur"].iloc[0] == 2_000_000
    assert first["budget_eur"].iloc[0] == 1_000_000


def test_concurrent_sessions_each_get_their_own_cursor():
    dates = [dt.date(2021, 6, 30), dt.date(2022, 7, 31), dt.date(2023, 3, 31)] * 8

    def paid(as_of):
        return float(q.run_uncached("programme_summary", programme_id="dmk-sh", as_of=as_of)["paid_eur"].iloc[0])

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(paid, dates))
    expected = {dt.date(2021, 6, 30): 330_920, dt.date(2022, 7, 31): 664_840, dt.date(2023, 3, 31): 792_800}
    assert results == [expected[d] for d in dates]
