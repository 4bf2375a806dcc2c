"""Server mode (PostgreSQL): refresh, write and memory per process: `python -m bench.refresh [--quick] [--scales …]`.

For each scale (1, 100, 10000; --quick: 1, 100) the generated programme (bench/generate.py, cached) becomes the
record of a new database on a PostgreSQL started here (tests/pgserver.py: initdb in a temporary folder, 127.0.0.1)
through `store.load_file`; then one fresh process per scale, in server mode, measures:

- the refresh (`store.refresh(force=True)`): a new snapshot file from PostgreSQL, split into the copy of every
  table (COPY as CSV, monitor/pg.py `pull`) and the rules and summaries (`db.create_relations`); rows copied;
- serving during a refresh: a second refresh runs in a thread while the Übersicht's query (programme_summary)
  runs on `db.database_path()` in a loop: how many answered, how many failed, the slowest, and from which
  snapshot (the old one until the swap, then the new one);
- memory: the process's RSS and peak RSS (VmRSS, VmHWM) after the refresh and after rendering every page once
  in one session (bench/pages.py `render`, as admin, Stichtag 31.12.2021);
- a write: `batches.commit` of two payments (for the demo's projects DM-05 and DM-04, present at every scale).

Also PostgreSQL's database size (`pg_database_size`) and the time `store.load_file` took. Writes the key "refresh"
of bench/results.json (the other keys stay) and the table between the refresh markers of bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCALES, QUICK_SCALES = [1, 100, 10000], [1, 100]
TARGET_S = 10.0            # issue 14: a refresh at 10,000× the demo in at most 10 s
STICHTAG = "2021-12-31"    # as bench/__main__.py
START = "<!-- refresh:start (written by python -m bench.refresh) -->"
END = "<!-- refresh:end -->"
SECTION = "## Serverbetrieb (PostgreSQL): Auffrischen, Schreiben, Speicher"

# two payments (exact): 1.234,56 € for DM-05 and 12.345,67 € for DM-04, the demo's projects (in every scale)
PAYMENTS = (b"Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
            b"DM-05;15.03.2023;1.234,56;Abschlag;Teilabruf Kiel\r\n"
            b"DM-04;30.11.2022;12.345,67;Abschlag;\r\n")


def _status_mb(field: str) -> float:
    from bench.pages import _status_mb

    return _status_mb(field)


def _memory() -> dict:
    return {"rss_mb": _status_mb("VmRSS"), "peak_rss_mb": _status_mb("VmHWM")}


def load(url: str, path: Path) -> dict:
    """Make the generated file the record of the (empty) database at url; seconds and PostgreSQL's size."""
    import psycopg

    from monitor import store
    from tests.pgserver import server_mode

    with tempfile.TemporaryDirectory(prefix="monitor-bench-load-") as tmp, server_mode(url, Path(tmp)):
        started = time.perf_counter()
        store.load_file(path)
        seconds = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as con:
        started = time.perf_counter()
        con.execute("vacuum analyze")   # as autovacuum would soon after a load: hint bits set, statistics there
        vacuum = time.perf_counter() - started
        size = con.execute("select pg_database_size(current_database())").fetchone()[0]
        server = con.execute("show server_version").fetchone()[0]
    return {"load_s": round(seconds, 1), "vacuum_s": round(vacuum, 1), "pg_size_mb": round(size / 2**20, 1),
            "postgres": server}


# --- the child process: everything below runs in server mode in the process measured ------------------------------


def _scalar(sql: str, params=None):
    from monitor import db

    cur = db.Database.cursor(db.database_path())
    try:
        return cur.execute(sql, params or []).fetchone()[0]
    finally:
        cur.close()


