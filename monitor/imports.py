"""Imports of payments, milestones and progress reports: check every row, commit all or nothing, undo.

`check` reads a file and lists every problem (row, column, value, reason) and every change it would
make, without writing. `commit` checks again inside one DuckDB transaction and writes a batch only when
no problem remains; `undo` takes a batch back, also in one transaction. What a batch changed is kept in
import_change (inserted keys, before-images of updated rows), so an undo restores the state exactly.

Rules worth knowing (see also monitor/texts/daten.toml):
- Dates must lie between a project's start and `GRACE_DAYS` after its end: the final payment follows the
  proof of use (Verwendungsnachweis), which may take months; reports and late milestones likewise.
  Payment, completion and report dates may not lie in the future.
- Payments are duplicates when project, date, amount and kind agree (with the file or the database).
  A project's payments may not exceed its grant, and it has at most one final payment.
- A milestone row with a known milestone_id updates that milestone (the file states its current title
  and dates); status `entfallen` is refused because the schema cannot record a cancelled milestone yet.
- The same file (SHA-256) imported again while its batch is active changes nothing.

Command line: python -m monitor.imports FILE --kind payments|milestones|reports [--dry-run]
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import hashlib
import json
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from monitor import fmt, readers
from monitor.db import SCHEMA_FILE, Database, database_path
from monitor.i18n import t

KINDS = ("payments", "milestones", "reports")
TABLE = {"payments": "payment", "milestones": "milestone", "reports": "progress_report"}
KEY = {"payment": "payment_id", "milestone": "milestone_id", "progress_report": "report_id"}
GRACE_DAYS = 365
MAX_TEXT = 500
CHUNK_ROWS = 2_000
CRASH_ENV = "MONITOR_IMPORT_CRASH_AFTER_ROWS"   # test hook: the process dies inside the transaction

Progress = Callable[[float], None]
_WRITE_LOCK = threading.Lock()   # one import or undo at a time per process


@dataclass(frozen=True)
class Column:
    """A template column: canonical name, whether a value is required, how it is read, German aliases."""

    name: str
    required: bool
    parse: str
    aliases: tuple[str, ...]


SPECS: dict[str, list[Column]] = {
    "payments": [
        Column("project_id", True, "text", ("Projekt-ID", "Projekt", "Projektnummer", "Project ID")),
        Column("payment_date", True, "date", ("Zahlungsdatum", "Auszahlungsdatum", "Buchungsdatum", "Datum",
                                              "Payment date")),
        Column("amount_eur", True, "money", ("Betrag (EUR)", "Betrag", "Betrag in EUR", "Betrag (€)",
                                             "Auszahlungsbetrag", "Amount", "Amount (EUR)")),
        Column("kind", True, "payment_kind", ("Art", "Zahlungsart", "Kind", "Type")),
        Column("note", False, "text", ("Bemerkung", "Notiz", "Verwendungszweck", "Kommentar", "Note")),
    ],
    "milestones": [
        Column("project_id", True, "text", ("Projekt-ID", "Projekt", "Projektnummer", "Project ID")),
        Column("milestone_id", True, "text", ("Meilenstein-ID", "Meilenstein", "Milestone ID")),
        Column("title", True, "text", ("Titel", "Bezeichnung", "Title")),
        Column("planned_date", True, "date", ("Plandatum", "Geplant am", "Geplant", "Planned date")),
        Column("done_date", False, "date", ("Erledigt am", "Erledigt", "Ist-Datum", "Done date")),
        Column("status", False, "milestone_status", ("Status",)),
    ],
    "reports": [
        Column("project_id", True, "text", ("Projekt-ID", "Projekt", "Projektnummer", "Project ID")),
        Column("report_date", True, "date", ("Berichtsdatum", "Datum", "Report date")),
        Column("progress_pct", True, "pct", ("Fortschritt (%)", "Fortschritt", "Fortschritt in %", "Progress (%)",
                                             "Progress")),
        Column("status", True, "report_status", ("Status", "Ampel")),
        Column("summary", False, "text", ("Zusammenfassung", "Bemerkung", "Text", "Summary")),
    ],
}


def _norm(text: str) -> str:
    """'Betrag (EUR)' -> 'betrageur', 'Projekt-ID' -> 'projektid': what a header or a code means."""
    return re.sub(r"[\W_]+", "", str(text).casefold())


PAYMENT_KINDS = {_norm(k): v for k, v in {
    "abschlag": "abschlag", "abschlagszahlung": "abschlag", "teilzahlung": "abschlag", "instalment": "abschlag",
    "installment": "abschlag", "schlusszahlung": "schlusszahlung", "schlussrate": "schlusszahlung",
    "final": "schlusszahlung", "final payment": "schlusszahlung",
}.items()}
REPORT_STATUS = {_norm(k): v for k, v in {
    "grün": "green", "gruen": "green", "green": "green", "gelb": "amber", "amber": "amber", "yellow": "amber",
    "rot": "red", "red": "red",
}.items()}
MILESTONE_STATUS = {_norm(k): v for k, v in {
    "offen": "open", "open": "open", "erledigt": "done", "done": "done", "abgeschlossen": "done",
    "entfallen": "cancelled", "cancelled": "cancelled", "canceled": "cancelled",
}.items()}


@dataclass
class Problem:
    """One thing wrong with the file (row and column None when it concerns the whole file)."""

    row: int | None
    column: str | None
    value: str
    code: str
    values: dict = field(default_factory=dict)

    def reason(self, lang: str | None = None) -> str:
        """The reason in words (German by default)."""
        return t(f"dp.problem.{self.code}", lang=lang, **self.values)


@dataclass
class Change:
    """One row the import would write: insert, update (with the row before) or unchanged."""

    action: str
    row: int
    values: dict
    before: dict | None = None


@dataclass
class Report:
    """What a file holds and what importing it would do (or did)."""

    kind: str
    file_name: str
    sha256: str
    size_bytes: int
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)     # worth knowing, not blocking
    changes: list[Change] = field(default_factory=list)
    already: dict | None = None                            # the active batch that imported this file
    batch_id: int | None = None                            # set once committed

    @property
    def ok(self) -> bool:
        """No problem: the import may be committed."""
        return not self.problems

    def count(self, action: str) -> int:
        """How many rows the import inserts, updates or leaves unchanged."""
        return sum(1 for c in self.changes if c.action == action)

    @property
    def writes(self) -> list[Change]:
        """The changes that touch the database."""
        return [c for c in self.changes if c.action != "unchanged"]

    def problem_frame(self, lang: str | None = None) -> pd.DataFrame:
        """Problems as a table: row, column, value, reason."""
        return pd.DataFrame({
            "import_row": pd.array([p.row for p in self.problems], dtype="Int64"),
            "import_column": [p.column or "–" for p in self.problems],
            "import_value": [p.value for p in self.problems],
            "reason": [p.reason(lang) for p in self.problems],
        })

    def change_frame(self, lang: str | None = None) -> pd.DataFrame:
        """The preview: one row per change with the values it writes (and what they replace)."""
        rows = []
        for change in self.changes:
            v = change.values
            out = {"import_row": change.row, "import_action_label": t(f"dp.action.{change.action}", lang=lang),
                   "project_id": v["project_id"]}
            if self.kind == "payments":
                out |= {"import_payment_date": v["payment_date"],
                        "import_amount_label": fmt.money(v["amount_eur"], lang, decimals=2),
                        "import_payment_kind_label": t(f"dp.payment_kind.{v['kind']}", lang=lang),
                        "import_note": v.get("note") or ""}
            elif self.kind == "milestones":
                out |= {"milestone_id": v["milestone_id"], "title": v["title"], "planned_date": v["planned_date"],
                        "done_date": v["done_date"], "import_previous_label": _before_text(change, lang)}
            else:
                out |= {"import_report_date": v["report_date"], "progress_pct": float(v["progress_pct"]),
                        "import_report_status_label": t(f"light.{v['status']}", lang=lang),
                        "import_summary": v.get("summary") or ""}
            rows.append(out)
        frame = pd.DataFrame(rows)
        if not frame.empty:
            frame["import_row"] = frame["import_row"].astype("Int64")
        return frame


def _before_text(change: Change, lang: str | None) -> str:
    if change.before is None:
        return ""
    parts = []
    for column in ("title", "planned_date", "done_date"):
        old, new = change.before.get(column), change.values.get(column)
        if _plain(old) != _plain(new):
            shown = fmt.date(old, lang) if column.endswith("_date") else (old or "–")
            parts.append(f"{fmt.header(column, lang)}: {shown}")
    return "; ".join(parts)


class ImportRefused(Exception):
    """An import or undo that is not allowed; code names the reason ("dp.refused.<code>")."""

    def __init__(self, code: str, **values):
        self.code, self.values = code, values
        super().__init__(t(f"dp.refused.{code}", lang="de", **values))

    def message(self, lang: str | None = None) -> str:
        """The reason in the user's language."""
        return t(f"dp.refused.{self.code}", lang=lang, **self.values)


