"""The projects' results in words: indicator values with their precision, and one line per indicator for the
programme (baseline → target → reported, or plainly that no target was agreed)."""

from __future__ import annotations

import pandas as pd

from monitor import fmt, timeline
from monitor.i18n import current_language, t

STATES = ("missed", "no_value", "open", "reached", "no_target")


def number(value, lang: str) -> str:
    """An indicator value: whole numbers without decimals, others with up to two."""
    if pd.isna(value):
        return "–"
    value = float(value)
    return fmt.number(value, 0 if value.is_integer() else 2, lang)


def value_text(value, qualifier, lang: str | None = None) -> str:
    """'mehr als 200', 'etwa 50', '8' (the precision the source gave: '>', '~', '=')."""
    lang = lang or current_language()
    text = number(value, lang)
    if qualifier == ">":
        return t("fs.ind.more_than", lang=lang, value=text)
    if qualifier == "~":
        return t("fs.ind.about", lang=lang, value=text)
    return text


def state_labels(lang: str | None = None) -> dict[str, str]:
    """target_state -> its words, to map a column without a call per row."""
    return {state: t(f"fs.ind.state.{state}", lang=lang) for state in STATES}


def qualifier_labels(lang: str | None = None) -> dict[str, str]:
    """qualifier ('=', '~', '>') -> its words."""
    return {"=": t("fs.ind.q.exact", lang=lang), "~": t("fs.ind.q.about", lang=lang),
            ">": t("fs.ind.q.more", lang=lang)}


def programme_lines(totals: pd.DataFrame, lang: str | None = None) -> list[str]:
    """One plain line per indicator (indicator_totals: a handful of rows at any programme size)."""
    lang = lang or current_language()
    label_column = "indicator_label_de" if lang == "de" else "indicator_label_en"
    lines = []
    for row in totals.to_dict("records"):
        label = row[label_column]
        if row["target_project_count"]:
            reported = (value_text(row["target_reported_value"], row["target_qualifier"], lang)
                        if row["target_reporting_count"] else t("fs.ind.nothing_reported", lang=lang))
            line = t("fs.ind.targets", lang=lang, label=label, count=fmt.count(row["target_project_count"], lang),
                     projects=timeline.counted("fs.n.projects_target", int(row["target_project_count"]), lang),
                     illustrative=t("fs.ind.illustrative", lang=lang) if row["is_target_illustrative"] else "",
                     baseline=number(row["baseline_value"], lang), target=number(row["target_value"], lang),
                     reported=reported, reporting=fmt.count(row["target_reporting_count"], lang),
                     reached=fmt.count(row["reached_count"], lang))
            untargeted = row["reporting_project_count"] - row["target_reporting_count"]
            if untargeted:
                # the others' sum: all reported minus the targeted projects' (precision: the loosest of all)
                targeted = 0 if pd.isna(row["target_reported_value"]) else row["target_reported_value"]
                rest = row["reported_value"] - targeted
                line += t("fs.ind.untargeted", lang=lang,
                          projects=timeline.counted("fs.n.projects_dat", int(untargeted), lang),
                          reported=value_text(rest, row["qualifier"], lang))
        else:
            line = t("fs.ind.no_target", lang=lang, label=label,
                     reported=value_text(row["reported_value"], row["qualifier"], lang),
                     projects=timeline.counted("fs.n.projects_dat", int(row["reporting_project_count"]), lang),
                     date=fmt.date(row["last_reported_date"], lang))
        lines.append(line + ".")
    return lines
