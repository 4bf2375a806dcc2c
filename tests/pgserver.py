"""A real PostgreSQL server for the tests and the benchmark: Debian's package, initdb in a temporary folder as an
unprivileged user, a free port on 127.0.0.1, stopped (and its folder removed) at the end. No mock.

    with PgServer() as server:
        url = server.create_database("monitor_test")   # postgresql://monitor@127.0.0.1:PORT/monitor_test
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

USER = "monitor"


def bin_dir() -> Path:
    """The newest PostgreSQL's programs (Debian keeps them in /usr/lib/postgresql/<version>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError("PostgreSQL fehlt: bitte 'apt-get install -y postgresql' als root ausführen "
                       "(make test tut das über scripts/ensure_package.sh).")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgServer:
    """One PostgreSQL cluster: trust authentication for the user `monitor`, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses to run as root: the cluster belongs to Debian's unprivileged postgres user
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres", "postgres")
        self.started = False

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as_user, *args], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args[:2])} scheiterte:\n{done.stdout}\n{done.stderr}")

    def start(self) -> PgServer:
        tools = bin_dir()
        self._run(str(tools / "initdb"), "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(tools / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "start")
        self.started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'drop database if exists "{name}" with (force)')
            con.execute(f'create database "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.started:
            subprocess.run([*self._as_user, str(bin_dir() / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                            "-w", "stop"], capture_output=True)
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextmanager
def server_mode(url: str, snapshots: Path):
    """Run the block in server mode against url, snapshots in their own folder; back to the file afterwards."""
    from monitor import db, store

    saved = {k: os.environ.get(k) for k in ("MONITOR_DATABASE_URL", "MONITOR_SNAPSHOT_DIR")}
    os.environ.update(MONITOR_DATABASE_URL=url, MONITOR_SNAPSHOT_DIR=str(snapshots))
    try:
        yield
    finally:
        store.reset()
        db.Database.close_all()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