# ---- reading and checking -----------------------------------------------------------------------------

def sha256(data: bytes) -> str:
    """The file's SHA-256 as hex: the same file imported twice is recognised by it."""
    return hashlib.sha256(data).hexdigest()


def template_headers(kind: str, german: bool = True) -> list[str]:
    """The template's header row: German names (first alias) or the canonical ones."""
    return [c.aliases[0] if german else c.name for c in SPECS[kind]]


def template_csv(kind: str, german: bool = True) -> bytes:
    """An empty template as CSV: German headers with `;` and BOM (German Excel) or canonical names with `,`."""
    headers = template_headers(kind, german)
    return ("\ufeff" + (";" if german else ",").join(headers) + "\r\n").encode("utf-8")


def template_xlsx(kind: str, german: bool = True) -> bytes:
    """An empty template as an Excel workbook; date columns formatted as dates, amounts as money."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = t(f"dp.kind.{kind}", lang="de" if german else "en")
    sheet.append(template_headers(kind, german))
    for index, column in enumerate(SPECS[kind], start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 22 if column.parse != "text" else 40
        style = {"date": "DD.MM.YYYY", "money": "#,##0.00", "pct": "0.0"}.get(column.parse)
        if style:
            for row in range(2, 202):
                sheet[f"{letter}{row}"].number_format = style
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _map_headers(kind: str, headers: list[str], report: Report) -> dict[str, int]:
    """Canonical column -> index in the file; problems for missing or doubled columns."""
    lookup = {}
    for column in SPECS[kind]:
        for alias in (column.name, *column.aliases):
            lookup.setdefault(_norm(alias), column.name)
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = lookup.get(_norm(header))
        if name is None:
            if header:
                report.notes.append(Problem(1, header, "", "ignored_column"))
            continue
        if name in found:
            report.problems.append(Problem(1, header, header, "duplicate_column", {"first": headers[found[name]]}))
            continue
        found[name] = index
    for column in SPECS[kind]:
        if column.required and column.name not in found:
            report.problems.append(Problem(1, column.aliases[0], "", "missing_column",
                                           {"name": column.name, "alias": column.aliases[0]}))
    return found


def _parse(column: Column, raw, header: str, row: int, problems: list[Problem]):
    """One cell as the column's type, or None with a problem recorded."""
    shown = readers.text(raw)
    if isinstance(raw, readers.Formula):
        problems.append(Problem(row, header, shown, "formula"))
        return None
    if isinstance(raw, readers.CellError):
        problems.append(Problem(row, header, shown, "cell_error"))
        return None
    if readers.is_blank(raw):
        if column.required:
            problems.append(Problem(row, header, "", "required"))
        return None
    try:
        if column.parse == "date":
            return readers.date(raw)
        if column.parse in ("money", "pct"):
            value = readers.number(raw)
            if column.parse == "money":
                if value < 0:
                    problems.append(Problem(row, header, shown, "negative"))
                elif value == 0:
                    problems.append(Problem(row, header, shown, "zero"))
                elif value != value.quantize(Decimal("0.01")):
                    problems.append(Problem(row, header, shown, "cents"))
                else:
                    return value
                return None
            if not Decimal(0) <= value <= Decimal(100):
                problems.append(Problem(row, header, shown, "progress_range"))
                return None
            if value != value.quantize(Decimal("0.1")):
                problems.append(Problem(row, header, shown, "progress_decimals"))
                return None
            return value
        if column.parse in ("payment_kind", "report_status", "milestone_status"):
            table = {"payment_kind": PAYMENT_KINDS, "report_status": REPORT_STATUS,
                     "milestone_status": MILESTONE_STATUS}[column.parse]
            value = table.get(_norm(shown))
            if value is None:
                problems.append(Problem(row, header, shown, f"unknown_{column.parse}"))
            return value
    except readers.ValueProblem as exc:
        problems.append(Problem(row, header, shown, exc.code, exc.values))
        return None
    if len(shown) > MAX_TEXT:
        problems.append(Problem(row, header, shown[:40] + "…", "too_long", {"limit": MAX_TEXT}))
        return None
    return shown


