"""Safe defaults of `make run` (monitor/serve.py): local mode listens on 127.0.0.1 only; another address needs login."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> list[str]:
    """The local addresses (hex, as the kernel lists them) with a listening TCP socket on port."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            for line in fh.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:   # 0A: LISTEN
                    found.append(address)
    return found


def _env(tmp_path, pristine_db) -> dict:
    db = tmp_path / "monitor.duckdb"
    shutil.copy(pristine_db, db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_") and k != "MONITOR_ROLE"}
    env.update(MONITOR_DB=str(db), HOME=str(tmp_path))   # (HOME: no secrets file of the person running the tests)
    return env


def test_local_mode_refuses_another_address(tmp_path, pristine_db):
    port = _free_port()
    proc = subprocess.run([sys.executable, "-m", "monitor.serve", "--server.port", str(port),
                           "--server.address", "0.0.0.0"], cwd=ROOT, env=_env(tmp_path, pristine_db),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert ("Der Monitor startet nicht: ohne Anmeldung (lokaler Modus, jede Person wäre Administration) läuft er nur "
            "auf 127.0.0.1, verlangt ist aber die Adresse 0.0.0.0.") in proc.stderr
    assert "README, Abschnitt „Betrieb auf einem Server“" in proc.stderr
    assert _listening(port) == []


def test_local_mode_listens_on_127_0_0_1_only(tmp_path, pristine_db):
    port = _free_port()
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "monitor.serve", "--server.port", str(port)], cwd=ROOT,
                            env=_env(tmp_path, pristine_db), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        # 0100007F is 127.0.0.1; every interface (00000000, or :: in tcp6) would be reachable from the network
        assert _listening(port) == ["0100007F"]
        for address in {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}:
            if not address.startswith("127."):
                with socket.socket() as sock:
                    sock.settimeout(2)
                    assert sock.connect_ex((address, port)) != 0, address
        said = (tmp_path / "serve.log").read_text()
        assert f"Lokaler Modus ohne Anmeldung: nur auf diesem Rechner erreichbar, http://127.0.0.1:{port}" in said
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
