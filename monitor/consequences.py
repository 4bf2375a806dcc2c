"""What an import of payments, milestones or reports does to the projects it touches, and what an undo removes.

The effect is read, never worked out here: the file's rows are written into the database inside a transaction
that is rolled back (the same writer a commit uses), and project_state_on (monitor/relations.sql) is asked for the
paid and planned money and the light of each touched project before and after, on the Stichtag the user views or,
for a row dated later, on the row's own date (that is when it shows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from monitor import fmt, markup, queries as q
from monitor.auth import Identity
from monitor.checks import Change, Report
from monitor.db import Database
from monitor.i18n import t

MAX_ROWS = 200          # effects are worked out for the rows the preview draws (tables.MAX_ROWS)
MAX_LINES = 10          # effect lines written out above the table

_STATE = """
select project_id, status_date, paid_eur, planned_eur, granted_eur, light,
       milestones_done_count, milestone_count
from project_state_on(?, ?)
where project_id in (select unnest(?::varchar[]))
"""


def row_date(kind: str, change: Change) -> dt.date | None:
    """The day a row takes effect: a payment's or report's date, a milestone's completion (None: at once)."""
    column = {"payments": "payment_date", "reports": "report_date", "milestones": "done_date"}[kind]
    return change.values.get(column)


def after_count(report: Report, as_of: dt.date) -> int:
    """How many rows the import writes that lie after the Stichtag (they show from their own date on)."""
    return sum(1 for c in report.writes if (row_date(report.kind, c) or as_of) > as_of)


def person(identity: Identity | None) -> str:
    """Who imports or undoes, as the history names them: the signed-in person, else the local role."""
    if identity is None:
        return "admin (lokal)"
    if identity.subject and not identity.subject.startswith("cli:") and identity.name:
        return f"{identity.name} ({identity.subject})"
    if identity.subject:
        return identity.subject
    return f"{identity.role} (lokal)"


@dataclass
class Effects:
    """Per change of the report (in order): recipient and the effect in words; rows after the Stichtag."""

    frame: pd.DataFrame          # import_row, project_id, recipient_name, effect_date, is_after, import_effect_label
    after: int


def _states(cur, programmes: dict[str, list[str]], dates: list[dt.date]) -> pd.DataFrame:
    frames = [cur.execute(_STATE, [programme, dates, projects]).df() for programme, projects in programmes.items()]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["project_id", "status_date"])
    frame = pd.concat(frames, ignore_index=True)
    frame["status_date"] = pd.to_datetime(frame["status_date"]).dt.date
    return frame.set_index(["project_id", "status_date"])


def _stage_and_compare(report: Report, programmes: dict[str, list[str]], dates: list[dt.date], path: Path | None):
    """project_state_on before and after the file's rows, in one transaction that is rolled back."""
    from monitor import batches

    # the import lock: a commit of another session never sees or races the staged batch number
    with batches._WRITE_LOCK:
        cur = Database.cursor(path)
        try:
            cur.begin()
            try:
                before = _states(cur, programmes, dates)
                batches._write(cur, report, "vorschau", dt.datetime.now().replace(microsecond=0), None)
                after = _states(cur, programmes, dates)
            finally:
                cur.rollback()
        finally:
            cur.close()
    return before, after


def _light_words(before: str | None, after: str | None, lang: str) -> str:
    if after is None:
        return ""
    if before is None or before == after:
        return t("cq.light_stays", lang=lang, light=t(f"light.{after}", lang=lang))
    return t("cq.light_becomes", lang=lang, light=t(f"light.{after}", lang=lang),
             before=t(f"light.{before}", lang=lang))


def _line(kind: str, when: str, old, new, lang: str) -> str:
    light = _light_words(None if old is None else old["light"], new["light"], lang)
    if kind == "payments":
        return t("cq.effect.payments", lang=lang, when=when, paid=fmt.money(new["paid_eur"], lang, decimals=2),
                 granted=fmt.money(new["granted_eur"], lang), planned=fmt.money(new["planned_eur"], lang),
                 light=light)
    if kind == "milestones":
        return t("cq.effect.milestones", lang=lang, when=when, done=fmt.count(new["milestones_done_count"], lang),
                 count=fmt.count(new["milestone_count"], lang), light=light)
    return t("cq.effect.reports", lang=lang, when=when, light=light)