@dataclass
class _Known:
    """What the database already holds, as far as the checks need it."""

    projects: dict[str, dict]
    payments: pd.DataFrame
    milestones: dict[str, dict]
    reports: dict[tuple, str]


def _known(cur, kind: str) -> _Known:
    projects = {r["project_id"]: r for r in cur.execute(
        "select project_id, start_date, end_date, granted_eur from project").df().to_dict("records")}
    for p in projects.values():
        p["start_date"], p["end_date"] = pd.Timestamp(p["start_date"]).date(), pd.Timestamp(p["end_date"]).date()
        p["granted_eur"] = Decimal(str(p["granted_eur"]))
    payments = pd.DataFrame()
    milestones: dict[str, dict] = {}
    reports: dict[tuple, str] = {}
    if kind == "payments":
        rows = cur.execute("select payment_id, project_id, payment_date, amount_eur::varchar as amount, kind "
                           "from payment").fetchall()
        payments = pd.DataFrame(rows, columns=["payment_id", "project_id", "payment_date", "amount", "kind"])
    elif kind == "milestones":
        milestones = {r["milestone_id"]: r for r in _rows(cur, "select * from milestone")}
    else:
        reports = {(p, d): r for r, p, d in cur.execute(
            "select report_id, project_id, report_date from progress_report").fetchall()}
    return _Known(projects, payments, milestones, reports)


