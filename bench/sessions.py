"""P5: many users at once: browser sessions opening the Übersicht of one real `streamlit run` together.

One headless Chromium (Debian's, flags as in tests/e2e), one context per user, all `goto` calls started at
the same moment. A session's time is from its `goto` until the first complete render: the app reports its
script as not running (`data-test-script-state="notRunning"`), Streamlit's running indicator is gone, and
the page shows its title, at least one key figure and at least one table. The server is warmed by one
session first (imports, shared caches), as a server that has been up for a while would be.
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COMPLETE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMain"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning' && !!main
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !!main.querySelector('h1') && !!main.querySelector('[data-testid="stMetric"]')
        && !!main.querySelector('[data-testid="stDataFrame"]');
}"""


def start_server(db_path: Path, port: int, workdir: Path) -> subprocess.Popen:
    """`streamlit run dashboard.py` on db_path at 127.0.0.1:port, as admin; returns once it answers."""
    env = dict(os.environ, MONITOR_DB=str(db_path), MONITOR_ROLE="admin",
               MONITOR_QUERY_LOG=str(workdir / "queries.jsonl"))
    log = open(workdir / "streamlit.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError(f"streamlit did not start: {(workdir / 'streamlit.log').read_text()[-2000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server started by start_server."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


async def _session(page, url: str, timeout_s: float) -> dict:
    """Open url in one tab and wait for the first complete render; its seconds and exception boxes."""
    started = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        await page.wait_for_function(COMPLETE, timeout=timeout_s * 1000, polling=50)
    except Exception as exc:  # noqa: BLE001 - a session that never completes is a measured outcome
        return {"seconds": None, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "exceptions": await page.locator('[data-testid="stException"]').count()}


async def _load(url: str, users: int, timeout_s: float) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        warm_context = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
        warmup = await _session(await warm_context.new_page(), url, timeout_s)
        await warm_context.close()
        contexts = [await browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
                    for _ in range(users)]
        pages = [await context.new_page() for context in contexts]
        sessions = await asyncio.gather(*(_session(page, url, timeout_s) for page in pages))
        await browser.close()
    return {"warmup": warmup, "sessions": sessions}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (the p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def run(db_path: Path, port: int, users: int = 20, path: str = "", timeout_s: float = 300) -> dict:
    """Start the app on db_path, open `path` in `users` sessions at once; timings and failures."""
    with tempfile.TemporaryDirectory(prefix="monitor-bench-p5-") as tmp:
        proc = start_server(db_path, port, Path(tmp))
        try:
            load = asyncio.run(_load(f"http://127.0.0.1:{port}/{path}", users, timeout_s))
        finally:
            stop_server(proc)
    times = [s["seconds"] for s in load["sessions"] if s["seconds"] is not None]
    return {
        "users": users, "path": "/" + path, "warmup_s": load["warmup"]["seconds"],
        "completed": len(times), "failed": [s["error"] for s in load["sessions"] if s.get("error")],
        "exception_boxes": sum(s.get("exceptions", 0) for s in load["sessions"]),
        "median_s": round(statistics.median(times), 2) if times else None,
        "p95_s": round(percentile(times, 0.95), 2) if times else None,
        "max_s": round(max(times), 2) if times else None,
        "seconds": sorted(times),
    }
