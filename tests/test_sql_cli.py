"""`python -m monitor.sql`: prints results, refuses with a message and a non-zero exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from monitor import guard
from monitor.db import ROOT, Database
from monitor.sandbox import Sandbox

BY_KIND = "select kind, count(*) as payment_count, sum(amount_eur) as paid_eur from payment group by kind order by kind"


@pytest.fixture
def cli(fresh_db, tmp_path):
    """Run the command line on a private database copy; returns (exit code, stdout, stderr)."""
    env = dict(os.environ, MONITOR_DB=str(fresh_db), MONITOR_QUERY_LOG=str(tmp_path / "cli.jsonl"))
    env.pop("MONITOR_ROLE", None)

    def run(*args: str):
        proc = subprocess.run([sys.executable, "-m", "monitor.sql", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        return proc.returncode, proc.stdout, proc.stderr

    return run


def test_prints_csv(cli):
    # data/demo/payment.csv: 17 Abschläge (619.840 €) and 8 Schlusszahlungen (172.960 €)
    code, out, err = cli(BY_KIND, "--format", "csv")
    assert code == 0, err
    assert out.splitlines() == ["kind,payment_count,paid_eur", "abschlag,17,619840.0", "schlusszahlung,8,172960.0"]


def test_prints_json(cli):
    code, out, _ = cli(BY_KIND, "--format", "json")
    assert code == 0
    assert json.loads(out) == [{"kind": "abschlag", "payment_count": 17, "paid_eur": 619840.0},
                               {"kind": "schlusszahlung", "payment_count": 8, "paid_eur": 172960.0}]


@pytest.mark.parametrize(("sql", "words"), [
    ("drop table score", "Erlaubt ist nur Lesen mit SELECT"),
    ("select * from read_csv('/etc/passwd')", "Dateien des Servers"),
    ("select 1; delete from payment", "genau eine Abfrage"),
    ("select * from duckdb_tables()", "Systemkataloge"),
])
def test_refusal_prints_message_and_exits_non_zero(cli, sql, words):
    code, out, err = cli(sql)
    assert code == 2
    assert out == ""
    assert words in err
    assert "Traceback" not in err


def test_runaway_query_is_stopped(cli):
    code, out, err = cli("select sum(a.range * b.range) from range(1000000) a, range(1000000) b", "--timeout", "0.5")
    assert code == 2
    assert "Zeitlimit" in err


def test_row_cap_reports_truncation(cli):
    code, out, err = cli("select range as n from range(100)", "--format", "csv", "--max-rows", "5")
    assert code == 0
    assert out.splitlines() == ["n", "0", "1", "2", "3", "4"]
    assert "gekürzt" in err


def test_uses_the_newest_copy_while_the_app_holds_the_database(cli, monkeypatch, tmp_path):
    # this process plays the app: it holds the main file open, so the command line cannot open it
    monkeypatch.setenv("MONITOR_QUERY_LOG", str(tmp_path / "app.jsonl"))
    guard.run("select 1 as warm_up", role="analyse")
    try:
        code, out, err = cli(BY_KIND, "--format", "csv")
        assert code == 0, err
        assert out.splitlines()[1] == "abschlag,17,619840.0"
    finally:
        Sandbox.close_all()
        Database.close_all()