def _rows(cur, sql: str, params=None) -> list[dict]:
    """Rows as plain dicts (dates as dt.date, decimals as str) so they compare and serialise."""
    result = cur.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, (_plain(v) for v in row))) for row in result.fetchall()]


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_date(value: dt.date, project: dict, row: int, header: str, shown: str, problems: list[Problem],
                today: dt.date, past_only: bool = True) -> bool:
    latest = project["end_date"] + dt.timedelta(days=GRACE_DAYS)
    if value < project["start_date"]:
        problems.append(Problem(row, header, shown, "before_start", {"start": fmt.date(project["start_date"], "de")}))
    elif value > latest:
        problems.append(Problem(row, header, shown, "after_end", {
            "end": fmt.date(project["end_date"], "de"), "latest": fmt.date(latest, "de"), "days": GRACE_DAYS}))
    elif past_only and value > today:
        problems.append(Problem(row, header, shown, "in_future"))
    else:
        return True
    return False


def check(data: bytes, file_name: str, kind: str, path: Path | None = None,
          progress: Progress | None = None) -> Report:
    """Read and check a file against the database; writes nothing."""
    cur = Database.cursor(path)
    try:
        return _check(cur, data, file_name, kind, progress)
    finally:
        cur.close()


def _check(cur, data: bytes, file_name: str, kind: str, progress: Progress | None) -> Report:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    report = Report(kind, file_name, sha256(data), len(data))
    found = cur.execute(
        "select import_batch_id, imported_at, imported_by from import_batch "
        "where sha256 = ? and kind = ? and undone_at is null order by import_batch_id limit 1",
        [report.sha256, kind]).fetchone()
    if found:
        report.already = {"import_batch_id": found[0], "imported_at": found[1], "imported_by": found[2]}
        return report
    try:
        sheet = readers.read(data, file_name)
    except readers.ReadError as exc:
        report.problems.append(Problem(None, None, file_name, f"read.{exc.code}", exc.values))
        return report
    if sheet.sheet_count > 1:
        report.notes.append(Problem(None, None, sheet.sheet_name or "", "first_sheet_only",
                                    {"sheet": sheet.sheet_name, "count": sheet.sheet_count}))
    report.rows_read = len(sheet.rows)
    columns = _map_headers(kind, sheet.headers, report)
    if report.problems:
        return report
    if not sheet.rows:
        report.problems.append(Problem(None, None, file_name, "no_rows"))
        return report
    known = _known(cur, kind)
    validate = {"payments": _payments, "milestones": _milestones, "reports": _reports}[kind]
    validate(sheet, columns, known, report, progress)
    # the order a user fixes them in: by row, then left to right
    position = {header: index for index, header in enumerate(sheet.headers)}
    report.problems.sort(key=lambda p: (p.row or 0, position.get(p.column, len(position))))
    return report


def _cells(sheet: readers.Sheet, columns: dict[str, int], kind: str, report: Report, progress: Progress | None):
    """Each row parsed: (row number, values, raw text per column, header per column)."""
    headers = {name: sheet.headers[i] for name, i in columns.items()}
    total = len(sheet.rows)
    for done, (row, cells) in enumerate(sheet.rows, start=1):
        if len(cells) > len(sheet.headers) and any(not readers.is_blank(c) for c in cells[len(sheet.headers):]):
            report.problems.append(Problem(row, None, " | ".join(readers.text(c) for c in cells),
                                           "too_many_fields", {"delimiter": sheet.delimiter or ""}))
            continue
        values, shown = {}, {}
        for column in SPECS[kind]:
            index = columns.get(column.name)
            raw = cells[index] if index is not None and index < len(cells) else None
            shown[column.name] = readers.text(raw)
            values[column.name] = _parse(column, raw, headers.get(column.name, column.aliases[0]), row,
                                         report.problems)
        if progress and done % 1000 == 0:
            progress(done / total)
        yield row, values, shown, headers


