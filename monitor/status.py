"""The traffic light of a project in words: every rule that fired, worst first, with the numbers it compared."""

from __future__ import annotations

from string import Formatter

import numpy as np
import pandas as pd
import streamlit as st

from monitor import fmt, queries as q
from monitor.db import Database, database_path
from monitor.i18n import current_language, t

# a shape per light as well as a colour and a word, so nothing relies on colour alone
# (plain Unicode shapes: emoji need fonts an air-gapped office may not have)
SYMBOL = {"red": "■", "lapsed": "◆", "amber": "▲", "green": "●", "done": "✓", "not_started": "○"}
MARKDOWN_COLOUR = {"red": "red", "lapsed": "violet", "amber": "orange", "green": "green", "done": "blue",
                   "not_started": "gray"}
# worst first, as project_state ranks them (monitor/relations.sql)
ORDER = ("red", "lapsed", "amber", "green", "not_started", "done")
# lights that ask for a decision: the Übersicht's attention list and the briefing
ATTENTION = ("red", "lapsed", "amber")


def light_label(light: str, lang: str | None = None) -> str:
    """'▲ gelb': shape and word of a light, for tables and downloads."""
    return f"{SYMBOL[light]} {t(f'light.{light}', lang=lang)}"


def light_markdown(light: str, lang: str | None = None) -> str:
    """The light label coloured for st.markdown (the label is ours, never user text)."""
    return f":{MARKDOWN_COLOUR[light]}[{light_label(light, lang)}]"


SEPARATOR = "\x1f"  # joins the reasons of one project internally; no reason text contains it


def reasons(row: pd.Series | dict) -> list[str]:
    """Every rule that set the light of one described row (see describe), the one that decided first."""
    return str(row["reason_parts"]).split(SEPARATOR)


def _fill(template: str, index: pd.Index, **columns) -> pd.Series:
    """A text template filled column-wise: {name} takes the value of columns[name] in each row."""
    out = pd.Series("", index=index, dtype=object)
    for literal, field, _, _ in Formatter().parse(template):
        out = out + literal
        if field is not None:
            value = columns[field]
            out = out + (value.astype(str) if isinstance(value, pd.Series) else str(value))
    return out


def _reasons(frame: pd.DataFrame, lang: str) -> pd.Series:
    """The reason column: the same words as reasons(), built column by column."""
    index = frame.index
    parts: list[tuple[np.ndarray, pd.Series]] = []

    def add(mask, key, **columns):
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            parts.append((mask, _fill(t(key, lang=lang), index, **columns)))

    light = frame["light"]
    final = fmt.date_column(frame["final_payment_date"], lang)
    add(light == "lapsed", "reason.lapsed", date=final, lapsed=fmt.money_column(frame["lapsed_eur"], lang),
        granted=fmt.money_column(frame["granted_eur"], lang))
    add(light == "done", "reason.done", date=final)
    add(light == "not_started", "reason.not_started", date=fmt.date_column(frame["start_date"], lang))
    open_ = light.isin(["red", "amber", "green"]).to_numpy()
    values = dict(paid=fmt.money_column(frame["paid_eur"], lang),
                  planned=fmt.money_column(frame["planned_due_eur"], lang),
                  granted=fmt.money_column(frame["granted_eur"], lang),
                  lag=fmt.pct_column(frame["lag_pct"].fillna(0), lang),
                  due=fmt.date_column(frame["due_date"], lang))
    report_date = fmt.date_column(frame["last_report_date"], lang)
    overdue = dict(title=frame["most_overdue_milestone"].fillna("–"),
                   days=fmt.count_column(frame["max_overdue_days"], lang))
    flag = {name: frame[name].fillna(False).to_numpy(bool) & open_ for name in (
        "is_report_red", "is_milestone_red", "is_lag_red", "is_lag_amber", "is_milestone_overdue",
        "is_report_amber", "is_report_overdue")}
    def limit(column: str) -> pd.Series:  # thresholds are whole numbers: "40 %", not "40,0 %"
        return fmt.pct_column(frame[column], lang).str.replace(",0 %", " %", regex=False).str.replace(
            ".0%", "%", regex=False)
    add(flag["is_report_red"], "reason.report_red", date=report_date)
    add(flag["is_milestone_red"], "reason.milestone_red", limit=frame["red_overdue_days"], **overdue)
    add(flag["is_lag_red"], "reason.lag_red", limit=limit("red_gap_pct"), **values)
    add(flag["is_lag_amber"] & ~flag["is_lag_red"], "reason.lag_amber", limit=limit("amber_gap_pct"), **values)
    amber_milestone = flag["is_milestone_overdue"] & ~flag["is_milestone_red"]
    one = frame["milestones_overdue_count"].to_numpy() == 1
    add(amber_milestone & one, "reason.milestone_amber_one", **overdue)
    add(amber_milestone & ~one, "reason.milestone_amber", count=frame["milestones_overdue_count"], **overdue)
    add(flag["is_report_amber"], "reason.report_amber", date=report_date)
    add(flag["is_report_overdue"], "reason.report_overdue", days=fmt.count_column(frame["days_since_report"], lang),
        limit=frame["report_interval_days"])
    out = np.full(len(frame), "", dtype=object)
    for mask, text in parts:
        text = text.to_numpy(dtype=object)
        out = np.where(mask, np.where(out == "", text, out + SEPARATOR + text), out)
    no_plan = frame["planned_until_date"].isna().to_numpy()
    green = open_ & (out == "")
    if green.any():
        no_plan_text = _fill(t("reason.green_no_plan", lang=lang), index, **values).to_numpy(object)
        out = np.where(green & no_plan, no_plan_text, out)
        out = np.where(green & ~no_plan, _fill(t("reason.green", lang=lang), index, **values).to_numpy(object), out)
    return pd.Series(out, index=index, dtype=object)


