"""Shared fixtures: the demo database built by the app's own code, isolated per test, caches cleared."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from monitor import db, i18n, queries
from tests.pgserver import server_mode

ROOT = Path(__file__).resolve().parent.parent


# MONITOR_TEST_STORE=postgres: every database the read tests use is built through a real PostgreSQL (the demo by the
# server mode's own rebuild, the others loaded into it) and read back as the server mode's snapshot; the page and
# query tests then run on exactly what an app process in server mode reads (make test runs them both ways).
STORE_ENV = "MONITOR_TEST_STORE"


def through_postgres() -> bool:
    return os.environ.get(STORE_ENV, "").strip().lower() == "postgres"


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server for the session (Debian's package, started here on 127.0.0.1, stopped after)."""
    from tests.pgserver import PgServer

    server = PgServer().start()
    yield server
    server.stop()


def read_back(server, name: str, target: Path, source: Path | None = None) -> Path:
    """Put a database into a new PostgreSQL database (the demo built there by the server mode's rebuild, or the
    file source loaded), then write the snapshot an app process would read to target."""
    from monitor import store

    url = server.create_database(name)
    with server_mode(url, target.parent / f"{name}-snapshots"):
        if source is None:
            store.rebuild()
        else:
            store.load_file(source)
        snapshot = store.refresh(force=True)
        db.Database.close(snapshot.path)
        shutil.copy(snapshot.path, target)
    # the snapshot's own bookkeeping (which version it holds) is no data: the file then has the embedded build's tables
    import duckdb

    con = duckdb.connect(str(target))
    con.execute(f"drop table {store.STATE_TABLE}")
    con.close()
    return target


@pytest.fixture(scope="session")
def pristine_db(tmp_path_factory, request) -> Path:
    """The demo database, built once per test session and never opened by the app."""
    path = tmp_path_factory.mktemp("pristine") / "monitor.duckdb"
    if through_postgres():
        return read_back(request.getfixturevalue("pg_server"), "pristine", path)
    db.build(path)
    return path


@pytest.fixture(scope="session")
def shared_db(tmp_path_factory, pristine_db) -> Path:
    """A read-only-by-convention copy the read tests share (opening a DuckDB file is not free)."""
    path = tmp_path_factory.mktemp("shared") / "monitor.duckdb"
    shutil.copy(pristine_db, path)
    return path


@pytest.fixture(autouse=True)
def _isolation(shared_db, monkeypatch, tmp_path):
    """Every test starts on the shared demo database, as admin, with empty caches."""
    monkeypatch.setenv("MONITOR_DB", str(shared_db))
    monkeypatch.delenv("MONITOR_ROLE", raising=False)
    # the Explorer logs every query; tests keep their logs out of the working tree
    monkeypatch.setenv("MONITOR_QUERY_LOG", str(tmp_path / "queries.jsonl"))
    monkeypatch.setenv("MONITOR_AUDIT_LOG", str(tmp_path / "audit.jsonl"))   # the audit log (monitor/audit.py)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def fresh_db(pristine_db, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo database for tests that write."""
    path = tmp_path / "monitor.duckdb"
    shutil.copy(pristine_db, path)
    monkeypatch.setenv("MONITOR_DB", str(path))
    yield path
    db.Database.close_all()


def run_query(name: str, **params):
    """A named query on the current test database (what the pages call)."""
    return queries.run(name, **params)


@pytest.fixture
def app(monkeypatch):
    """Factory: AppTest of the dashboard for a role, a page and URL parameters, already run."""

    def make(role: str = "admin", page: str | None = None, **query) -> AppTest:
        monkeypatch.setenv("MONITOR_ROLE", role)
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        if page:
            # AppTest knows the navigation's pages only after a first run
            at.switch_page(page).run()
        return at

    return make


@pytest.fixture
def german():
    """Texts in German (outside a Streamlit session the helper falls back to it anyway)."""
    return lambda key, **values: i18n.t(key, lang="de", **values)


# --- a second programme (tests/programmes.py): the demo plus "efre-test", no competition ------------------------------


@pytest.fixture(scope="session")
def two_programme_db(tmp_path_factory, pristine_db, request) -> Path:
    """The demo database plus the EFRE test programme (grants only: no plan, payments, milestones or reports)."""
    from tests.programmes import add_efre_programme

    path = tmp_path_factory.mktemp("two_programmes") / "monitor.duckdb"
    shutil.copy(pristine_db, path)
    add_efre_programme(path)
    if through_postgres():
        return read_back(request.getfixturevalue("pg_server"), "two_programmes", path.with_name("read.duckdb"), path)
    return path


@pytest.fixture(scope="session")
def two_programme_paid_db(tmp_path_factory, pristine_db, request) -> Path:
    """As two_programme_db, with four payments of the EFRE test programme (still no payment plan)."""
    from tests.programmes import add_efre_programme

    path = tmp_path_factory.mktemp("two_programmes_paid") / "monitor.duckdb"
    shutil.copy(pristine_db, path)
    add_efre_programme(path, payments=True)
    if through_postgres():
        return read_back(request.getfixturevalue("pg_server"), "two_programmes_paid", path.with_name("read.duckdb"),
                         path)
    return path
