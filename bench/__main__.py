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

# the Übersicht's queries and the shell's; other pages add theirs here with their parameters
CASES = {
    "programmes": {},
    "data_date_range": {"programme_id": "p7"},
    "programme_summary": {"programme_id": "p7", "as_of": dt.date(2022, 6, 30)},
    "project_status": {"programme_id": "p7", "as_of": dt.date(2022, 6, 30)},
    "next_milestones": {"programme_id": "p7", "as_of": dt.date(2022, 6, 30), "limit": 8},
}


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

    results = {}
    for name, params in CASES.items():
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            frame = queries.run_uncached(name, **params)
            times.append(time.perf_counter() - t0)
        results[name] = {"median_ms": round(1000 * statistics.median(times), 1),
                         "max_ms": round(1000 * max(times), 1), "rows": len(frame)}
        print(f"{name:28s} median {results[name]['median_ms']:8.1f} ms   max {results[name]['max_ms']:8.1f} ms   rows {len(frame):,}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) {peak_mb:.0f} MB; database file {path.stat().st_size / 2**20:.1f} MB")
    args.out.write_text(json.dumps({
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"), "rows": counts,
        "generated_s": round(generated_s, 1), "queries": results, "peak_rss_mb": round(peak_mb),
    }, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
