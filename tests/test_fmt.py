"""Money, numbers, shares and dates in German and English."""

import datetime as dt

import pandas as pd

from monitor import fmt


def test_money_german_and_english():
    assert fmt.money(1234567, "de") == "1.234.567 €"
    assert fmt.money(1234567.8, "de", decimals=2) == "1.234.567,80 €"
    assert fmt.money(-67000, "de") == "-67.000 €"
    assert fmt.money(1234567, "en") == "€1,234,567"
    assert fmt.money(-67000, "en") == "-€67,000"
    assert fmt.money(None, "de") == "–"


def test_dates():
    assert fmt.date(dt.date(2020, 8, 26), "de") == "26.08.2020"
    assert fmt.date(pd.Timestamp("2020-08-26"), "de") == "26.08.2020"
    assert fmt.date("2020-08-26", "en") == "26 Aug 2020"
    assert fmt.date(pd.NaT, "de") == "–"


def test_shares_and_counts():
    assert fmt.pct(37.936, "de") == "38 %"
    assert fmt.pct(37.936, "de", decimals=1) == "37,9 %"
    assert fmt.pct(37.936, "en") == "38%"
    assert fmt.count(1234, "de") == "1.234"


def test_format_by_column_suffix():
    assert fmt.value("paid_eur", 330920, "de") == "330.920 €"
    assert fmt.value("paid_pct", 37.9, "de") == "38 %"
    assert fmt.value("report_date", dt.date(2021, 1, 29), "de") == "29.01.2021"
    assert fmt.value("milestones_due_count", 9, "de") == "9"
    assert fmt.value("title", "Smart Region Lab Eutin", "de") == "Smart Region Lab Eutin"


def test_headers_are_translated():
    assert fmt.header("paid_eur", "de") == "Ausgezahlt"
    assert fmt.header("paid_eur", "en") == "Paid"
    assert fmt.header("unknown_column", "de") == "unknown_column"
