"""Several app processes on one PostgreSQL (server mode), as deploy/ runs them: an import through process A's Daten
page reaches process B's Übersicht within the refresh bound, a command-line import runs while both serve, and a
process killed in the middle of an import loses nothing.

Paid by the default Stichtag (31.03.2023) in the demo: 792.800 €; the files add 15.000 € (A's page), 1.000 €
(the command line) and 2.000 € (first the process that dies, then B's page).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal

import psycopg
import pytest

from monitor import store
from tests.e2e.conftest import ROOT, _free_port, launch, stop_server
from tests.pgserver import server_mode

FILES = {
    "a.csv": "DM-05;15.03.2023;15.000,00;Schlusszahlung;Schlusszahlung – Flensburg\r\n",
    "cli.csv": "DM-04;16.03.2023;1.000,00;Abschlag;über die Kommandozeile\r\n",
    "crash.csv": "DM-04;17.03.2023;2.000,00;Abschlag;Prozess stirbt mitten im Import\r\n",
}
HEADER = "Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
BOUND_S = 60       # how long a page may wait for another process's write (refresh every second, ~1 s to copy)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def start(url: str, workdir, name: str, **extra):
    """An app process as deploy/ starts it (python -m monitor.serve), in server mode on url."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MONITOR_DB", "MONITOR_ROLE")}
    env.update(MONITOR_DATABASE_URL=url, MONITOR_SNAPSHOT_DIR=str(workdir / "snapshots"),
               MONITOR_REFRESH_SECONDS="1", MONITOR_AUDIT_LOG=str(workdir / f"{name}-audit.jsonl"), **extra)
    return launch([sys.executable, "-m", "monitor.serve", "--server.port", str(port), "--server.headless", "true"],
                  env, port, workdir / f"{name}.log", seconds=90)


def paid_on_server(url: str) -> tuple[int, Decimal]:
    with psycopg.connect(url) as con:
        return con.execute("select count(*), sum(amount_eur) from payment").fetchone()


def wait_for_total(view, total: str) -> float:
    """Reload the Übersicht until it shows total (another process's write arrives with its next refresh)."""
    started = time.monotonic()
    while True:
        page = view.open("")
        if total in main_text(page):
            return time.monotonic() - started
        assert time.monotonic() - started < BOUND_S, f"{total} nach {BOUND_S} s nicht auf {view.base}"
        page.wait_for_timeout(1000)


def import_on_page(view, path, batch: int) -> None:
    page = view.open("daten")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("Keine Fehler: 1 neue").wait_for(timeout=60_000)
    view.settle()
    page.get_by_role("button", name="Import übernehmen").click()
    page.get_by_text(f"Import Nr. {batch} übernommen").wait_for(timeout=60_000)


@pytest.fixture
def replicas(pg_server, tmp_path):
    url = pg_server.create_database("replicas")
    with server_mode(url, tmp_path / "setup-snapshots"):
        store.rebuild()
    started = []

    def make(name: str, **extra) -> str:
        proc, base, log = start(url, tmp_path, name, **extra)
        started.append((proc, log))
        return base

    yield url, make, started
    for proc, log in started:
        stop_server(proc, log)   # (one that died on purpose is only waited for)


def test_two_processes_share_one_postgresql(replicas, tab, tmp_path):
    url, make, started = replicas
    files = {}
    for name, row in FILES.items():
        files[name] = tmp_path / name
        files[name].write_bytes((HEADER + row).encode("cp1252"))
    a, b = tab(make("a")), tab(make("b"))
    assert "792.800 €" in main_text(b.open(""))
    assert "792.800 €" in main_text(a.open(""))

    # A's Daten page imports; B shows the new total after its next refresh
    import_on_page(a, files["a.csv"], 1)
    assert paid_on_server(url) == (26, Decimal("807800.00"))
    wait_for_total(b, "807.800 €")

    # the command line imports while both serve
    env = {k: v for k, v in os.environ.items() if k not in ("MONITOR_DB", "MONITOR_ROLE")}
    env.update(MONITOR_DATABASE_URL=url, MONITOR_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
               MONITOR_AUDIT_LOG=str(tmp_path / "cli-audit.jsonl"))
    done = subprocess.run([sys.executable, "-m", "monitor.imports", str(files["cli.csv"]), "--kind", "payments"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Übernommen als Import Nr. 2 (1 Zeilen)." in done.stdout
    wait_for_total(a, "808.800 €")
    wait_for_total(b, "808.800 €")

    # a third process dies in the middle of an import (inside its transaction): nothing of it arrives anywhere
    c_base = make("c", MONITOR_IMPORT_CRASH_BEFORE_COMMIT="1")
    c = tab(c_base)
    page = c.open("daten")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(files["crash.csv"]))
    page.get_by_text("Keine Fehler: 1 neue").wait_for(timeout=60_000)
    c.settle()
    page.get_by_role("button", name="Import übernehmen").click()
    c_proc = started[-1][0]
    # the test hook's exit status: died inside the import's transaction, its journal entry written, not committed
    assert c_proc.wait(timeout=60) == 71
    assert paid_on_server(url) == (27, Decimal("808800.00"))
    assert "808.800 €" in main_text(b.open(""))

    # the same file through B: the lock died with C's connection, the import goes through, A sees it
    import_on_page(b, files["crash.csv"], 3)
    assert paid_on_server(url) == (28, Decimal("810800.00"))
    wait_for_total(a, "810.800 €")
    for view in (a, b):
        assert view.exceptions() == 0
        assert view.external == []