def describe(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """project_status plus light_label, reason (all rules, joined) and report_state, column by column."""
    lang = lang or current_language()
    out = frame.copy()
    if out.empty:
        for column in ("light_label", "reason_parts", "reason", "report_state", "last_report_label"):
            out[column] = pd.Series(dtype=object)
        return out
    out["light_label"] = out["light"].map({light: light_label(light, lang) for light in SYMBOL})
    out["reason_parts"] = _reasons(out, lang)
    out["reason"] = out["reason_parts"].str.replace(SEPARATOR, "; ", regex=False)
    state = np.select(
        [out["is_not_started"].to_numpy(bool), out["is_report_overdue"].to_numpy(bool),
         out["last_report_date"].isna().to_numpy(), out["is_closed"].to_numpy(bool)],
        ["not_due", "overdue", "none", "closed"], default="current")
    overdue_text = _fill(t("report.overdue", lang=lang), out.index,
                         days=fmt.count_column(out["days_since_report"], lang))
    words = {key: t(f"report.{key}", lang=lang) for key in ("not_due", "none", "closed", "current")}
    out["report_state"] = np.where(state == "overdue", overdue_text.to_numpy(object),
                                   pd.Series(state).map(words).to_numpy(object))
    words = {s: t(f"light.{s}", lang=lang) for s in ("green", "amber", "red")}
    out["last_report_label"] = out["last_report_status"].map(words).fillna("–")
    return out


@st.cache_data(show_spinner=False, max_entries=16)
def _described(params: tuple, lang: str, path: str, version: int) -> pd.DataFrame:
    # path and version are part of the key only: a write bumps the version and the text is built anew
    return describe(q.run("project_status", **dict(params)), lang)


def projects(params: dict, lang: str | None = None) -> pd.DataFrame:
    """project_status described (light label, reason, report state), built once per Stichtag, language and data
    version for all sessions: at 90,000 projects the text takes seconds, the cache hit nothing."""
    path = database_path().resolve()
    return _described(tuple(sorted(params.items())), lang or current_language(), str(path), Database.version(path))


def counts(frame: pd.DataFrame) -> dict[str, int]:
    """Projects per light, worst first, only the lights that occur."""
    found = frame["light"].value_counts()
    return {light: int(found[light]) for light in ORDER if found.get(light, 0)}


def attention(frame: pd.DataFrame) -> pd.DataFrame:
    """The projects that need a decision (red, closed with lapsed money, amber), worst first."""
    return frame[np.isin(frame["light"], ATTENTION)]
