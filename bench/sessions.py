"""P5: many users at once: browser sessions opening the Übersicht of one real `streamlit run` together.

One headless Chromium (Debian's, flags as in tests/e2e), one context per user, all `goto` calls started at
the same moment. A session's time is from its `goto` until the first complete render: the app reports its
script as not running (`data-test-script-state="notRunning"`), Streamlit's running indicator is gone, and
the page shows its title, at least one key figure and at least one table. The server is warmed by one
session first (imports, shared caches), as a server that has been up for a while would be.

On one 2-core machine the 20 browser tabs compete with the server for the CPU, so the same load is also
measured without a browser: 20 websocket clients speak Streamlit's protocol (BackMsg rerun_script, wait
for ForwardMsg script_finished), which is the server's share alone.
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


# records when the app's script state changes (ms since the navigation started), to split a session's time
# into the browser loading the frontend, the server running the script, and the browser drawing the result
STATE_LOG = """
window.__states = [];
new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    const last = window.__states[window.__states.length - 1];
    if (state && (!last || last[0] !== state)) window.__states.push([state, performance.now()]);
}).observe(document, {subtree: true, attributes: true, childList: true,
                      attributeFilter: ['data-test-script-state']});
"""


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
        # "load": the app's static files are fetched and run in the browser; the script runs after that
        await page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        loaded = time.perf_counter() - started
        await page.wait_for_function(COMPLETE, timeout=timeout_s * 1000, polling=50)
    except Exception as exc:  # noqa: BLE001 - a session that never completes is a measured outcome
        return {"seconds": None, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
    seconds = time.perf_counter() - started
    states = await page.evaluate("window.__states || []")
    running = [ms for state, ms in states if state == "running"]
    finished = [ms for state, ms in states if state == "notRunning" and running and ms > running[0]]
    script_s = (finished[0] - running[0]) / 1000 if running and finished else None
    return {"seconds": round(seconds, 3), "loaded_s": round(loaded, 3),
            "script_s": None if script_s is None else round(script_s, 3),
            "exceptions": await page.locator('[data-testid="stException"]').count()}


async def _load(url: str, users: int, timeout_s: float) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        warm_context = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
        await warm_context.add_init_script(STATE_LOG)
        warmup = await _session(await warm_context.new_page(), url, timeout_s)
        await warm_context.close()
        contexts = [await browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
                    for _ in range(users)]
        for context in contexts:
            await context.add_init_script(STATE_LOG)
        pages = [await context.new_page() for context in contexts]
        sessions = await asyncio.gather(*(_session(page, url, timeout_s) for page in pages))
        await browser.close()
    return {"warmup": warmup, "sessions": sessions}


async def _protocol_session(port: int, query: str, timeout_s: float) -> dict:
    """One session over Streamlit's websocket protocol: ask for a run, wait until the script finished."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    started = time.perf_counter()
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                      max_size=None, open_timeout=timeout_s) as ws:
            request = BackMsg()
            request.rerun_script.query_string = query
            await ws.send(request.SerializeToString())
            received = 0
            while True:
                data = await asyncio.wait_for(ws.recv(), timeout_s)
                received += len(data)
                message = ForwardMsg()
                message.ParseFromString(data)
                if (message.WhichOneof("type") == "script_finished"
                        and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN):
                    return {"seconds": round(time.perf_counter() - started, 3), "bytes": received}
    except Exception as exc:  # noqa: BLE001 - a session that never finishes is a measured outcome
        return {"seconds": None, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}


async def _protocol_load(port: int, query: str, users: int, timeout_s: float) -> dict:
    warmup = await _protocol_session(port, query, timeout_s)
    sessions = await asyncio.gather(*(_protocol_session(port, query, timeout_s) for _ in range(users)))
    return {"warmup": warmup, "sessions": sessions}


def _summary(load: dict) -> dict:
    times = [s["seconds"] for s in load["sessions"] if s["seconds"] is not None]
    return {
        "warmup_s": load["warmup"]["seconds"], "completed": len(times),
        "failed": [s["error"] for s in load["sessions"] if s.get("error")],
        "median_s": round(statistics.median(times), 2) if times else None,
        "p95_s": round(percentile(times, 0.95), 2) if times else None,
        "max_s": round(max(times), 2) if times else None, "seconds": sorted(times),
    }


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (the p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def run(db_path: Path, port: int, users: int = 20, path: str = "", timeout_s: float = 300) -> dict:
    """Start the app on db_path, open `path` in `users` browser sessions at once, then in as many protocol-only
    sessions; timings and failures of both."""
    query = path.lstrip("?")
    with tempfile.TemporaryDirectory(prefix="monitor-bench-p5-") as tmp:
        proc = start_server(db_path, port, Path(tmp))
        try:
            browser = asyncio.run(_load(f"http://127.0.0.1:{port}/{path}", users, timeout_s))
            protocol = asyncio.run(_protocol_load(port, query, users, timeout_s))
        finally:
            stop_server(proc)
    done = [s for s in browser["sessions"] if s["seconds"] is not None]
    loaded = [s["loaded_s"] for s in done]
    scripts = [s["script_s"] for s in done if s.get("script_s") is not None]
    return {
        "users": users, "path": "/" + path, **_summary(browser),
        "exception_boxes": sum(s.get("exceptions", 0) for s in browser["sessions"]),
        # the browser's own share: 20 tabs load and start Streamlit's frontend on the same 2 cores
        "loaded_p95_s": round(percentile(loaded, 0.95), 2) if loaded else None,
        # from the script's start to its end as the browser saw it: the server's share, queueing included
        "script_p95_s": round(percentile(scripts, 0.95), 2) if scripts else None,
        "server_only": _summary(protocol),
    }
