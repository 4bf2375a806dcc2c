"""The audit log: one JSON line per event, rotated, who and what without confidential values; the Protokoll page."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from monitor import audit, batches
from monitor.auth import Identity
from tests.conftest import ROOT

PAYMENTS = (b"Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
            b"DM-05;15.03.2023;1.234,56;Abschlag;Teilabruf Kiel\r\n"
            b"DM-04;30.11.2022;12.345,67;Abschlag;\r\n")


def events() -> list[dict]:
    return [json.loads(line) for line in audit.log_path().read_text(encoding="utf-8").splitlines()]


def without_time(entries: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "at"} for e in entries]


def test_sql_shape_keeps_the_statement_and_drops_its_values():
    sql = ("select name, t1.amount_eur from application as t1\n  where name = 'Gemeinde ''Nord''' "
           "and requested_eur > 150000.5 and decided_date < date '2021-06-30' and kreis_id = $kreis limit 10")
    assert audit.sql_shape(sql) == ("select name, t1.amount_eur from application as t1 where name = ? "
                                    "and requested_eur > ? and decided_date < date ? and kreis_id = $kreis limit ?")


def test_events_are_json_lines_and_rotate(monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_AUDIT_MAX_MB", str(1000 / 2**20))   # about 1000 bytes a file
    who = Identity("jury", "login", "j.u@land.example")
    for n in range(100):
        audit.record("page", who, page="bewerbungen", stichtag="2021-06-30", programme=f"p{n:02d}")
    files = audit.files()
    assert [p.name for p in files] == ["audit.jsonl"] + [f"audit.jsonl.{n}" for n in range(1, 10)]
    assert all(p.stat().st_size <= 1000 for p in files)
    frame = audit.read()
    # newest first; the ten files hold the last events, the oldest were dropped
    assert frame["programme"].iloc[0] == "p99" and "p00" not in set(frame["programme"])
    assert list(frame["programme"]) == [f"p{n:02d}" for n in range(99, 99 - len(frame), -1)]
    assert set(frame["subject"]) == {"j.u@land.example"} and set(frame["role"]) == {"jury"}
    assert audit.jsonl_bytes().decode().splitlines()[-1].endswith('"programme": "p99"}')


def test_import_and_undo_are_logged_with_batch_and_hash_only(fresh_db):
    audit.set_actor(Identity("datenpflege", "MONITOR_ROLE", "cli:pflege"))
    try:
        report = batches.commit(PAYMENTS, "Zahlungen Gemeinde Nord.csv", "payments", who="datenpflege")
        batches.undo(report.batch_id, who="datenpflege")
    finally:
        audit.set_actor(None)
    assert without_time(events()) == [
        {"event": "import", "subject": "cli:pflege", "role": "datenpflege", "batch": 1, "kind": "payments",
         "rows": 2, "file_sha256": report.sha256},
        {"event": "undo", "subject": "cli:pflege", "role": "datenpflege", "batch": 1, "rows": 2},
    ]
    text = audit.log_path().read_text(encoding="utf-8")
    assert "Gemeinde Nord" not in text and "Kiel" not in text and "1.234" not in text


def test_command_line_import_names_the_account(fresh_db, tmp_path):
    upload = tmp_path / "zahlungen.csv"
    upload.write_bytes(PAYMENTS)
    env = dict(os.environ, MONITOR_ROLE="datenpflege")
    proc = subprocess.run([sys.executable, "-m", "monitor.imports", str(upload), "--kind", "payments"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (entry,) = events()
    assert entry["event"] == "import" and entry["role"] == "datenpflege" and entry["batch"] == 1
    assert entry["subject"].startswith("cli:")


def test_pages_and_explorer_queries_are_logged_once_per_view(app):
    # (dashboard.py logs the page a session opens; the browser test follows a session from page to page)
    at = app(role="admin", stichtag="2021-06-30")
    at.run()   # a rerun of the same view logs nothing new
    at.switch_page("pages/explorer.py").run()
    sql = "select count(*) as n from application_detail where applicant_name <> 'Amt Nord' and requested_eur > 1000"
    at.segmented_control(key="modus").set_value("sql").run()
    at.text_area(key="sql").input(sql).run()
    at.run()
    assert not at.exception
    logged = without_time(events())
    assert [e["event"] for e in logged] == ["page", "query", "query"]
    assert logged[0] == {"event": "page", "subject": "lokal (MONITOR_ROLE)", "role": "admin", "page": "",
                         "stichtag": "2021-06-30", "programme": "dmk-sh"}
    # the Explorer's own table view (bound parameters: their names only), then the typed SQL without its values
    assert logged[1]["source"] == "explorer" and logged[1]["parameters"] == "as_of,programme_id"
    query = logged[2]
    assert query == {"event": "query", "subject": "lokal (MONITOR_ROLE)", "role": "admin", "source": "sql",
                     "sql_sha256": hashlib.sha256(sql.encode()).hexdigest(),
                     "sql_shape": "select count(*) as n from application_detail where applicant_name <> ? "
                                  "and requested_eur > ?",
                     "parameters": None, "refused": None, "rows": 1}
    assert "Amt Nord" not in audit.log_path().read_text(encoding="utf-8")


def test_protokoll_page_shows_the_events_to_admins(app):
    audit.record("download", Identity("leitung", "login", "l.e@land.example"), table="mittel_empfaenger",
                 format="csv")
    at = app(role="admin", page="pages/protokoll.py", stichtag="2021-06-30")
    assert not at.exception
    assert [t.value for t in at.title] == ["Protokoll"]
    shown = at.dataframe[0].value
    # newest first: the Übersicht opened by this session, then the download
    assert list(shown["Ereignis"]) == ["Seite geöffnet", "Download"]
    assert list(shown["Kennung"]) == ["lokal (MONITOR_ROLE)", "l.e@land.example"]
    assert list(shown["Rolle"]) == ["admin", "leitung"]
    at.multiselect(key="audit_events").select("download").run()
    assert list(at.dataframe[0].value["Tabelle"]) == ["mittel_empfaenger"]
