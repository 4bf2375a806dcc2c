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


def _many_batches(count: int) -> None:
    """count import batches with 200-character file names (about 0.5 kB a row in the import history)."""
    cur = Database.cursor()
    cur.execute(
        "insert into import_batch select 1000 + i, 'payments', repeat('x', 200) || i, repeat('a', 64), 0, "
        "'test', timestamp '2021-01-01 10:00', null, null from range(?) t(i)", [count])
    cur.close()
    Database.changed()


def test_a_result_above_the_byte_bound_is_refused_naming_the_query(fresh_db, monkeypatch):
    _many_batches(5_000)  # about 2.6 MB
    monkeypatch.setenv("MONITOR_QUERY_RESULT_MB", "1")
    too_large = r"Abfrage 'import_history': Ergebnis zu groß \(\d+,?\.?\d* MB, höchstens 1 MB\)"
    with pytest.raises(q.QueryError, match=too_large):
        q.run("import_history")
    monkeypatch.setenv("MONITOR_QUERY_RESULT_MB", "64")
    assert len(q.run("import_history")) == 5_000


def test_the_cache_keeps_at_most_its_byte_bound(fresh_db, monkeypatch):
    monkeypatch.setenv("MONITOR_QUERY_CACHE_MB", "1")
    q.result_cache.clear()
    cache = q.result_cache()
    for day in range(1, 29):
        q.run("project_status", programme_id="dmk-sh", as_of=dt.date(2021, 2, day))
    assert 0 < cache.bytes <= 1024 * 1024
    _many_batches(3_000)  # about 1.5 MB: larger than the whole cache, so it is not kept
    assert len(q.run("import_history")) == 3_000
    assert cache.bytes <= 1024 * 1024
    assert not any(key[0] == "import_history" for key in cache._entries)


def test_a_cached_frame_cannot_be_changed_by_its_caller():
    first = q.run("programme_summary", programme_id="dmk-sh", as_of=AS_OF)
    first.loc[0, "budget_eur"] = 1
    first["extra"] = 2
    again = q.run("programme_summary", programme_id="dmk-sh", as_of=AS_OF)
    assert again["budget_eur"].iloc[0] == 1_000_000 and "extra" not in again.columns


def test_concurrent_sessions_compute_a_shared_result_once(monkeypatch):
    calls = []
    original = q._execute

    def counting(name, params, db_path):
        calls.append(name)
        return original(name, params, db_path)

    monkeypatch.setattr(q, "_execute", counting)
    with ThreadPoolExecutor(max_workers=8) as pool:
        paid = list(pool.map(lambda _: float(q.run("programme_summary", programme_id="dmk-sh",
                                                   as_of=AS_OF)["paid_eur"].iloc[0]), range(16)))
    assert paid == [330_920] * 16
    assert calls == ["programme_summary"]
