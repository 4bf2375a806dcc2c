"""Run the benchmarks: `python -m bench [--programmes N --projects M]`; prints timings and peak memory."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench.generate import generate

# every named query runs with these parameters (those it does not declare are left out)
PARAMS = {
    "programme_id": "p7", "as_of": dt.date(2022, 6, 30), "limit": 8, "lang": "de", "kinds": [], "kreise": [],
    "applicant_id": "a7", "few_max": 4, "discordant_points": 4.0, "topic": "Mobilität",
}


def time_it(func, repeat: int) -> tuple[list[float], object]:
    """Wall-clock times of repeated calls and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--programmes", type=int, default=50)
    parser.add_argument("--projects", type=int, default=400, help="projects per programme")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="monitor-bench-"))
    path = workdir / "bench.duckdb"
    started = time.perf_counter()
    counts = generate(path, args.programmes, args.projects)
    generated_s = time.perf_counter() - started
    print(f"generated in {generated_s:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

    os.environ["MONITOR_DB"] = str(path)
    from monitor import queries  # after MONITOR_DB is set

    from monitor import guard, sandbox

    results = {}
    for name in queries.names():
        params = {k: v for k, v in PARAMS.items() if k in queries.parameters(name)}
        times, frame = time_it(lambda: queries.run_uncached(name, **params), args.repeat)
        results[name] = {"median_ms": round(1000 * statistics.median(times), 1),
                         "max_ms": round(1000 * max(times), 1), "rows": len(frame)}
        print(f"{name:28s} median {results[name]['median_ms']:8.1f} ms   max {results[name]['max_ms']:8.1f} ms   rows {len(frame):,}")
    # the Explorer's analysis copy: built once per data change, then every free query runs on it
    t0 = time.perf_counter()
    sandbox.Sandbox.path()
    results["analysis_copy_build"] = {"ms": round(1000 * (time.perf_counter() - t0), 1)}
    print(f"{'analysis copy (build)':28s} {results['analysis_copy_build']['ms']:8.1f} ms")
    free_sql = "select project_id, sum(amount_eur) as paid_eur from payment group by project_id order by paid_eur desc"
    times, result = time_it(lambda: guard.run(free_sql, role="analyse", source="bench"), args.repeat)
    results["free_sql_group_payments"] = {"median_ms": round(1000 * statistics.median(times), 1)}
    print(f"{'free SQL (guarded)':28s} median {results['free_sql_group_payments']['median_ms']:8.1f} ms")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) {peak_mb:.0f} MB; database file {path.stat().st_size / 2**20:.1f} MB")
    args.out.write_text(json.dumps({
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"), "rows": counts,
        "generated_s": round(generated_s, 1), "queries": results, "peak_rss_mb": round(peak_mb),
    }, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
