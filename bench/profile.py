"""Where a page spends its time: `python -m bench.profile --scale 1000 pages/uebersicht.py [pages/… ]`.

Renders each page (cold run, then warm reruns) under cProfile in a fresh process (bench/pages.py) and prints,
per run kind, the functions with the most own time and the app's own functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import pstats
import tempfile
from pathlib import Path

from bench import generate, pages

ROOT = Path(__file__).resolve().parent.parent


def _where(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path.startswith(str(ROOT)) and "/.venv/" not in path:
        path = str(Path(path).relative_to(ROOT))
    elif "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    return f"{name} ({path}:{line})" if line else name


def hot_spots(stats_file: Path, n: int = 12) -> dict:
    """The top functions of one stats file: by own time, and the app's functions (not libraries) by cumulative."""
    stats = pstats.Stats(str(stats_file)).stats
    rows = [(func, calls, own, cumulative) for func, (_, calls, own, cumulative, _) in stats.items()]
    total = max((r[3] for r in rows), default=0.0)

    def entry(func, calls, own, cumulative):
        return {"function": _where(func), "calls": calls, "own_s": round(own, 3), "cumulative_s": round(cumulative, 3)}

    own = sorted(rows, key=lambda r: r[2], reverse=True)[:n]
    app = [r for r in rows if r[0][0].startswith(str(ROOT)) and "/.venv/" not in r[0][0]
           and not r[0][0].endswith("dashboard.py")]
    app = sorted(app, key=lambda r: r[3], reverse=True)[:n]
    # what the page asks of Streamlit (st.dataframe, st.plotly_chart, …): elements are where drawing costs show
    elements = [r for r in rows if "/streamlit/elements/" in r[0][0] and not r[0][2].startswith("_")]
    elements = sorted(elements, key=lambda r: r[3], reverse=True)[: n // 2]
    return {"total_s": round(total, 3), "by_own_time": [entry(*r) for r in own],
            "app_by_cumulative": [entry(*r) for r in app], "streamlit_elements": [entry(*r) for r in elements]}


def profile(db_path: Path, page_files: list[str], stichtag: str | None, warm: int = 1, n: int = 12) -> dict:
    """Hot spots of each page's cold and warm runs: {"<page>-cold": …, "<page>-warm": …}."""
    with tempfile.TemporaryDirectory(prefix="monitor-bench-profile-") as tmp:
        result = pages.measure(db_path, page_files, warm=warm, stichtag=stichtag, profile=Path(tmp))
        spots = {path.stem: hot_spots(path, n) for path in sorted(Path(tmp).glob("*.prof"))}
    for entry in result.get("pages", []):
        for kind in ("cold", "warm"):
            key = f"{Path(entry['page']).stem}-{kind}"
            if key in spots:
                spots[key]["run_s"] = entry[f"{kind}_s"]
        if f"{Path(entry['page']).stem}-cold" in spots:
            spots[f"{Path(entry['page']).stem}-cold"]["queries"] = entry.get("queries", {})
    return spots


def print_spots(spots: dict) -> None:
    """The hot spots as text."""
    for name, spot in spots.items():
        print(f"\n== {name}: run {spot.get('run_s')} s (profiled {spot['total_s']} s)")
        if spot.get("queries"):
            print("   named queries on DuckDB (s, rows): " + ", ".join(
                f"{q} {t['s']:.2f} ({t['rows']:,}{', failed' if t.get('failed') else ''})"
                for q, t in list(spot["queries"].items())[:8]))
        print("   own time:")
        for e in spot["by_own_time"]:
            print(f"   {e['own_s']:8.3f} s own {e['cumulative_s']:8.3f} s cum {e['calls']:>9} × {e['function']}")
        for title, key in (("the app's functions, cumulative", "app_by_cumulative"),
                           ("Streamlit elements, cumulative", "streamlit_elements")):
            print(f"   {title}:")
            for e in spot[key]:
                print(f"   {e['cumulative_s']:8.3f} s cum {e['own_s']:8.3f} s own {e['calls']:>9} × {e['function']}")


def main() -> None:
    from bench.__main__ import STICHTAG

    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", help="pages/x.py")
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--stichtag", default=STICHTAG)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    path, _ = generate.cached(args.scale)
    print_spots(profile(path, args.pages, args.stichtag, n=args.top))


if __name__ == "__main__":
    main()