def _project(values: dict, shown: dict, headers: dict, row: int, known: _Known, problems: list[Problem]):
    if values["project_id"] is None:
        return None
    project = known.projects.get(values["project_id"])
    if project is None:
        problems.append(Problem(row, headers["project_id"], shown["project_id"], "unknown_project"))
    return project


def _payments(sheet, columns, known: _Known, report: Report, progress) -> None:
    today = dt.date.today()
    existing = {}
    totals: dict[str, Decimal] = {}
    finals: dict[str, str] = {}
    for r in known.payments.itertuples():
        key = (r.project_id, pd.Timestamp(r.payment_date).date(), Decimal(r.amount), r.kind)
        existing.setdefault(key, r.payment_id)
        totals[r.project_id] = totals.get(r.project_id, Decimal(0)) + Decimal(r.amount)
        if r.kind == "schlusszahlung":
            finals.setdefault(r.project_id, r.payment_id)
    in_file: dict[tuple, int] = {}
    for row, values, shown, headers in _cells(sheet, columns, "payments", report, progress):
        project = _project(values, shown, headers, row, known, report.problems)
        if project is None or any(values[c] is None for c in ("payment_date", "amount_eur", "kind")):
            continue
        pid = values["project_id"]
        if not _check_date(values["payment_date"], project, row, headers["payment_date"], shown["payment_date"],
                           report.problems, today):
            continue
        key = (pid, values["payment_date"], values["amount_eur"], values["kind"])
        if key in in_file:
            report.problems.append(Problem(row, None, "; ".join(shown[c] for c in ("project_id", "payment_date",
                                   "amount_eur", "kind")), "duplicate_in_file", {"first": in_file[key]}))
            continue
        if key in existing:
            report.problems.append(Problem(row, None, "; ".join(shown[c] for c in ("project_id", "payment_date",
                                   "amount_eur", "kind")), "duplicate_payment", {"payment_id": existing[key]}))
            continue
        in_file[key] = row
        if values["kind"] == "schlusszahlung":
            if pid in finals:
                report.problems.append(Problem(row, headers["kind"], shown["kind"], "second_final",
                                               {"other": finals[pid]}))
                continue
            finals[pid] = t("dp.row_ref", lang="de", row=row)
        totals[pid] = totals.get(pid, Decimal(0)) + values["amount_eur"]
        if totals[pid] > project["granted_eur"]:
            report.problems.append(Problem(row, headers["amount_eur"], shown["amount_eur"], "beyond_grant", {
                "total": fmt.money(totals[pid], "de", decimals=2), "granted": fmt.money(project["granted_eur"], "de")}))
            continue
        report.changes.append(Change("insert", row, {**values, "note": values.get("note")}))


def _milestones(sheet, columns, known: _Known, report: Report, progress) -> None:
    today = dt.date.today()
    seen: dict[str, int] = {}
    for row, values, shown, headers in _cells(sheet, columns, "milestones", report, progress):
        project = _project(values, shown, headers, row, known, report.problems)
        mid = values["milestone_id"]
        if mid is not None:
            if mid in seen:
                report.problems.append(Problem(row, headers["milestone_id"], mid, "duplicate_milestone_in_file",
                                               {"first": seen[mid]}))
                continue
            seen[mid] = row
        status, done = values.get("status"), values.get("done_date")
        status_header = headers.get("status", "Status")
        if status == "cancelled":
            report.problems.append(Problem(row, status_header, shown["status"], "cancelled_unsupported"))
            continue
        if status == "done" and done is None and not shown.get("done_date"):
            report.problems.append(Problem(row, headers.get("done_date", "Erledigt am"), "", "done_without_date"))
            continue
        if status == "open" and done is not None:
            report.problems.append(Problem(row, status_header, shown["status"], "open_with_date"))
            continue
        if project is None or any(values[c] is None for c in ("milestone_id", "title", "planned_date")):
            continue
        if not _check_date(values["planned_date"], project, row, headers["planned_date"], shown["planned_date"],
                           report.problems, today, past_only=False):
            continue
        if done is not None and not _check_date(done, project, row, headers["done_date"], shown["done_date"],
                                                report.problems, today):
            continue
        new = {"milestone_id": mid, "project_id": values["project_id"], "title": values["title"],
               "planned_date": values["planned_date"], "done_date": done}
        before = known.milestones.get(mid)
        if before is None:
            report.changes.append(Change("insert", row, new))
            continue
        if before["project_id"] != new["project_id"]:
            report.problems.append(Problem(row, headers["milestone_id"], mid, "milestone_other_project",
                                           {"project": before["project_id"]}))
            continue
        same = all(_plain(before[c]) == _plain(new[c]) for c in ("title", "planned_date", "done_date"))
        report.changes.append(Change("unchanged" if same else "update", row, new, before))


