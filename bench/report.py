"""The benchmark's figures as text: one line per page while it runs, the tables in bench/README.md."""

from __future__ import annotations

from pathlib import Path

START, END = "<!-- results:start (written by python -m bench) -->", "<!-- results:end -->"
TARGETS = {"P1_warm_s": 0.3, "P1_cold_s": 1.5, "P2_warm_s": 1.0, "P3_speedup": 10, "P4_rss_mb": 1024, "P5_p95_s": 3.0}


def _s(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _problem(row: dict) -> str:
    """The first exception or error of a page run, short."""
    if row.get("error"):
        return row["error"][:120]
    if row.get("exceptions"):
        cause = (row.get("logged_errors") or [row["exceptions"][0]["message"]])[0]
        return f"{len(row['exceptions'])}× " + cause[:160]
    if row.get("title_ok") is False:
        return "title missing"
    return ""


def _slowest_query(row: dict) -> str:
    queries = row.get("queries") or {}
    if not queries:
        return ""
    name, timing = max(queries.items(), key=lambda item: item[1]["s"])
    return f"{name} {timing['s']:.2f} s"


def page_line(row: dict) -> str:
    """One page run as a console line."""
    return (f"{row['scale']:>6}× {row['page']:<12} cold {_s(row.get('cold_s')):>7} s  "
            f"warm {_s(row.get('warm_s')):>7} s  "
            f"peak {row.get('peak_rss_mb', '–'):>7} MB  load {row['load_before'][0]:>5}  {_problem(row)}")


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**missed**")


def targets(results: dict) -> list[tuple[str, str, str, str]]:
    """(target, wanted, measured, verdict) for P1–P5."""
    rows = []
    by_scale: dict[int, list[dict]] = {}
    for row in results["pages"]:
        by_scale.setdefault(row["scale"], []).append(row)

    def slow(scale: int, key: str, limit: float) -> tuple[bool | None, str]:
        runs = by_scale.get(scale)
        if not runs:
            return None, "–"
        bad = [r for r in runs if r.get(key) is None or r[key] > limit or _problem(r)]
        worst = max(runs, key=lambda r: r.get(key) or float("inf"))
        text = f"max {_s(worst.get(key))} s ({worst['page']})"
        if bad:
            text += "; over or failing: " + ", ".join(r["page"] for r in bad)
        return not bad, text

    ok, text = slow(1, "warm_s", TARGETS["P1_warm_s"])
    rows.append(("P1 warm", "every page ≤ 0.3 s warm at 1×", text, _verdict(ok)))
    ok, text = slow(1, "cold_s", TARGETS["P1_cold_s"])
    rows.append(("P1 cold", "every page ≤ 1.5 s cold at 1×", text, _verdict(ok)))
    ok, text = slow(10000, "warm_s", TARGETS["P2_warm_s"])
    rows.append(("P2", "every page ≤ 1 s warm at 10,000×", text, _verdict(ok)))
    p3 = results.get("p3")
    if p3:
        parts = [f"{name} {a['speedup']}× ({a['duckdb_s']} s vs {a['pandas_s']} s"
                 f"{'' if a['same_result'] else ', DIFFERENT'})"
                 for name, a in p3["aggregations"].items()]
        ok = all(a["speedup"] >= TARGETS["P3_speedup"] and a["same_result"] for a in p3["aggregations"].values())
        rows.append(("P3", f"DuckDB ≥ 10× pandas at 10 M rows (run: {p3['rows']:,} rows)", "; ".join(parts),
                     _verdict(ok)))
    else:
        rows.append(("P3", "DuckDB ≥ 10× pandas at 10 M rows", "–", _verdict(None)))
    p4 = results.get("p4")
    if p4 and "peak_rss_mb" in p4:
        ok = p4["peak_rss_mb"] <= TARGETS["P4_rss_mb"] if p4["scale"] == 10000 else None
        rows.append(("P4", "one process, every page at 10,000×: peak RSS ≤ 1 GB",
                     f"{p4['peak_rss_mb']:.0f} MB at {p4['scale']:,}×", _verdict(ok)))
    else:
        rows.append(("P4", "one process, every page at 10,000×: peak RSS ≤ 1 GB",
                     (p4 or {}).get("error", "–")[:120], _verdict(None if not p4 else False)))
    for p5 in results.get("p5") or []:
        ok = (p5["p95_s"] is not None and p5["p95_s"] <= TARGETS["P5_p95_s"] and not p5["failed"]) \
            if p5["scale"] == 1 else None
        server = p5.get("server_only") or {}
        rows.append((f"P5 at {p5['scale']:,}×", "20 browser sessions on the Übersicht at once: p95 ≤ 3 s at 1×",
                     f"p95 {_s(p5['p95_s'])} s (median {_s(p5['median_s'])} s, {p5['completed']}/20 complete; "
                     f"frontend loaded p95 {_s(p5.get('loaded_p95_s'))} s, script p95 {_s(p5.get('script_p95_s'))} s); "
                     f"server alone (20 protocol sessions, no browser): p95 {_s(server.get('p95_s'))} s",
                     _verdict(ok) if p5["scale"] == 1 else "reported"))
    return rows


def markdown(results: dict) -> str:
    """The generated part of bench/README.md."""
    code = results.get("code", {})
    lines = [f"Measured {results['measured_at']} on commit {code.get('commit', '?')}"
             f"{' with uncommitted changes in ' + ', '.join(code['dirty']) if code.get('dirty') else ''} "
             f"({'quick' if results['quick'] else 'full'} run, Stichtag {results['stichtag']}, "
             f"{results['warm_runs']} warm runs, load average at start {results['machine']['load_at_start'][0]} "
             f"on {results['machine']['cpus']} cores).", "",
             "| Target | Wanted | Measured | Verdict |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets(results)]
    lines += ["", "| Scale | Generated in | File | Projects | Payments | Applications | Scores |",
              "|---|---|---|---|---|---|---|"]
    for scale, info in results["scales"].items():
        r = info["rows"]
        lines.append(f"| {int(scale):,}× | {info['generate_s']} s | {info['file_mb']:.0f} MB | {r['project']:,} | "
                     f"{r['payment']:,} | {r['application']:,} | {r['score']:,} |")
    lines += ["", "| Page | Scale | Cold s | Warm s | Peak RSS MB | Slowest query (cold) | Exception or error |",
              "|---|---|---|---|---|---|---|"]
    for row in sorted(results["pages"], key=lambda r: (r["page"], r["scale"])):
        lines.append(f"| {row['page']} | {row['scale']:,}× | {_s(row.get('cold_s'))} | {_s(row.get('warm_s'))} | "
                     f"{row.get('peak_rss_mb', '–')} | {_slowest_query(row)} | {_problem(row).replace('|', '/')} |")
    p4 = results.get("p4")
    if p4 and p4.get("steps"):
        lines += ["", f"P4, every page in one process at {p4['scale']:,}× (RSS after each page, MB): "
                  + ", ".join(f"{s['page'].split('/')[-1][:-3]} {s['rss_mb']:.0f}" for s in p4["steps"])]
    return "\n".join(lines)


def update_readme(path: Path, results: dict) -> None:
    """Replace the generated block of bench/README.md (between the markers) with the new figures."""
    replace_block(path, START, END, markdown(results))


def replace_block(path: Path, start: str, end: str, content: str, heading: str = "") -> None:
    """Replace what stands between the markers start and end in path (appended, under heading, when missing)."""
    text = path.read_text(encoding="utf-8")
    block = f"{start}\n{content}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + (f"{heading}\n\n" if heading else "") + block + "\n"
    path.write_text(text, encoding="utf-8")
