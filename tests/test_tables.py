"""Tables: raw values with German/English column formats, the first rows of long tables, widths that fit."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from monitor import tables

PAGE = "pages/mittel.py"


def drawn(at, index: int) -> tuple[pd.DataFrame, dict]:
    """A drawn table's values (under their labels) and its column configuration."""
    element = at.dataframe[index]
    config = json.loads(element.proto.columns)
    config.pop("_index", None)  # Streamlit's own entry for the hidden index
    return element.value, config


def fmt_of(config: dict, label: str) -> tuple[str, str | None]:
    return config[label]["type_config"]["type"], config[label]["type_config"].get("format")


def test_german_formats_on_raw_values(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    assert not at.exception
    kreise, config = drawn(at, 0)
    flensburg = kreise.iloc[0]
    # data/demo: Flensburg 90.164 inhabitants, Stadt Flensburg granted 100.000 €, paid 30.000 € by 30.06.2021
    assert (flensburg["Kreis"], flensburg["Einwohner"], flensburg["Bewilligt"], flensburg["Ausgezahlt"]) == (
        "Flensburg", 90_164, 100_000, 30_000)
    assert fmt_of(config, "Bewilligt") == ("number", "%'.,.0f €")      # 100.000 €
    assert fmt_of(config, "Einwohner") == ("number", "%'.,.0f")        # 90.164
    # Streamlit's formats write a decimal point: German amounts with cents are drawn as text
    assert flensburg["Bewilligt je Einwohner"] == "1,11 €"
    assert config["Bewilligt je Einwohner"]["alignment"] == "right"
    recipients, config = drawn(at, 2)
    eutin = recipients.set_index("Zuwendungsempfänger").loc["Stadt Eutin"]
    assert eutin["Ausgezahlt (%)"] == 40.0  # 40.000 of 100.000 €
    assert fmt_of(config, "Ausgezahlt (%)") == ("progress", "%'.,.0f %%")  # 40 %


def test_english_formats(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30", lang="en")
    kreise, config = drawn(at, 0)
    assert fmt_of(config, "Granted") == ("number", "€%,.0f")           # €100,000
    assert fmt_of(config, "Granted per inhabitant") == ("number", "€%,.2f")
    assert kreise.iloc[0]["Granted per inhabitant"] == pytest.approx(100_000 / 90_164)
    _, config = drawn(at, 2)
    assert fmt_of(config, "Paid (%)") == ("progress", "%,.0f%%")       # 40%


def test_dates_and_times_german_and_english():
    frame = pd.DataFrame({"report_date": [dt.date(2021, 1, 29), None],
                          "imported_at": [pd.Timestamp("2021-02-01 09:30"), pd.NaT]})
    german = tables.layout(frame, "de", translate_headers=False)
    assert german.config["report_date"]["type_config"] == {
        "type": "date", "format": "DD.MM.YYYY", "min_value": None, "max_value": None, "step": None}
    assert german.frame["report_date"].iloc[0] == pd.Timestamp("2021-01-29")
    assert german.config["imported_at"]["type_config"]["format"] == "DD.MM.YYYY HH:mm"
    english = tables.layout(frame, "en", translate_headers=False)
    assert english.config["report_date"]["type_config"]["format"] == "D MMM YYYY"   # 29 Jan 2021


def test_other_numbers_ids_and_decimals():
    frame = pd.DataFrame({"rank": [1, 2], "icc": [0.7512, 0.6], "score_mean": [3.0, 4.0], "is_late": [True, False]})
    german = tables.layout(frame, "de", translate_headers=False, decimals={"icc": 2})
    assert german.config["rank"]["type_config"]["format"] == "%d"
    assert german.frame["icc"].tolist() == ["0,75", "0,60"]
    assert german.config["score_mean"]["type_config"]["format"] == "%'.,.0f"  # whole numbers: no decimals
    assert german.config["is_late"]["type_config"]["type"] == "checkbox"
    english = tables.layout(frame, "en", translate_headers=False, decimals={"icc": 2})
    assert english.frame["icc"].tolist() == [0.7512, 0.6]
    assert english.config["icc"]["type_config"]["format"] == "%,.2f"


def test_short_tables_fit_their_rows_long_ones_show_the_first_rows():
    nine = pd.DataFrame({"recipient_name": [f"R{i}" for i in range(9)]})
    assert tables.layout(nine, "de").height == 35 * 10 + 3  # header and 9 rows, no scroll bar inside
    long = pd.DataFrame({"paid_eur": np.arange(12_345, 0, -1)})
    shown = tables.layout(long, "de")
    assert shown.truncated and shown.total_rows == 12_345
    assert shown.frame["Ausgezahlt"].tolist() == list(range(12_345, 12_145, -1))  # the caller's order
    assert shown.height == 35 * 21 + 3


def test_two_million_rows_draw_only_the_first_rows():
    frame = pd.DataFrame({"payment_id": np.arange(2_000_000), "amount_eur": np.ones(2_000_000),
                          "kind": ["abschlag"] * 2_000_000})
    shown = tables.layout(frame, "de", max_rows=200)
    assert len(shown.frame) == 200 and shown.total_rows == 2_000_000


def test_long_table_says_how_many_rows_it_draws():
    def script():
        import numpy as np
        import pandas as pd

        from monitor import tables

        tables.show(pd.DataFrame({"paid_eur": np.arange(12_345)}), "lang")

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 200
    assert [c.value for c in at.caption] == ["erste 200 von 12.345 Zeilen — vollständige Tabelle als Download"]
    # without a role (no page context) nothing technical is offered
    assert sorted(b.key for b in at.get("download_button")) == ["lang_csv", "lang_xlsx"]


def test_wide_tables_get_widths_that_fit_and_say_so(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    _, config = drawn(at, 2)
    widths = [c["width"] for c in config.values()]
    assert len(widths) == 12 and sum(widths) <= 980
    # amounts keep the width of "100.000 €"; a shortened header shows whole on hover
    assert config["Bewilligt"]["width"] >= 7 * 9 + 18
    assert config["Geplant bis Stichtag"]["help"] == "Geplant bis Stichtag"
    assert "12 Spalten: Auf schmaleren Bildschirmen für die rechten seitlich scrollen." in [c.value for c in at.caption]
    narrow = tables.layout(pd.DataFrame({"kreis_name": ["Kiel"], "paid_eur": [17_000.0]}), "de")
    assert all(c["width"] is None for c in narrow.config.values()) and not narrow.too_wide


def test_language_follows_the_switch_from_run_to_run(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    assert at.title[0].value == "Mittel je Kommune"
    at.button_group(key="lang").set_value("en").run()
    assert at.title[0].value == "Funds by municipality"
    assert "Granted" in at.dataframe[0].value.columns


def test_long_texts_wrap_in_taller_rows_where_many_would_be_cut():
    reason = "Im Plan: 40.000 € ausgezahlt, 40.000 € bis 31.05.2021 geplant, nichts überfällig: grün"  # 86 characters
    frame = pd.DataFrame({
        "light_label": ["● grün"] * 9, "recipient_name": ["Kreis Schleswig-Flensburg"] * 9, "reason": [reason] * 9,
        "granted_eur": [100_000.0] * 9, "planned_eur": [40_000.0] * 9, "paid_eur": [40_000.0] * 9,
        "title": ["Digitale Region Kreis Schleswig-Flensburg"] * 9,
    })
    shown = tables.layout(frame, "de")
    widths = {label: c["width"] for label, c in shown.config.items()}
    assert sum(widths.values()) <= 820 and not shown.too_wide
    assert widths["Zuwendungsempfänger"] >= 7 * 19 + 18  # "Schleswig-Flensburg" is never broken
    assert shown.row_height in (70, 90, 110) and shown.height == 35 + 9 * shown.row_height + 3  # no scrolling inside
    # one long text among many short ones stays on one line
    few = frame.assign(reason=["kurz"] * 8 + [reason], recipient_name="Stadt Eutin", title="Titel")
    assert tables.layout(few, "de").row_height is None


def test_a_table_too_wide_even_for_a_large_screen_pins_its_first_column():
    frame = pd.DataFrame({f"amount_{i}_eur": [1_234_567.0] for i in range(14)} | {"recipient_name": ["Stadt Eutin"]})
    shown = tables.layout(frame[["recipient_name"] + [f"amount_{i}_eur" for i in range(14)]], "de")
    assert shown.too_wide and shown.scrolls
    assert shown.config["Zuwendungsempfänger"]["pinned"] is True
