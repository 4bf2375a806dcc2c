"""The traffic light of a project in words: every rule that fired, worst first."""

from __future__ import annotations

import pandas as pd

from monitor import fmt
from monitor.i18n import t

# a shape per light as well as a colour and a word, so nothing relies on colour alone
# (plain Unicode shapes: emoji need fonts an air-gapped office may not have)
SYMBOL = {"red": "■", "amber": "▲", "green": "●", "done": "✓", "not_started": "○"}
MARKDOWN_COLOUR = {"red": "red", "amber": "orange", "green": "green", "done": "blue", "not_started": "gray"}


def light_label(light: str, lang: str | None = None) -> str:
    """'▲ gelb': shape and word of a light, for tables and downloads."""
    return f"{SYMBOL[light]} {t(f'light.{light}', lang=lang)}"


def light_markdown(light: str, lang: str | None = None) -> str:
    """The light label coloured for st.markdown."""
    return f":{MARKDOWN_COLOUR[light]}[{light_label(light, lang)}]"


def reasons(row: pd.Series | dict, lang: str | None = None) -> list[str]:
    """Every rule that set the light of one project_status row, the one that decided first."""
    paid, elapsed = fmt.pct(row["paid_pct"], lang), fmt.pct(row["term_elapsed_pct"], lang)
    if row["is_done"]:
        return [t("reason.done", lang=lang, date=fmt.date(row["final_payment_date"], lang))]
    if row["is_not_started"]:
        return [t("reason.not_started", lang=lang, date=fmt.date(row["start_date"], lang))]
    out = []
    report_date = fmt.date(row["last_report_date"], lang)
    overdue = dict(title=row["most_overdue_milestone"], days=fmt.count(row["max_overdue_days"], lang))
    if row["is_report_red"]:
        out.append(t("reason.report_red", lang=lang, date=report_date))
    if row["is_milestone_red"]:
        out.append(t("reason.milestone_red", lang=lang, limit=row["red_overdue_days"], **overdue))
    if row["is_gap_red"]:
        out.append(t("reason.gap_red", lang=lang, paid=paid, elapsed=elapsed, limit=fmt.number(row["red_gap_pct"], 0, lang)))
    elif row["is_gap_amber"]:
        out.append(t("reason.gap_amber", lang=lang, paid=paid, elapsed=elapsed, limit=fmt.number(row["amber_gap_pct"], 0, lang)))
    if row["is_milestone_overdue"] and not row["is_milestone_red"]:
        out.append(t("reason.milestone_amber", lang=lang, count=row["milestones_overdue_count"], **overdue))
    if row["is_report_amber"]:
        out.append(t("reason.report_amber", lang=lang, date=report_date))
    if row["is_report_overdue"]:
        out.append(t("reason.report_overdue", lang=lang, days=fmt.count(row["days_since_report"], lang),
                     limit=row["report_interval_days"]))
    return out or [t("reason.green", lang=lang, paid=paid, elapsed=elapsed)]


def report_state(row: pd.Series | dict, lang: str | None = None) -> str:
    """Whether a project's reporting is current on the Stichtag."""
    if row["is_not_started"]:
        return t("report.not_due", lang=lang)
    if row["is_report_overdue"]:
        return t("report.overdue", lang=lang, days=fmt.count(row["days_since_report"], lang))
    if pd.isna(row["last_report_date"]):
        return t("report.none", lang=lang)
    return t("report.current", lang=lang)


def describe(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """project_status plus light_label, reason (all rules, joined) and report_state for display."""
    out = frame.copy()
    out["light_label"] = [light_label(v, lang) for v in out["light"]]
    out["reason"] = ["; ".join(reasons(r, lang)) for _, r in out.iterrows()]
    out["report_state"] = [report_state(r, lang) for _, r in out.iterrows()]
    out["last_report_label"] = [
        t(f"light.{s}", lang=lang) if isinstance(s, str) else "–" for s in out["last_report_status"]
    ]
    return out