class Timed:
    """Seconds spent in module-level functions the code under measurement calls (replaced by timed wrappers)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def wrap(self, module, name: str, key=None) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                label = key(args) if key else name
                self.seconds[label] = round(self.seconds.get(label, 0) + time.perf_counter() - started, 2)

        setattr(module, name, timed)

    def take(self) -> dict[str, float]:
        seconds, self.seconds = self.seconds, {}
        return dict(sorted(seconds.items(), key=lambda item: item[1], reverse=True))


TIMED = Timed()


def export_seconds(tables: list[str]) -> dict[str, float]:
    """PostgreSQL's side of the copy alone: COPY … TO STDOUT of each table into a file, as pg.pull does, without
    DuckDB reading it (the rest of a table's pull time is DuckDB's insert)."""
    from monitor import db, pg

    cur = db.Database.cursor(db.database_path())
    found = {}
    try:
        with pg.connect() as con, tempfile.TemporaryDirectory(prefix="monitor-bench-export-") as tmp:
            for table in tables:
                cols = ", ".join(f'"{name}"' for name, _ in pg.columns(cur, table))
                started = time.perf_counter()
                with open(Path(tmp) / f"{table}.csv", "wb") as fh, con.cursor().copy(
                        f'copy (select {cols} from "{table}") to stdout {pg.COPY_OPTIONS}') as copy:
                    for chunk in copy:
                        fh.write(chunk)
                found[table] = {"export_s": round(time.perf_counter() - started, 2),
                                "csv_mb": round((Path(tmp) / f"{table}.csv").stat().st_size / 2**20, 1)}
                (Path(tmp) / f"{table}.csv").unlink()
    finally:
        cur.close()
    return found


def _refresh() -> dict:
    from monitor import store

    started = time.perf_counter()
    snapshot = store.refresh(force=True)
    wall = time.perf_counter() - started
    info = store.last_refresh()
    return {"seconds": info["seconds"], "copy_s": info.get("copy_seconds"), "rules_s": info.get("rules_seconds"),
            "wall_s": round(wall, 2), "rows": info["rows"], "version": info["version"],
            "snapshot_mb": round(snapshot.path.stat().st_size / 2**20, 1)}


def serving_during_refresh(programme_id: str) -> dict:
    """A refresh in a thread; meanwhile the Übersicht's query runs on db.database_path() in a loop."""
    from monitor import db, queries

    before = db.database_path()
    done, outcome = threading.Event(), {}

    def work():
        try:
            outcome["refresh"] = _refresh()
        except BaseException as exc:  # noqa: BLE001 - reported as measured
            outcome["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            done.set()

    params = {"programme_id": programme_id, "as_of": dt.date.fromisoformat(STICHTAG)}
    thread = threading.Thread(target=work, name="bench-refresh")
    latencies, answers, failures, on_old, on_new = [], set(), [], 0, 0
    thread.start()
    while not done.is_set():
        started = time.perf_counter()
        path = db.database_path()
        try:
            frame = queries._execute("programme_summary", params, str(path))
            # in cents: the query sums doubles, whose last digits vary between runs at 10,000× (not the data)
            answers.add((int(frame["project_count"].iloc[0]), round(float(frame["paid_eur"].iloc[0]), 2)))
            if path == before:
                on_old += 1
            else:
                on_new += 1
        except Exception as exc:  # noqa: BLE001 - a failed query is the measured outcome
            failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
        latencies.append(time.perf_counter() - started)
    thread.join()
    return {**outcome, "queries": len(latencies), "answered": on_old + on_new, "failed": len(failures),
            "failures": failures[:3], "answered_old_snapshot": on_old, "answered_new_snapshot": on_new,
            "same_answer": len(answers) == 1, "max_query_s": round(max(latencies), 3) if latencies else None,
            "median_query_s": round(statistics.median(latencies), 3) if latencies else None}


def write() -> dict:
    """batches.commit of two payments in server mode: seconds, batch, rows, paid before and after."""
    from monitor import batches

    present = _scalar("select count(*) from project where project_id in ('DM-04', 'DM-05')")
    paid_before = _scalar("select sum(amount_eur) from payment")
    started = time.perf_counter()
    report = batches.commit(PAYMENTS, "zahlungen.csv", "payments", who="Benchmark")
    seconds = time.perf_counter() - started
    paid_after = _scalar("select sum(amount_eur) from payment")
    return {"seconds": round(seconds, 2), "batch_id": report.batch_id, "rows": report.write_count,
            "projects_present": present, "paid_before_eur": str(paid_before), "paid_after_eur": str(paid_after),
            "paid_added_eur": str(paid_after - paid_before)}


OTHER_PAYMENT = (b"Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
                 b"DM-05;16.03.2023;100,00;Abschlag;Benchmark, zweiter Prozess\r\n")


def catch_up() -> dict:
    """Another process (the import command line) writes; then this process refreshes: the refresh every process
    makes after each import, which applies the recorded changes to a copy of its snapshot."""
    import subprocess
    import sys
    import tempfile

    from monitor import store

    before = store.current().version
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zahlung.csv"
        path.write_bytes(OTHER_PAYMENT)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "monitor.imports", str(path), "--kind", "payments"],
                              capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
        other_s = time.perf_counter() - started
    if done.returncode:
        return {"error": (done.stdout + done.stderr)[-300:]}
    started = time.perf_counter()
    snapshot = store.refresh()
    wall = time.perf_counter() - started
    info = store.last_refresh()
    return {"other_process_s": round(other_s, 2), "seconds": info["seconds"], "mode": info.get("mode"),
            "file_copy_s": info.get("copy_seconds"), "rows_applied": info["rows"], "wall_s": round(wall, 2),
            "versions": snapshot.version - before, "paid_eur": str(_scalar("select sum(amount_eur) from payment"))}


