"""Browser fixtures: the app started as the README says, on its own database copy, driven by Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# without the background-networking flags Chromium tries to reach Google at start
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
OUTPUT = ROOT / "test-output" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(workdir: Path, pristine: Path, role: str | None = None):
    """Start `streamlit run dashboard.py` on a copy of the demo database; returns (process, base URL, log)."""
    db_path = workdir / "monitor.duckdb"
    shutil.copy(pristine, db_path)
    port = _free_port()
    env = dict(os.environ, MONITOR_DB=str(db_path), MONITOR_AUDIT_LOG=str(workdir / "audit.jsonl"))
    env.pop("MONITOR_ROLE", None)
    if role:
        env["MONITOR_ROLE"] = role
    return launch([sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
                   "--server.address", "127.0.0.1"], env, port, workdir / "streamlit.log")


def launch(command: list[str], env: dict, port: int, log_path: Path, seconds: float = 60):
    """Start an app process (command serves on port) and wait until it answers; returns (process, base URL, log)."""
    log = open(log_path, "w")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, base, log
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"{log_path.stem} did not start; log: {log_path.read_text()}")
        time.sleep(0.3)


def stop_server(proc, log) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def server(pristine_db, tmp_path_factory):
    """Base URL of the app as `make run` starts it (local mode: admin), on a private database copy."""
    proc, base, log = start_server(tmp_path_factory.mktemp("e2e"), pristine_db)
    yield base
    stop_server(proc, log)


@pytest.fixture
def server_as(pristine_db, tmp_path):
    """Factory: a fresh server (its first run included) for a configured role."""
    started = []

    def make(role: str) -> str:
        proc, base, log = start_server(tmp_path, pristine_db, role)
        started.append((proc, log))
        return base

    yield make
    for proc, log in started:
        stop_server(proc, log)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless (Playwright cannot download its own browsers here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} fehlt: `apt-get install -y chromium` (make test installs it as root)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class AppPage:
    """A browser tab on the app that records requests leaving localhost and console errors."""

    def __init__(self, page: Page, base: str):
        self.page, self.base = page, base
        self.external: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", self._on_request)
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))

    def _on_request(self, request) -> None:
        url = request.url
        if url.startswith(("http:", "https:", "ws:", "wss:")) and urlparse(url).hostname not in LOCAL_HOSTS:
            self.external.append(url)

    def open(self, path: str = "") -> Page:
        """Load base/path and wait until Streamlit has finished running the script."""
        self.page.goto(f"{self.base}/{path.lstrip('/')}", wait_until="networkidle")
        self.settle()
        return self.page

    def settle(self) -> None:
        """Wait until the script has run (status widget gone twice) and charts had time to draw."""
        self.page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
        for _ in range(2):
            self.page.wait_for_timeout(500)
            self.page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        self.page.wait_for_timeout(800)

    def exceptions(self) -> int:
        """How many exception boxes the page shows."""
        return self.page.locator('[data-testid="stException"]').count()

    def screenshot(self, name: str) -> Path:
        """Save a full-page screenshot under test-output/screenshots/."""
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def tab(browser):
    """Factory: a fresh tab (laptop-sized viewport) on a server's base URL."""
    contexts = []

    def make(base: str) -> AppPage:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
        contexts.append(context)
        return AppPage(context.new_page(), base)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def app_page(tab, server):
    """A fresh tab on the shared running app (admin)."""
    return tab(server)
