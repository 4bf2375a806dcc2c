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


def unit(column: str) -> str | None:
    """What a column holds by its name's suffix: per_inhabitant, money, pct, date, count (also _days), or None."""
    if column.endswith("_per_inhabitant_eur"):
        return "per_inhabitant"
    if column.endswith("_eur"):
        return "money"
    if column.endswith("_pct"):
        return "pct"
    if column.endswith("_date"):
        return "date"
    if column.endswith(("_count", "_days")) or column == "population":
        return "count"
    return None


def by_suffix(column: str):
    """The formatter for a column named by convention: _eur, _pct, _count, _date, _days."""
    # amounts per inhabitant are often below 1 €: whole euros would show 0 or 1
    return {"per_inhabitant": per_inhabitant, "money": money, "pct": pct, "date": date, "count": count}.get(
        unit(column))


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


def printf(kind: str | None, decimals: int = 0, lang: str | None = None) -> str | None:
    """The format string for Streamlit's NumberColumn/ProgressColumn (kind as from unit(): money, pct, count, None).

    Streamlit formats such strings with its own sprintf (frontend/lib/formatNumber → sprintf-js, checked in the
    installed 1.67 bundle), independent of the browser's locale: `%'.,.0f` groups thousands with the character
    after the apostrophe, so German whole numbers come out as 1.234.567. Its decimal mark is always "." though:
    for German numbers with decimals there is no format string (None), and the caller writes them as text.
    """
    lang = lang or current_language()
    if lang == "de":
        if decimals:
            return None
        number = "%'.,.0f"
        return {"money": f"{number} €", "pct": f"{number} %%"}.get(kind, number)
    number = f"%,.{decimals}f"
    return {"money": f"€{number}", "pct": f"{number}%%"}.get(kind, number)


def texts(values: pd.Series, kind: str | None, decimals: int, lang: str | None = None) -> pd.Series:
    """Numbers as text in the language's format (missing values stay missing): for the few shown rows only."""
    lang = lang or current_language()
    write = {"money": lambda v: money(v, lang, decimals), "per_inhabitant": lambda v: money(v, lang, decimals),
             "pct": lambda v: pct(v, lang, decimals)}.get(kind, lambda v: number(v, decimals, lang))
    return values.map(lambda v: None if _is_missing(v) else write(v)).astype("string")


def _whole(values: pd.Series, lang: str) -> list[str]:
    # whole numbers with thousands separators, a list comprehension: ~50x faster than a regex per cell
    numbers = values.astype(float).round().fillna(0).astype("int64").tolist()
    if lang == "de":
        return [f"{v:,}".replace(",", ".") for v in numbers]
    return [f"{v:,}" for v in numbers]


def money_column(values: pd.Series, lang: str) -> pd.Series:
    """A whole column as whole euros ('1.234 €' / '€1,234'), for texts built column by column."""
    text = _whole(values, lang)
    if lang == "de":
        return pd.Series([f"{v} €" for v in text], index=values.index, dtype=object)
    return pd.Series([f"-€{v[1:]}" if v.startswith("-") else f"€{v}" for v in text], index=values.index,
                     dtype=object)


def pct_column(values: pd.Series, lang: str) -> pd.Series:
    """A whole column as shares with one decimal ('20,0 %' / '20.0%')."""
    numbers = values.astype(float).round(1).tolist()
    if lang == "de":
        return pd.Series([f"{v:.1f} %".replace(".", ",") for v in numbers], index=values.index, dtype=object)
    return pd.Series([f"{v:.1f}%" for v in numbers], index=values.index, dtype=object)


def date_column(values: pd.Series, lang: str) -> pd.Series:
    """A whole column of dates ('26.08.2020' / '26 Aug 2020'), '–' where missing."""
    text = pd.to_datetime(values).dt.strftime("%d.%m.%Y" if lang == "de" else "%d %b %Y")
    return pd.Series(text.to_numpy(dtype=object), index=values.index, dtype=object).fillna("–")


def count_column(values: pd.Series, lang: str) -> pd.Series:
    """A whole column of whole numbers with thousands separators."""
    return pd.Series(_whole(values, lang), index=values.index, dtype=object)


def plotly_separators(lang: str | None = None) -> str:
    """Plotly's `separators` layout value: decimal then thousands character."""
    return ",." if (lang or current_language()) == "de" else ".,"