def _reports(sheet, columns, known: _Known, report: Report, progress) -> None:
    today = dt.date.today()
    seen: dict[tuple, int] = {}
    for row, values, shown, headers in _cells(sheet, columns, "reports", report, progress):
        project = _project(values, shown, headers, row, known, report.problems)
        if project is None or any(values[c] is None for c in ("report_date", "progress_pct", "status")):
            continue
        if not _check_date(values["report_date"], project, row, headers["report_date"], shown["report_date"],
                           report.problems, today):
            continue
        key = (values["project_id"], values["report_date"])
        if key in seen:
            report.problems.append(Problem(row, headers["report_date"], shown["report_date"],
                                           "duplicate_report_in_file", {"first": seen[key]}))
            continue
        if key in known.reports:
            report.problems.append(Problem(row, headers["report_date"], shown["report_date"], "duplicate_report",
                                           {"report_id": known.reports[key]}))
            continue
        seen[key] = row
        report.changes.append(Change("insert", row, {**values, "summary": values.get("summary")}))


# ---- writing ------------------------------------------------------------------------------------------

def ensure_change_table(path: Path | None = None) -> None:
    """Create import_change in a database built before it existed (the DDL comes from schema.sql)."""
    cur = Database.cursor(path)
    try:
        exists = cur.execute("select count(*) from duckdb_tables() where table_name = 'import_change'").fetchone()[0]
        if not exists:
            match = re.search(r"create table import_change \(.*?\n\);", SCHEMA_FILE.read_text(encoding="utf-8"), re.S)
            cur.execute(match.group(0).replace("create table", "create table if not exists", 1))
    finally:
        cur.close()


def _after_chunk(rows_written: int) -> None:
    """Test hook: with MONITOR_IMPORT_CRASH_AFTER_ROWS set, the process dies here, mid-transaction."""
    limit = os.environ.get(CRASH_ENV)
    if limit and rows_written >= int(limit):
        os._exit(70)


def _insert_frame(cur, table: str, frame: pd.DataFrame, casts: dict[str, str], progress: Progress | None,
                  written: list[int], total: int) -> None:
    """Insert frame into table chunk by chunk (progress, crash hook) inside the caller's transaction."""
    columns = list(frame.columns)
    select = ", ".join(f"{c}::{casts[c]}" if c in casts else c for c in columns)
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start:start + CHUNK_ROWS]
        cur.register("import_rows", chunk)
        try:
            cur.execute(f"insert into {table} ({', '.join(columns)}) select {select} from import_rows")
        finally:
            cur.unregister("import_rows")
        written[0] += len(chunk)
        if progress:
            progress(min(written[0] / max(total, 1), 1.0))
        _after_chunk(written[0])


def _text_or_none(values: list) -> list:
    return [None if v is None else str(v) for v in values]