THIRD_PAYMENT = (b"Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
                 b"DM-04;17.03.2023;10,00;Abschlag;Benchmark, vor dem Neustart\r\n")
# a process that starts: what the app does before its first page (store.ensure), timed, with its last refresh
STARTING = ("import json, time; from monitor import store; started = time.perf_counter(); store.ensure(); "
            "print(json.dumps({'wall_s': round(time.perf_counter() - started, 2), **store.last_refresh()}))")


def restart() -> dict:
    """A process starting after another ended: the import command line of catch_up() ended and left its snapshot,
    this process writes once more, then a new process starts in the same snapshot folder. It claims the snapshot
    left behind and catches it up instead of copying everything."""
    import subprocess
    import sys

    from monitor import batches

    batches.commit(THIRD_PAYMENT, "zahlung-3.csv", "payments", who="Benchmark")
    done = subprocess.run([sys.executable, "-c", STARTING], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    if done.returncode:
        return {"error": (done.stdout + done.stderr)[-300:]}
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": found["wall_s"], "mode": found.get("mode"), "seconds": found.get("seconds"),
            "file_copy_s": found.get("copy_seconds"), "rows_applied": found.get("rows"), "version": found["version"]}


def measure_here(render_pages: bool = True, timeout: float = 900) -> dict:
    """The measurements of one process (already in server mode, on a loaded server), in order."""
    from monitor import navigation, pg, store

    result = {"rss_base_mb": _status_mb("VmRSS")}
    TIMED.wrap(pg, "pull", key=lambda args: args[2])          # seconds per table of the copy
    TIMED.wrap(store, "_fingerprint")                          # the write's row hashes before it works
    TIMED.wrap(store, "_send_changes")                         # the write's comparison and sending of changed rows
    result["refresh"] = _refresh()
    pulls = TIMED.take()
    slow = [table for table, seconds in pulls.items() if seconds >= 1][:6]
    result["copy_tables"] = {table: {"pull_s": pulls[table]} for table in list(pulls)[:8]}
    for table, found in export_seconds(slow).items():
        result["copy_tables"][table].update(found)
    result["after_refresh"] = _memory()
    result["paid_eur"] = str(_scalar("select sum(amount_eur) from payment"))
    result["payments"] = _scalar("select count(*) from payment")
    programme_id = _scalar("select min(programme_id) from programme")
    result["serving"] = serving_during_refresh(programme_id)
    TIMED.take()
    result["after_second_refresh"] = _memory()
    if render_pages:
        from bench import pages

        rendered = pages.render([p.file for p in navigation.PAGES], warm=0, stichtag=STICHTAG, timeout=timeout)
        result["pages"] = [{"page": Path(p["page"]).stem, "cold_s": p["cold_s"], "rss_mb": p["rss_mb"],
                            "exceptions": len(p["exceptions"]), "error": p["error"]} for p in rendered["pages"]]
        result["after_pages"] = _memory()
    result["write"] = write()
    result["write"]["parts_s"] = TIMED.take()
    result["after_write"] = _memory()
    result["catch_up"] = catch_up()
    result["after_catch_up"] = _memory()
    result["restart"] = restart()
    return result


def measure(url: str, timeout: float = 900, render_pages: bool = True) -> dict:
    """Run measure_here in a fresh child process in server mode against url; returns its result."""
    with tempfile.TemporaryDirectory(prefix="monitor-bench-refresh-") as tmp:
        out = Path(tmp) / "result.json"
        env = dict(os.environ, MONITOR_DATABASE_URL=url, MONITOR_SNAPSHOT_DIR=str(Path(tmp) / "snapshots"),
                   MONITOR_ROLE="admin", MONITOR_QUERY_LOG=str(Path(tmp) / "queries.jsonl"),
                   MONITOR_AUDIT_LOG=str(Path(tmp) / "audit.jsonl"),
                   MONITOR_REFRESH_SECONDS="3600")   # no watcher refresh in the middle of the measurements
        env.pop("MONITOR_DB", None)
        command = [sys.executable, "-m", "bench.refresh", "--child", "--out", str(out), "--timeout", str(timeout),
                   *([] if render_pages else ["--no-pages"])]
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout * 20 + 600)
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
            return {"failed": f"exit {proc.returncode}: " + " | ".join(tail),
                    "wall_s": round(time.perf_counter() - started, 1)}
        result = json.loads(out.read_text())
        result["wall_s"] = round(time.perf_counter() - started, 1)
        return result


