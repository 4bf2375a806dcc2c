"""Checking an import file against the database: every problem by row and column, every change it would make.

`check` reads a file and lists every problem (row, column, value, reason) and every change it would make,
without writing. Rules worth knowing (see also monitor/texts/daten.toml):
- Dates must lie between a project's start and `GRACE_DAYS` after its end: the final payment follows the
  proof of use (Verwendungsnachweis), which may take months; reports and late milestones likewise.
  Payment, completion and report dates may not lie in the future.
- Payments are duplicates when project, date, amount and kind agree (with the file or the database).
  A project's payments may not exceed its grant, and it has at most one final payment.
- A milestone row with a known milestone_id updates that milestone (the file states its current title
  and dates); status `entfallen` is refused because the schema cannot record a cancelled milestone yet.
- The same file (SHA-256) imported again while its batch is active changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from monitor import fmt, readers
from monitor.db import Database
from monitor.i18n import t
from monitor.templates import KINDS, MILESTONE_STATUS, PAYMENT_KINDS, REPORT_STATUS, SPECS, Column, norm

GRACE_DAYS = 365
MAX_TEXT = 500

Progress = Callable[[float], None]

# invisible characters that let a text pose as another (bidi overrides reverse it, zero-width ones hide inside
# it) or break it into lines (a heading in Markdown); every other control or format character (category Cc, Cf)
# is refused too; a tab is whitespace
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_ZERO_WIDTH = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}
_LINE_BREAKS = {0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029}


def _invisible(ch: str) -> str | None:
    """The problem code for a character a text may not hold, None for an ordinary one."""
    point = ord(ch)
    if point in _BIDI:
        return "char_bidi"
    if point in _ZERO_WIDTH:
        return "char_zero_width"
    if point in _LINE_BREAKS:
        return "char_line_break"
    if ch != "\t" and unicodedata.category(ch) in ("Cc", "Cf"):
        return "char_control"
    return None


def _visible(text: str) -> str:
    """The text with every refused character written as [U+XXXX], so the message shows where it sits."""
    return "".join(f"[U+{ord(ch):04X}]" if _invisible(ch) else ch for ch in text)


def _check_characters(shown: str, header: str, row: int, problems: list[Problem], line_breaks: bool = False) -> bool:
    """True when the cell holds no refused character; else one problem naming the first one by code point. With
    line_breaks, a line feed is allowed (a description in a Programm-Mappe may have paragraphs)."""
    for ch in shown:
        if line_breaks and ch == "\n":
            continue
        code = _invisible(ch)
        if code:
            value = _visible(shown)
            problems.append(Problem(row, header, value[:60] + "…" if len(value) > 60 else value, code,
                                    {"code": f"U+{ord(ch):04X}"}))
            return False
    return True


@dataclass
class Problem:
    """One thing wrong with the file (row and column None when it concerns the whole file)."""

    row: int | None
    column: str | None
    value: str
    code: str
    values: dict = field(default_factory=dict)
    sheet: str | None = None          # the sheet (or CSV file) of a workbook with several tables

    def reason(self, lang: str | None = None) -> str:
        """The reason in words (German by default); amounts kept as Decimal are formatted in that language."""
        money = self.values.get("unit") == "eur"
        values = {k: _number_text(v, lang, money) if isinstance(v, Decimal) else v for k, v in self.values.items()}
        return t(f"dp.problem.{self.code}", lang=lang, **values)


def _number_text(value: Decimal, lang: str | None, money: bool) -> str:
    """1.5 -> '1,5' and 1500 -> '1.500' (de); money with cents: '1,50 €'. Never rounded: 12.345 -> '12,345 €'."""
    decimals = max(0, -value.normalize().as_tuple().exponent)
    return fmt.money(value, lang, decimals=max(2, decimals)) if money else fmt.number(value, decimals, lang)


@dataclass
class Change:
    """One row the import would write: insert, update (with the row before) or unchanged."""

    action: str
    row: int | None
    values: dict
    before: dict | None = None
    table: str | None = None          # for master data: the table the row belongs to


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
    tables: list | None = None                             # master data: the staged tables (masterdata.Staged)
    summary: dict | None = None                            # Liste der Vorhaben: what the list holds
    listing: object | None = None                          # Liste der Vorhaben: the list as read (vorhaben.Listing)

    @property
    def ok(self) -> bool:
        """No problem: the import may be committed."""
        return not self.problems

    def count(self, action: str) -> int:
        """How many rows the import inserts, updates or leaves unchanged."""
        return sum(1 for c in self.changes if c.action == action)

    @property
    def write_count(self) -> int:
        """How many rows the import writes (inserted, updated or, for master data, deleted)."""
        if self.tables is not None:
            return sum(n for s in self.tables for action, n in s.changes.items() if action != "same")
        return len(self.writes)

    @property
    def writes(self) -> list[Change]:
        """The changes that touch the database."""
        return [c for c in self.changes if c.action != "unchanged"]

    def problem_frame(self, lang: str | None = None) -> pd.DataFrame:
        """Problems as a table: row, column, value, reason."""
        sheets = {"import_sheet": [p.sheet or "–" for p in self.problems]} if any(p.sheet for p in self.problems) \
            else {}
        return pd.DataFrame({
            **sheets,
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



def sha256(data: bytes) -> str:
    """The file's SHA-256 as hex: the same file imported twice is recognised by it."""
    return hashlib.sha256(data).hexdigest()



