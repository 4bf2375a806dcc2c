"""The server-mode benchmark (bench/refresh.py) at demo size on a real PostgreSQL: what it measures is the demo's
data, exactly (its timings are measured, never asserted)."""

from __future__ import annotations

import duckdb

from bench import refresh
from monitor import pg


def test_the_refresh_benchmark_measures_the_demo_in_a_process_of_its_own(pg_server, pristine_db, tmp_path):
    url = pg_server.create_database("bench_refresh_demo")
    loaded = refresh.load(url, pristine_db)
    assert loaded["pg_size_mb"] > 0 and loaded["postgres"].startswith("15")

    result = refresh.measure(url, render_pages=False)

    assert "failed" not in result, result.get("failed")
    # the snapshot holds every row of the file loaded, the demo's 25 payments: 792.800,00 €
    con = duckdb.connect(str(pristine_db), read_only=True)
    try:
        rows = sum(con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in pg.data_tables())
    finally:
        con.close()
    assert result["refresh"]["rows"] == rows
    assert result["refresh"]["version"] == 1
    assert set(result["refresh"]) == {"seconds", "copy_s", "rules_s", "wall_s", "rows", "version", "snapshot_mb"}
    assert (result["payments"], result["paid_eur"]) == (25, "792800.00")
    # during a second refresh every query answered, all from the old snapshot, all the same Übersicht figures
    serving = result["serving"]
    assert serving["refresh"]["rows"] == rows
    assert serving["failed"] == 0 and serving["answered"] == serving["queries"] > 0
    assert serving["answered_old_snapshot"] == serving["queries"] and serving["same_answer"] is True
    # the write: two payments (1.234,56 € for DM-05, 12.345,67 € for DM-04) as import no. 1
    write = result["write"]
    assert (write["batch_id"], write["rows"], write["projects_present"]) == (1, 2, 2)
    assert (write["paid_before_eur"], write["paid_added_eur"], write["paid_after_eur"]) == (
        "792800.00", "13580.23", "806380.23")
    assert set(write["parts_s"]) == {"_fingerprint", "_send_changes"}
    assert set(result["after_refresh"]) == set(result["after_write"]) == {"rss_mb", "peak_rss_mb"}
    # the copy's seconds per table: the eight slowest of the 23 tables
    assert len(result["copy_tables"]) == 8 and set(result["copy_tables"]) <= set(pg.data_tables())
    assert "pages" not in result
    # another process writes 100 € for DM-05; this process catches up from the recorded changes, not a full copy
    caught = result["catch_up"]
    assert (caught["mode"], caught["versions"], caught["paid_eur"]) == ("catch_up", 1, "806480.23")
    # a process started after the command line ended claims its snapshot and applies this process's third write
    # (10 € for DM-04), instead of copying everything
    started = result["restart"]
    assert (started["mode"], started["rows_applied"] > 0, started["version"]) == ("catch_up", True, 4)
    results = {"scales": [{"scale": 1, "pg_size_mb": 1, **result}], "measured_at": "heute", "stichtag": "2023-03-31",
               "load_at_start": [0.5], "target_s": 10}
    table = refresh.markdown(results)
    # the report replaces its own block of bench/README.md and nothing else
    readme = tmp_path / "README.md"
    readme.write_text(f"# Bench\n\n{refresh.START}\nalt\n{refresh.END}\n\nDanach\n", encoding="utf-8")
    refresh.update_readme(readme, results)
    assert readme.read_text(encoding="utf-8") == f"# Bench\n\n{refresh.START}\n{table}\n{refresh.END}\n\nDanach\n"
    assert (f"claims the snapshot left behind and catches it up (**{started['wall_s']:.2f} s** (file copy "
            f"{started['file_copy_s']:.2f} s, {started['rows_applied']:,} rows))") in table