# --- the parent: servers, scales, the report ----------------------------------------------------------------------


def run(scales: list[int], timeout: float = 900, render_pages: bool = True, server=None) -> dict:
    """Every scale on its own database of one PostgreSQL (started here unless server is given)."""
    from bench import generate

    own = server is None
    if own:
        from tests.pgserver import PgServer

        server = PgServer().start()
    results = {"measured_at": dt.datetime.now().isoformat(timespec="seconds"), "target_s": TARGET_S,
               "stichtag": STICHTAG, "load_at_start": [round(x, 1) for x in os.getloadavg()], "scales": []}
    try:
        for scale in scales:
            path, info = generate.cached(scale)
            url = server.create_database(f"bench_refresh_{scale}")
            row = {"scale": scale, "file_mb": info["file_mb"], "payments": info["rows"].get("payment"),
                   "scores": info["rows"].get("score"), "load_before": [round(x, 1) for x in os.getloadavg()]}
            row.update(load(url, path))
            row.update(measure(url, timeout, render_pages))
            results["scales"].append(row)
            print(line(row), flush=True)
            import psycopg

            with psycopg.connect(server.url(), autocommit=True) as con:   # the disk back for the next scale
                con.execute(f'drop database if exists "bench_refresh_{scale}" with (force)')
    finally:
        if own:
            server.stop()
    results["load_at_end"] = [round(x, 1) for x in os.getloadavg()]
    return results


def line(row: dict) -> str:
    """One console line per scale."""
    if row.get("failed"):
        return f"refresh at {row['scale']}×: FAILED {row['failed']}"
    r, s, w = row["refresh"], row["serving"], row["write"]
    return (f"refresh at {row['scale']}×: {r['seconds']} s (copy {r['copy_s']} s, rules {r['rules_s']} s) for "
            f"{r['rows']:,} rows; during a second refresh ({s.get('refresh', {}).get('seconds')} s) "
            f"{s['answered']}/{s['queries']} queries answered, max {s['max_query_s']} s; write {w['seconds']} s; "
            f"peak RSS {row['after_refresh']['peak_rss_mb']} MB after refresh, "
            f"{row.get('after_pages', {}).get('peak_rss_mb')} MB after every page; PostgreSQL {row['pg_size_mb']} MB")


