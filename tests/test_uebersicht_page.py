"""The Übersicht as a user sees it (AppTest), for two Stichtage and both languages."""

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = "pages/uebersicht.py"


def metrics(at):
    return {m.label: m.value for m in at.metric}


def markdown(at):
    return "\n".join(m.value for m in at.markdown)


def test_default_stichtag_is_last_data_date(app):
    at = app(role="leitung", page=PAGE)
    assert not at.exception
    assert at.date_input(key="stichtag").value.isoformat() == "2023-03-31"
    assert metrics(at) == {
        "Budget": "1.000.000 €",
        "Bewilligt": "872.300 €",
        "Ausgezahlt": "792.800 €",
        "Geplant bis Stichtag": "872.300 €",
        "Laufzeit verstrichen": "100 %",
        "Meilensteine erledigt / fällig": "30 / 30",
    }
    text = markdown(at)
    assert "Stadt Flensburg" in text
    assert "80 % ausgezahlt bei 100 % der Laufzeit (Rückstand ab 20 Punkten): gelb" in text


def test_stichtag_30_june_2021_shows_the_programme_as_it_stood(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    assert metrics(at) == {
        "Budget": "1.000.000 €",
        "Bewilligt": "872.300 €",
        "Ausgezahlt": "330.920 €",
        "Geplant bis Stichtag": "397.920 €",
        "Laufzeit verstrichen": "35 %",
        "Meilensteine erledigt / fällig": "7 / 9",
    }
    text = markdown(at)
    assert "Landeshauptstadt Kiel" in text
    assert "Meilenstein „Anforderungsanalyse Datenplattform“ seit 91 Tagen überfällig (Grenze 90 Tage): rot" in text
    assert "Letzter Bericht (29.01.2021) meldet gelb: gelb" in text   # Flensburg


def test_changing_the_stichtag_widget_updates_the_figures(app):
    at = app(role="analyse", page=PAGE)
    at.date_input(key="stichtag").set_value(dt.date(2021, 6, 30)).run()
    assert metrics(at)["Ausgezahlt"] == "330.920 €"


def test_english(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30", lang="en")
    assert not at.exception
    assert at.title[0].value == "Overview"
    values = metrics(at)
    assert values["Paid out"] == "€330,920"
    assert values["Term elapsed"] == "35%"


def test_demo_note_and_local_mode_are_visible():
    # no MONITOR_ROLE and no monitor.toml: local mode, admin, and the page says so
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "Demodaten" in captions
    assert "Lokaler Modus ohne Anmeldung: Rolle „Administration“" in captions