def _write(cur, report: Report, who: str, progress: Progress | None) -> int:
    batch = cur.execute("select coalesce(max(import_batch_id), 0) + 1 from import_batch").fetchone()[0]
    writes = report.writes
    cur.execute("insert into import_batch (import_batch_id, kind, file_name, sha256, row_count, imported_by, "
                "imported_at) values (?, ?, ?, ?, ?, ?, ?)",
                [batch, report.kind, report.file_name, report.sha256, len(writes), who,
                 dt.datetime.now().replace(microsecond=0)])
    table = TABLE[report.kind]
    inserts = [c.values for c in writes if c.action == "insert"]
    updates = [c for c in writes if c.action == "update"]
    written = [0]
    if report.kind == "payments":
        keys = [f"Z-{batch}-{n}" for n in range(1, len(inserts) + 1)]
        frame = pd.DataFrame({
            "payment_id": keys, "project_id": [v["project_id"] for v in inserts],
            "payment_date": [v["payment_date"].isoformat() for v in inserts],
            "amount_eur": [str(v["amount_eur"]) for v in inserts], "kind": [v["kind"] for v in inserts],
            "note": _text_or_none([v["note"] for v in inserts]), "import_batch_id": [batch] * len(inserts),
        }, dtype=object)
        _insert_frame(cur, table, frame, {"payment_date": "date", "amount_eur": "decimal(14,2)",
                                          "import_batch_id": "integer", "note": "varchar"}, progress, written,
                      len(writes))
    elif report.kind == "reports":
        keys = [f"R-{batch}-{n}" for n in range(1, len(inserts) + 1)]
        frame = pd.DataFrame({
            "report_id": keys, "project_id": [v["project_id"] for v in inserts],
            "report_date": [v["report_date"].isoformat() for v in inserts],
            "progress_pct": [str(v["progress_pct"]) for v in inserts], "status": [v["status"] for v in inserts],
            "summary": _text_or_none([v["summary"] for v in inserts]), "import_batch_id": [batch] * len(inserts),
        }, dtype=object)
        _insert_frame(cur, table, frame, {"report_date": "date", "progress_pct": "decimal(5,1)",
                                          "import_batch_id": "integer", "summary": "varchar"}, progress, written,
                      len(writes))
    else:
        keys = [v["milestone_id"] for v in inserts]
        frame = pd.DataFrame({
            "milestone_id": keys, "project_id": [v["project_id"] for v in inserts],
            "title": [v["title"] for v in inserts],
            "planned_date": [v["planned_date"].isoformat() for v in inserts],
            "done_date": _text_or_none([v["done_date"] and v["done_date"].isoformat() for v in inserts]),
            "is_illustrative": [False] * len(inserts), "source": [f"Import {report.file_name}"] * len(inserts),
            "import_batch_id": [batch] * len(inserts),
        }, dtype=object)
        _insert_frame(cur, table, frame, {"planned_date": "date", "done_date": "date", "is_illustrative": "boolean",
                                          "import_batch_id": "integer"}, progress, written, len(writes))
        for change in updates:
            v = change.values
            cur.execute("update milestone set title = ?, planned_date = ?::date, done_date = ?::date, "
                        "import_batch_id = ? where milestone_id = ?",
                        [v["title"], v["planned_date"].isoformat(),
                         v["done_date"].isoformat() if v["done_date"] else None, batch, v["milestone_id"]])
            written[0] += 1
            _after_chunk(written[0])
    log = pd.DataFrame({
        "import_batch_id": [batch] * len(writes), "table_name": [table] * len(writes),
        "row_key": keys + [c.values["milestone_id"] for c in updates],
        "action": ["insert"] * len(keys) + ["update"] * len(updates),
        "before_json": [None] * len(keys) + [json.dumps(c.before, ensure_ascii=False) for c in updates],
    }, dtype=object)
    cur.register("import_log", log)
    try:
        cur.execute("insert into import_change select import_batch_id::integer, table_name, row_key, action, "
                    "before_json::varchar from import_log")
    finally:
        cur.unregister("import_log")
    return batch


def _transaction(path: Path | None, work):
    """Run work(cursor) in one transaction: commit when it returns, roll back on any exception."""
    ensure_change_table(path)
    with _WRITE_LOCK:
        cur = Database.cursor(path)
        try:
            cur.begin()
            try:
                result = work(cur)
            except BaseException:
                cur.rollback()
                raise
            cur.commit()
            return result
        finally:
            cur.close()


def commit(data: bytes, file_name: str, kind: str, who: str, path: Path | None = None,
           progress: Progress | None = None) -> Report:
    """Check the file again and, when nothing is wrong, write it as one batch in one transaction."""

    def work(cur):
        report = _check(cur, data, file_name, kind, progress=None)
        if report.ok and not report.already and report.writes:
            report.batch_id = _write(cur, report, who, progress)
        return report

    report = _transaction(path, work)
    if report.batch_id is not None:
        Database.changed(path)
    return report