def _map_headers(kind: str, headers: list[str], report: Report) -> dict[str, int]:
    """Canonical column -> index in the file; problems for missing or doubled columns."""
    lookup = {}
    for column in SPECS[kind]:
        for alias in (column.name, *column.aliases):
            lookup.setdefault(norm(alias), column.name)
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = lookup.get(norm(header))
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


def _parse(column: Column, raw, header: str, row: int, problems: list[Problem],
           convention: readers.Convention | None = None):
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
    if isinstance(raw, str) and not _check_characters(shown, header, row, problems):
        return None
    try:
        if column.parse == "date":
            return readers.date(raw)
        if column.parse in ("money", "pct"):
            value = readers.number(raw, convention)
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
            value = table.get(norm(shown))
            if value is None:
                problems.append(Problem(row, header, shown, f"unknown_{column.parse}"))
            return value
    except readers.ValueProblem as exc:
        unit = {"unit": "eur"} if column.parse == "money" else {}
        problems.append(Problem(row, header, shown, exc.code, {**exc.values, **unit}))
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


def already_imported(cur, digest: str, kind: str) -> dict | None:
    """The active batch that imported a file with this SHA-256 as this kind (a re-import changes nothing)."""
    found = cur.execute(
        "select import_batch_id, imported_at, imported_by from import_batch "
        "where sha256 = ? and kind = ? and undone_at is null order by import_batch_id limit 1",
        [digest, kind]).fetchone()
    return {"import_batch_id": found[0], "imported_at": found[1], "imported_by": found[2]} if found else None


def check(data: bytes, file_name: str, kind: str, path: Path | None = None,
          progress: Progress | None = None) -> Report:
    """Read and check a file against the database; writes nothing."""
    cur = Database.cursor(path)
    try:
        return _check(cur, data, file_name, kind, progress)
    finally:
        cur.close()


def _check(cur, data: bytes, file_name: str, kind: str, progress: Progress | None,
           today: dt.date | None = None) -> Report:
    """The check inside the caller's transaction; a replay passes the day the file was imported as today."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    report = Report(kind, file_name, sha256(data), len(data))
    report.already = already_imported(cur, report.sha256, kind)
    if report.already:
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
    validate(sheet, columns, known, report, progress, today or dt.date.today())
    # the order a user fixes them in: by row, then left to right
    position = {header: index for index, header in enumerate(sheet.headers)}
    report.problems.sort(key=lambda p: (p.row or 0, position.get(p.column, len(position))))
    return report


def _cells(sheet: readers.Sheet, columns: dict[str, int], kind: str, report: Report, progress: Progress | None):
    """Each row parsed: (row number, values, raw text per column, header per column)."""
    headers = {name: sheet.headers[i] for name, i in columns.items()}
    total = len(sheet.rows)
    # '1,500' reads 1,5 or 1.500: the file's unambiguous numbers decide, in every numeric column
    numeric = [columns[c.name] for c in SPECS[kind] if c.parse in ("money", "pct") and c.name in columns]
    convention = readers.settle((row, cells[i]) for row, cells in sheet.rows for i in numeric if i < len(cells))
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
                                         report.problems, convention)
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


def _payments(sheet, columns, known: _Known, report: Report, progress, today: dt.date) -> None:
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


def _milestones(sheet, columns, known: _Known, report: Report, progress, today: dt.date) -> None:
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


def _reports(sheet, columns, known: _Known, report: Report, progress, today: dt.date) -> None:
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

