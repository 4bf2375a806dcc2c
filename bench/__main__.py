"""The page-level benchmark: `python -m bench [--scales 1,100,1000,10000] [--quick] [--skip p3,p5]`.

For each scale: generate the programme once (cached, bench/generate.py), render every page in a fresh
process, cold and warm (bench/pages.py); at the largest scale one process renders every page in turn (P4);
then P3 (bench/aggregations.py) and P5 (bench/sessions.py); then the server mode on PostgreSQL at 1×, 100× and
10,000× (bench/refresh.py: refresh, write, memory per process). Writes bench/results.json and the tables in
bench/README.md (bench/report.py, bench/refresh.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import time
from pathlib import Path

from bench import aggregations, generate, pages, refresh, report, sessions
from monitor import navigation

HERE = Path(__file__).resolve().parent
# the middle of the demo's term: most projects running, the attention list at its longest
STICHTAG = "2021-12-31"
PORT = 8611


def _code() -> dict:
    """The commit measured and the files that differed from it (several people edit the tree at once)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True).stdout.strip()

    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": [f for f in dirty if not f.startswith("bench/")]}


def _load() -> list[float]:
    """The machine's load average (1, 5, 15 min): the machine is shared, so every figure carries it."""
    return [round(x, 1) for x in os.getloadavg()]


def page_runs(scale: int, path: Path, warm: int, timeout: float) -> list[dict]:
    """Every page at one scale, each in its own fresh process."""
    rows = []
    for spec in navigation.PAGES:
        load = _load()
        result = pages.measure(path, [spec.file], warm=warm, stichtag=STICHTAG, timeout=timeout)
        row = {"scale": scale, "page": spec.url_path, "load_before": load, "wall_s": result.get("wall_s")}
        if result.get("failed"):
            row["error"] = result["failed"]
        else:
            row.update({k: v for k, v in result["pages"][0].items() if k != "page"})
            row["rss_base_mb"] = result["rss_base_mb"]
        rows.append(row)
        print(report.page_line(row), flush=True)
    return rows


def all_pages_one_process(scale: int, path: Path, timeout: float) -> dict:
    """P4: one process (one session) renders every page in turn; its peak RSS."""
    result = pages.measure(path, ["all"], warm=0, stichtag=STICHTAG, timeout=timeout)
    if result.get("failed"):
        return {"scale": scale, "error": result["failed"]}
    return {"scale": scale, "peak_rss_mb": result["peak_rss_mb"], "rss_base_mb": result["rss_base_mb"],
            "wall_s": result["wall_s"],
            "steps": [{"page": p["page"], "cold_s": p["cold_s"], "rss_mb": p["rss_mb"], "peak_rss_mb": p["peak_rss_mb"],
                       "exceptions": len(p["exceptions"]), "error": p["error"]} for p in result["pages"]]}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=None, help="comma-separated, default 1,100,1000,10000 (quick: 1,100)")
    parser.add_argument("--quick", action="store_true",
                        help="scales 1,100, one warm run, P3 at 1 M rows, P5 at demo size")
    parser.add_argument("--skip", default="",
                        help="comma-separated parts to leave out: pages,p3,p4,p5,refresh")
    parser.add_argument("--warm", type=int, default=None, help="warm reruns per page (default 3, quick 1)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one script run may take")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the table in bench/README.md")
    args = parser.parse_args()
    scales = [int(s) for s in (args.scales or ("1,100" if args.quick else "1,100,1000,10000")).split(",")]
    warm = args.warm if args.warm is not None else (1 if args.quick else 3)
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    results = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"), "quick": args.quick, "code": _code(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_at_start": _load()},
        "stichtag": STICHTAG, "warm_runs": warm, "scales": {}, "pages": [], "p3": None, "p4": None, "p5": [],
        "refresh": None,
    }
    paths = {}
    for scale in scales:
        paths[scale], info = generate.cached(scale)
        results["scales"][str(scale)] = info
        print(f"scale {scale}: {info['file_mb']} MB, generated in {info['generate_s']} s", flush=True)
        if "pages" not in skip:
            results["pages"] += page_runs(scale, paths[scale], warm, args.timeout)
    if "p4" not in skip:
        results["p4"] = all_pages_one_process(max(scales), paths[max(scales)], args.timeout)
        print(f"P4 at {max(scales)}×: peak RSS {results['p4'].get('peak_rss_mb')} MB", flush=True)
    if "p3" not in skip:
        results["p3"] = aggregations.run(1_000_000 if args.quick else 10_000_000)
        print("P3: " + json.dumps(results["p3"]["aggregations"]), flush=True)
    if "p5" not in skip:
        for scale in [s for s in scales if s in (1, 100)][: 1 if args.quick else 2]:
            load = _load()
            p5 = sessions.run(paths[scale], PORT, users=20, path=f"?stichtag={STICHTAG}")
            results["p5"].append({"scale": scale, "load_before": load, **p5})
            print(f"P5 at {scale}×: p95 {p5['p95_s']} s, median {p5['median_s']} s; "
                  f"server alone p95 {p5['server_only']['p95_s']} s", flush=True)
    refresh_scales = [s for s in scales if s in refresh.SCALES]
    if "refresh" not in skip and refresh_scales:
        results["refresh"] = refresh.run(refresh_scales, args.timeout)
        results["refresh"]["quick"] = args.quick
    results["machine"]["load_at_end"] = _load()
    results["total_s"] = round(time.perf_counter() - started)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.no_readme:
        report.update_readme(HERE / "README.md", results)
        if results["refresh"]:
            refresh.update_readme(HERE / "README.md", results["refresh"])
    print(f"results: {args.out} ({results['total_s']} s)")


if __name__ == "__main__":
    main()