def _n(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def markdown(results: dict) -> str:
    """The generated table of the README section."""
    rows = results["scales"]
    out = [f"Measured {results['measured_at']} (Stichtag {results['stichtag']}, load average at start "
           f"{results['load_at_start'][0]} on {os.cpu_count()} cores, PostgreSQL "
           f"{next((r.get('postgres') for r in rows if r.get('postgres')), '?')}).", "",
           "| Scale | Payments | Rows copied | PostgreSQL | Full copy (start) | Copy | Rules, summaries "
           "| Second full copy | Queries during it (answered / max s) | Write | Refresh after another process's write "
           "(catch-up) | Start after a restart (claim + catch-up) | Peak RSS after refresh | after every page "
           "| after the write | Snapshot file |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        if row.get("failed"):
            out.append(f"| {row['scale']:,}× | | | | failed: {row['failed'][:160]} |" + " |" * 10)
            continue
        r, s, w = row["refresh"], row["serving"], row["write"]
        second = s.get("refresh", {})
        pages_peak = row.get("after_pages", {}).get("peak_rss_mb")
        out.append(
            f"| {row['scale']:,}× | {row['payments']:,} | {r['rows']:,} | {_n(row['pg_size_mb'], 0)} MB "
            f"| **{r['seconds']:.2f} s** | {r['copy_s']:.2f} s | {r['rules_s']:.2f} s "
            f"| {second.get('seconds', float('nan')):.2f} s "
            f"| {s['answered']} / {s['queries']}, max {s['max_query_s']:.2f} s "
            f"| {w['seconds']:.2f} s | {_catch_up_text(row.get('catch_up'))} | {_restart_text(row.get('restart'))} "
            f"| {_n(row['after_refresh']['peak_rss_mb'], 0)} MB "
            f"| {_n(pages_peak, 0)} MB | {_n(row['after_write']['peak_rss_mb'], 0)} MB "
            f"| {_n(r['snapshot_mb'], 0)} MB |")
    served = all(r["serving"]["failed"] == 0 and r["serving"]["answered"] > 0 and r["serving"]["same_answer"]
                 for r in rows if not r.get("failed"))
    biggest = max(rows, key=lambda r: r["scale"])
    if biggest.get("failed"):
        return "\n".join(out)
    caught = (biggest.get("catch_up") or {}).get("seconds")
    verdict = ("not measured (no 10,000× in this run)" if biggest["scale"] < 10000 or caught is None else
               "**met**" if caught <= results["target_s"] else "**missed**")
    out += ["", f"Target (issue 14): a refresh at 10,000× ≤ {results['target_s']:.0f} s: {verdict} for the refresh "
            f"each process makes after an import (catch-up from the recorded changes: "
            f"{_catch_up_text(biggest.get('catch_up'))}); a process started after another ended claims the snapshot "
            f"left behind and catches it up ({_restart_text(biggest.get('restart'))}); the first process on a "
            f"server, and every process after a rebuild, copies everything ({biggest['refresh']['seconds']:.2f} s). "
            f"Pages kept serving the old snapshot "
            f"during the refresh at every scale: **{'yes' if served else 'no'}**."]

    def table_text(table: str, found: dict) -> str:
        text = f"{table} {found['pull_s']:.1f} s"
        if "export_s" in found:
            text += f" (export {found['export_s']:.1f} s, {found['csv_mb']:,.0f} MB CSV)"
        return text

    tables = list(biggest.get("copy_tables", {}).items())[:5]
    parts = biggest["write"].get("parts_s", {})
    out += ["", f"Copy at {biggest['scale']:,}×, slowest tables (pull = PostgreSQL's COPY out + DuckDB's insert; "
            f"export = the COPY out alone): " + "; ".join(table_text(t, f) for t, f in tables) + ".",
            "", f"Write at {biggest['scale']:,}×: {biggest['write']['seconds']:.1f} s, of which the row hashes before "
            f"(`_fingerprint`) {parts.get('_fingerprint', 0):.1f} s and comparing and sending the changes "
            f"(`_send_changes`) {parts.get('_send_changes', 0):.1f} s."]
    return "\n".join(out)


def _catch_up_text(found: dict | None) -> str:
    if not found:
        return "–"
    if found.get("error"):
        return "failed"
    return f"**{found['seconds']:.2f} s** (file copy {found['file_copy_s']:.2f} s, {found['rows_applied']:,} rows)"


def _restart_text(found: dict | None) -> str:
    if not found:
        return "–"
    if found.get("error"):
        return "failed"
    if found.get("mode") != "catch_up":
        return f"{found['wall_s']:.2f} s ({found.get('mode')})"
    return f"**{found['wall_s']:.2f} s** (file copy {found['file_copy_s']:.2f} s, {found['rows_applied']:,} rows)"


def update_readme(path: Path, results: dict) -> None:
    """Replace the generated block of the section (appended with its heading when missing)."""
    from bench.report import replace_block

    replace_block(path, START, END, markdown(results), SECTION)


def save(results: dict, out: Path) -> None:
    """Put the figures under the key "refresh" of results.json, keeping the other keys."""
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    data["refresh"] = results
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scales 1 and 100")
    parser.add_argument("--scales", default=None, help="comma-separated, default 1,100,10000 (quick: 1,100)")
    parser.add_argument("--no-pages", action="store_true", help="leave out rendering every page")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one page run may take")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the table in bench/README.md")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:   # the measured process (started by measure(), server mode set in its environment)
        result = measure_here(not args.no_pages, args.timeout)
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        return
    scales = [int(s) for s in args.scales.split(",")] if args.scales else (QUICK_SCALES if args.quick else SCALES)
    results = run(scales, args.timeout, not args.no_pages)
    results["quick"] = args.quick
    save(results, args.out)
    if not args.no_readme:
        update_readme(HERE / "README.md", results)
    print(f"results: {args.out} (key 'refresh')")


if __name__ == "__main__":
    main()