def undo(batch_id: int, who: str, path: Path | None = None) -> int:
    """Take a batch back: delete its rows, restore what it updated, mark it undone. Returns rows reverted."""

    def work(cur):
        found = cur.execute("select undone_at from import_batch where import_batch_id = ?", [batch_id]).fetchone()
        if found is None:
            raise ImportRefused("no_batch", batch=batch_id)
        if found[0] is not None:
            raise ImportRefused("already_undone", batch=batch_id)
        later = [r[0] for r in cur.execute(
            "select distinct later.import_batch_id from import_change as mine "
            "join import_change as later on later.table_name = mine.table_name and later.row_key = mine.row_key "
            "join import_batch on import_batch.import_batch_id = later.import_batch_id "
            "where mine.import_batch_id = ? and later.import_batch_id > ? and import_batch.undone_at is null "
            "order by 1", [batch_id, batch_id]).fetchall()]
        if later:
            raise ImportRefused("later_batch", batch=batch_id, later=", ".join(map(str, later)))
        changes = cur.execute("select table_name, row_key, action, before_json from import_change "
                              "where import_batch_id = ? order by row_key", [batch_id]).fetchall()
        types = {}
        for table, key, action, before in changes:
            if action == "insert":
                cur.execute(f"delete from {table} where {KEY[table]} = ? and import_batch_id = ?", [key, batch_id])
                continue
            if table not in types:
                types[table] = {n: ty for n, ty, *_ in cur.execute(f"describe {table}").fetchall()}
            row = json.loads(before)
            columns = [c for c in row if c != KEY[table]]
            assignments = ", ".join(f"{c} = ?::{types[table][c]}" for c in columns)
            cur.execute(f"update {table} set {assignments} where {KEY[table]} = ?", [row[c] for c in columns] + [key])
        cur.execute("update import_batch set undone_by = ?, undone_at = ? where import_batch_id = ?",
                    [who, dt.datetime.now().replace(microsecond=0), batch_id])
        return len(changes)

    reverted = _transaction(path, work)
    Database.changed(path)
    return reverted


def lock_message(exc: duckdb.Error, path: Path) -> str | None:
    """The German explanation when another process holds the database, else None."""
    if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
        return t("dp.cli.locked", lang="de", path=str(path))
    return None


# ---- command line -------------------------------------------------------------------------------------

def format_report(report: Report, lang: str = "de") -> str:
    """The report as text for the command line."""
    lines = [t("dp.cli.header", lang=lang, file=report.file_name, kind=t(f"dp.kind.{report.kind}", lang=lang),
               sha=report.sha256[:12])]
    if report.already:
        lines.append(t("dp.already", lang=lang, batch=report.already["import_batch_id"],
                       when=fmt.date(report.already["imported_at"], lang), who=report.already["imported_by"]))
        return "\n".join(lines)
    lines.append(t("dp.cli.counts", lang=lang, rows=report.rows_read, insert=report.count("insert"),
                   update=report.count("update"), unchanged=report.count("unchanged"),
                   problems=len(report.problems)))
    for problem in report.problems + report.notes:
        where = []
        if problem.row is not None:
            where.append(t("dp.cli.row", lang=lang, row=problem.row))
        if problem.column:
            where.append(t("dp.cli.column", lang=lang, column=problem.column))
        if problem.value:
            where.append(t("dp.cli.value", lang=lang, value=problem.value))
        prefix = t("dp.cli.error" if problem in report.problems else "dp.cli.note", lang=lang)
        lines.append(f"  {prefix} {', '.join(where)}{': ' if where else ''}{problem.reason(lang)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: check (and unless --dry-run, commit) an import file; 1 when refused, 3 when locked."""
    parser = argparse.ArgumentParser(prog="python -m monitor.imports",
                                     description="Zahlungen, Meilensteine oder Fortschrittsberichte importieren.")
    parser.add_argument("file", type=Path, help="CSV- oder xlsx-Datei")
    parser.add_argument("--kind", required=True, choices=KINDS, help="was die Datei enthält")
    parser.add_argument("--dry-run", action="store_true", help="nur prüfen, nichts schreiben")
    parser.add_argument("--db", type=Path, default=None, help="Datenbankdatei (Standard: $MONITOR_DB)")
    args = parser.parse_args(argv)
    path = args.db or database_path()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(t("dp.cli.unreadable", lang="de", file=str(args.file), error=exc.strerror or str(exc)), file=sys.stderr)
        return 2
    who = f"Kommandozeile ({getpass.getuser()})"
    try:
        if args.dry_run:
            report = check(data, args.file.name, args.kind, path)
        else:
            report = commit(data, args.file.name, args.kind, who, path)
    except duckdb.Error as exc:
        message = lock_message(exc, path)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 3
    finally:
        Database.close_all()
    print(format_report(report))
    if not report.ok:
        print(t("dp.cli.refused", lang="de"))
        return 1
    if report.already:
        return 0
    if args.dry_run:
        print(t("dp.cli.dry_run", lang="de"))
    elif report.batch_id is not None:
        print(t("dp.cli.committed", lang="de", batch=report.batch_id, rows=len(report.writes)))
    else:
        print(t("dp.nothing_to_do", lang="de"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
