"""Render pages of the app in a fresh process with Streamlit's AppTest; script time, peak memory, exceptions.

`python -m bench.pages --db FILE --page pages/x.py [--page …] --out RESULT.json [--profile DIR]` is the
child process; `measure()` starts one and returns its result. One process per page gives each page its own
peak RSS and a cold start; `--page all` renders every page in one session, one after the other (P4).

Cold: the page's first run in a fresh process: Streamlit's caches empty, the database not yet opened, the
app's modules not yet imported (third-party libraries are, as in a server that has started). Warm: the median
of the reruns that follow in the same session.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# DuckDB spills to disk beyond its memory limit, by default up to 90 % of the free disk: on a shared machine
# one page at 10,000× filled it (22 GB). The benchmark caps the spill; a query that needs more fails, measured.
SPILL_LIMIT = "4GB"


def _status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process in MB, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


class LoggedErrors(logging.Handler):
    """Exceptions Streamlit logs while running a page: the app hides their details from the page itself."""

    def __init__(self):
        super().__init__()
        self.errors: list[str] = []
        logging.getLogger("streamlit.error_util").addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            frames = [f for f in traceback.extract_tb(record.exc_info[2])
                      if f.filename.startswith(str(ROOT)) and "/.venv/" not in f.filename]
            where = f" at {Path(frames[-1].filename).relative_to(ROOT)}:{frames[-1].lineno}" if frames else ""
            self.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:240] if str(exc) else ''}{where}")

    def take(self) -> list[str]:
        """The errors logged since the last call."""
        errors, self.errors = self.errors, []
        return errors


class QueryTimer:
    """Seconds and rows of every named query the page runs on DuckDB (cache hits do not reach it)."""

    def __init__(self):
        from monitor import queries

        self.timings: dict[str, dict] = {}
        original = queries._execute

        def timed(name, params, db_path):
            started, frame = time.perf_counter(), None
            entry = self.timings.setdefault(name, {"s": 0.0, "rows": 0, "runs": 0})
            try:
                frame = original(name, params, db_path)
                return frame
            finally:
                entry["s"] = round(entry["s"] + time.perf_counter() - started, 3)
                entry["runs"] += 1
                if frame is None:
                    entry["failed"] = True
                else:
                    entry["rows"] = len(frame)

        queries._execute = timed

    def take(self) -> dict[str, dict]:
        """The timings since the last call, slowest first."""
        timings, self.timings = self.timings, {}
        return dict(sorted(timings.items(), key=lambda item: item[1]["s"], reverse=True))


def cap_spill(limit: str = SPILL_LIMIT) -> None:
    """Give every connection the app opens a bound on DuckDB's temporary files."""
    from monitor.db import Database

    original = Database.connection.__func__
    capped: set[int] = set()

    def connection(cls, path=None):
        con = original(cls, path)
        if id(con) not in capped:
            cur = con.cursor()
            cur.execute(f"set max_temp_directory_size = '{limit}'").fetchall()
            cur.close()
            capped.add(id(con))
        return con

    Database.connection = classmethod(connection)


def _outcome(at, page: str, logged: list[str]) -> dict:
    """What the run showed: exceptions (the logged cause first), titles, whether the page title is there."""
    from monitor import navigation
    from monitor.i18n import t

    spec = next(p for p in navigation.PAGES if p.file == page)
    titles = [el.value for el in at.title]
    return {
        "exceptions": [{"message": e.message.splitlines()[0][:300] if e.message else "",
                        "where": [line.strip() for line in e.stack_trace[-4:]]} for e in at.exception],
        "logged_errors": logged,
        "titles": titles,
        "title_ok": t(spec.title_key, lang="de") in titles,
    }


