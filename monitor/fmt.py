"""Formatting of money, numbers, shares and dates, German or English, chosen by column suffix."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from monitor.i18n import current_language, t


def _is_missing(value) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value, decimals: int = 0, lang: str | None = None) -> str:
    """1234567.8 -> '1.234.568' (de) or '1,234,568' (en)."""
    if _is_missing(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if (lang or current_language()) == "de":
        text = text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return text


def money(value, lang: str | None = None, decimals: int = 0) -> str:
    """1234567 -> '1.234.567 €' (de) or '€1,234,567' (en)."""
    if _is_missing(value):
        return "–"
    lang = lang or current_language()
    if lang == "de":
        return f"{number(value, decimals, lang)} €"
    sign = "-" if float(value) < 0 else ""
    return f"{sign}€{number(abs(float(value)), decimals, lang)}"


def pct(value, lang: str | None = None, decimals: int = 0) -> str:
    """31.4 -> '31 %' (de) or '31%' (en)."""
    if _is_missing(value):
        return "–"
    lang = lang or current_language()
    text = number(value, decimals, lang)
    return f"{text} %" if lang == "de" else f"{text}%"


def date(value, lang: str | None = None) -> str:
    """2020-08-26 -> '26.08.2020' (de) or '26 Aug 2020' (en)."""
    if _is_missing(value):
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        value = value.date()
    lang = lang or current_language()
    return value.strftime("%d.%m.%Y") if lang == "de" else value.strftime("%d %b %Y")


def count(value, lang: str | None = None) -> str:
    """A whole number with thousands separators."""
    if _is_missing(value):
        return "–"
    return number(round(float(value)), 0, lang)


def per_inhabitant(value, lang: str | None = None) -> str:
    """0.7508 -> '0,75 €' (de) or '€0.75' (en): money per inhabitant, to the cent."""
    return money(value, lang, decimals=2)


def by_suffix(column: str):
    """The formatter for a column named by convention: _eur, _pct, _count, _date, _days."""
    if column.endswith("_per_inhabitant_eur"):
        # amounts per inhabitant are often below 1 €: whole euros would show 0 or 1
        return per_inhabitant
    if column.endswith("_eur"):
        return money
    if column.endswith("_pct"):
        return pct
    if column.endswith("_date"):
        return date
    if column.endswith(("_count", "_days")):
        return count
    return None


def value(column: str, raw, lang: str | None = None) -> str:
    """Format one value by its column's suffix; other values become text."""
    formatter = by_suffix(column)
    if formatter is not None:
        return formatter(raw, lang=lang)
    if _is_missing(raw):
        return "–"
    if isinstance(raw, float) and not math.isnan(raw):
        return number(raw, 1, lang)
    return str(raw)


def header(column: str, lang: str | None = None) -> str:
    """The translated column label (col.<name>), falling back to the column name."""
    return t(f"col.{column}", lang=lang, default=column)


def styled(frame: pd.DataFrame, lang: str | None = None):
    """A Styler that shows German/English formats but keeps numbers sortable; headers translated."""
    lang = lang or current_language()
    formats = {c: (lambda v, c=c: value(c, v, lang)) for c in frame.columns}
    shown = frame.rename(columns={c: header(c, lang) for c in frame.columns})
    formats = {header(c, lang): f for c, f in formats.items()}
    return shown.style.format(formats, na_rep="–")


def plotly_separators(lang: str | None = None) -> str:
    """Plotly's `separators` layout value: decimal then thousands character."""
    return ",." if (lang or current_language()) == "de" else ".,"