def effects(report: Report, as_of: dt.date, lang: str, path: Path | None = None) -> Effects:
    """Recipient and effect of the first MAX_ROWS changes (rows without effect: unchanged, or not yet decided)."""
    changes = report.changes[:MAX_ROWS]
    ids = sorted({c.values["project_id"] for c in changes})
    owners = q.run("import_projects", project_ids=ids).set_index("project_id") if ids else pd.DataFrame()
    dates = [max(as_of, row_date(report.kind, c) or as_of) for c in changes]
    programmes: dict[str, list[str]] = {}
    for pid in ids:
        if pid in owners.index:
            programmes.setdefault(owners.at[pid, "programme_id"], []).append(pid)
    before = after = pd.DataFrame()
    if any(c.action != "unchanged" for c in changes) and programmes:
        before, after = _stage_and_compare(report, programmes, sorted(set(dates)), path)
    rows = []
    for change, day in zip(changes, dates):
        pid = change.values["project_id"]
        label = ""
        if change.action != "unchanged" and (pid, day) in after.index:
            old = before.loc[(pid, day)] if (pid, day) in before.index else None
            when = t("cq.when.after", lang=lang) if day == as_of else \
                t("cq.when.from", lang=lang, date=fmt.date(day, lang))
            label = _line(report.kind, when, old, after.loc[(pid, day)], lang)
        rows.append({"import_row": change.row, "project_id": pid,
                     "recipient_name": owners.at[pid, "recipient_name"] if pid in owners.index else "",
                     "effect_date": day, "is_after": day > as_of, "import_effect_label": label})
    frame = pd.DataFrame(rows, columns=["import_row", "project_id", "recipient_name", "effect_date", "is_after",
                                        "import_effect_label"])
    return Effects(frame, after_count(report, as_of))


def preview(report: Report, effects_: Effects, lang: str) -> pd.DataFrame:
    """The preview table: the check's change frame with the recipient beside the project and the effect last."""
    frame = report.change_frame(lang)
    if frame.empty:
        return frame
    shown = effects_.frame.reset_index(drop=True)
    position = list(frame.columns).index("project_id") + 1
    frame.insert(position, "recipient_name", list(shown["recipient_name"]) + [""] * (len(frame) - len(shown)))
    frame["import_effect_label"] = list(shown["import_effect_label"]) + [""] * (len(frame) - len(shown))
    return frame


def lines(effects_: Effects, lang: str) -> list[str]:
    """The first MAX_LINES effects as Markdown sentences (project id and recipient are data: escaped)."""
    found = effects_.frame[effects_.frame["import_effect_label"] != ""].head(MAX_LINES)
    return [t("cq.line", lang=lang, row=r.import_row, project=markup.text(r.project_id),
              recipient=markup.text(r.recipient_name), effect=r.import_effect_label) for r in found.itertuples()]


def undo_summary(batch_id: int, lang: str) -> str:
    """What undoing a batch removes, restores and resets, in words ("entfernt 12 Zahlungen (45.000 €)")."""
    frame = q.run("import_undo_effect", import_batch_id=batch_id)
    parts = []
    for r in frame.itertuples():
        table = t(f"md.sheet.{r.table_name}", lang=lang, default=r.table_name)
        for action, count in (("insert", r.inserted_count), ("update", r.updated_count),
                              ("delete", r.deleted_count)):
            if not count:
                continue
            number = "one" if count == 1 else "many"
            text = t(f"cq.undo.{action}.{number}", lang=lang, count=fmt.count(count, lang), table=table)
            if action == "insert" and r.table_name == "payment" and pd.notna(r.payment_removed_eur):
                amount = float(r.payment_removed_eur)
                text += f" ({fmt.money(amount, lang, decimals=0 if amount == round(amount) else 2)})"
            parts.append(text)
    return t("cq.undo.confirm", lang=lang, batch=batch_id, what="; ".join(parts) or t("cq.undo.nothing", lang=lang))