def _timed_run(at, timeout: float) -> tuple[float, str | None]:
    """Seconds of one script run and the error that stopped it (a timeout), if any."""
    started = time.perf_counter()
    try:
        at.run(timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a run that never finishes is a measured outcome
        return time.perf_counter() - started, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return time.perf_counter() - started, None


class ScriptProfiler:
    """cProfile of the script thread (AppTest runs the page on its own thread, which cProfile would not see);
    one stats file per page and run kind: DIR/<page>-cold.prof, DIR/<page>-warm.prof (warm runs summed)."""

    def __init__(self, directory: Path):
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner

        self.directory, self.profiles = directory, {}
        self.current: cProfile.Profile | None = None
        directory.mkdir(parents=True, exist_ok=True)
        original = LocalScriptRunner._run_script_thread
        owner = self

        def run_script_thread(runner):
            profiler = owner.current
            if profiler is None:
                return original(runner)
            profiler.enable()
            try:
                return original(runner)
            finally:
                profiler.disable()

        LocalScriptRunner._run_script_thread = run_script_thread

    def use(self, page: str, kind: str) -> None:
        """Profile the following runs as page's `kind` (cold or warm)."""
        self.current = self.profiles.setdefault(f"{Path(page).stem}-{kind}", cProfile.Profile())

    def dump(self) -> None:
        for name, profiler in self.profiles.items():
            profiler.dump_stats(str(self.directory / f"{name}.prof"))


def render(pages: list[str], warm: int, stichtag: str | None, timeout: float, profile: Path | None = None) -> dict:
    """Render pages in this process (one AppTest session, admin) and measure each; see the module docstring."""
    import_started = time.perf_counter()
    import duckdb  # noqa: F401 - imported before timing, as in a started server
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import plotly.express  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    import pyarrow  # noqa: F401
    from streamlit.testing.v1 import AppTest

    result = {"import_s": round(time.perf_counter() - import_started, 2), "rss_base_mb": _status_mb("VmRSS"),
              "pages": []}
    logged, queries = LoggedErrors(), QueryTimer()
    cap_spill()
    profiler = ScriptProfiler(profile) if profile else None
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    if stichtag:
        at.query_params["stichtag"] = stichtag
    for page in pages:
        # before the first run the page is found by its file name (= its url_path), so no other page runs first
        at.switch_page(page)
        if profiler:
            profiler.use(page, "cold")
        cold_s, error = _timed_run(at, timeout)
        if profiler:
            profiler.use(page, "warm")
        entry = {"page": page, "cold_s": round(cold_s, 3), "error": error, "queries": queries.take()}
        warm_times = []
        for _ in range(warm if error is None else 0):
            seconds, error = _timed_run(at, timeout)
            warm_times.append(seconds)
            if error:
                entry["error"] = error
                break
        entry["warm_s"] = round(statistics.median(warm_times), 3) if warm_times else None
        entry.update(_outcome(at, page, sorted(set(logged.take()))))
        entry.update(rss_mb=_status_mb("VmRSS"), peak_rss_mb=_status_mb("VmHWM"))
        result["pages"].append(entry)
    if profiler:
        profiler.dump()
    result["peak_rss_mb"] = _status_mb("VmHWM")
    return result


def measure(db_path: Path, pages: list[str], warm: int = 2, stichtag: str | None = None, timeout: float = 900,
            profile: Path | None = None) -> dict:
    """Render pages in a fresh child process on the database at db_path; returns the child's measurements."""
    with tempfile.TemporaryDirectory(prefix="monitor-bench-") as tmp:
        out = Path(tmp) / "result.json"
        env = dict(os.environ, MONITOR_DB=str(db_path), MONITOR_ROLE="admin",
                   MONITOR_QUERY_LOG=str(Path(tmp) / "queries.jsonl"))
        command = [sys.executable, "-m", "bench.pages", "--db", str(db_path), "--out", str(out), "--warm", str(warm),
                   "--timeout", str(timeout), *(["--stichtag", stichtag] if stichtag else []),
                   *(["--profile", str(profile)] if profile else [])]
        for page in pages:
            command += ["--page", page]
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout * (warm + 1) * len(pages) + 120)
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            return {"pages": [], "failed": f"exit {proc.returncode}: " + " | ".join(tail),
                    "wall_s": round(time.perf_counter() - started, 1)}
        result = json.loads(out.read_text())
        result["wall_s"] = round(time.perf_counter() - started, 1)
        return result


def main() -> None:
    from monitor import navigation

    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--page", action="append", required=True, help="pages/x.py, or 'all' (every page in turn)")
    parser.add_argument("--warm", type=int, default=2, help="reruns after the first run")
    parser.add_argument("--stichtag", help="?stichtag= of the session (default: the app's default)")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", type=Path, help="write the result here (default: print it)")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the script runs to this folder")
    args = parser.parse_args()
    os.environ.setdefault("MONITOR_ROLE", "admin")
    os.environ["MONITOR_DB"] = str(args.db)
    pages = [p.file for p in navigation.PAGES] if args.page == ["all"] else args.page
    result = render(pages, args.warm, args.stichtag, args.timeout, args.profile)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
