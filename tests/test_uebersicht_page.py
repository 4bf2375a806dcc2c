"""The Übersicht as a user sees it (AppTest), for two Stichtage and both languages."""

import datetime as dt
import json

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
        "Bewilligt": "872.300 €",
        "Ausgezahlt": "792.800 €",
        "Verfallen": "59.500 €",
        "Meilensteine": "30 / 30",
    }
    assert at.header[0].value == "Braucht jetzt eine Entscheidung"
    # the attention list: Kiel closed with lapsed funds first, then Flensburg, each with reason and money
    text = markdown(at)
    assert ":violet[◆ abgeschlossen, Mittel verfallen] · Landeshauptstadt Kiel**" in text
    assert "Schlusszahlung am 20\\.10\\.2022\\: 59\\.500 € von 85\\.000 € nicht abgerufen und verfallen" in text
    assert ":gray[Verfallen: 59.500 € von 85.000 €]" in text
    assert ":gray[Überfällig: 20.000 € · ausgezahlt 80.000 € von 100.000 €]" in text
    assert text.index("Landeshauptstadt Kiel") < text.index("Stadt Flensburg")


def test_stichtag_30_june_2021_shows_the_programme_as_it_stood(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    assert metrics(at) == {
        "Bewilligt": "872.300 €",
        "Ausgezahlt": "330.920 €",
        "Verfallen": "0 €",
        "Meilensteine": "7 / 9",
    }
    captions = [c.value for c in at.main.caption]
    assert captions[0] == ("Wettbewerb Digitale Modellkommunen Schleswig\\-Holstein · Stand am Stichtag 30.06.2021 · "
                           "35 % der Laufzeit verstrichen (01.09.2020 bis 31.12.2022)")
    # each key figure's context line, in order: granted, paid, lapsed, milestones
    assert captions[1:5] == [
        "9 Projekte · 87 % von 1.000.000 € Budget",
        "38 % der Bewilligung · geplant bis Stichtag 397.920 €",
        "weitere 27.000 € gefährdet",
        "erledigt / fällig · 1 überfällig · 30 insgesamt",
    ]
    text = markdown(at)
    assert ":red[■ rot] **1** · :orange[▲ gelb] **1** · :green[● grün] **7**" in text
    assert "Landeshauptstadt Kiel" in text
    assert ("Meilenstein „Anforderungsanalyse Datenplattform“ seit 91 Tagen überfällig "
            "\\(Grenze 90 Tage\\)\\: rot") in text
    assert "Letzter Bericht \\(29\\.01\\.2021\\) meldet gelb\\: gelb" in text   # Flensburg


def test_stichtag_after_the_last_data_date_says_so_and_shows_overdue_reports(app):
    at = app(role="leitung", page=PAGE, stichtag="2023-12-01")
    assert not at.exception
    assert at.date_input(key="stichtag").value.isoformat() == "2023-12-01"
    assert [i.value for i in at.info] == [
        "Keine Daten nach dem 31.03.2023: Zahlungen, Meilensteine und Berichte nach diesem Tag sind noch nicht "
        "erfasst. Was bis zum 01.12.2023 fällig war und fehlt, gilt als überfällig."
    ]
    assert [w.value for w in at.warning] == ["Überfällige Berichte (1): Stadt Flensburg"]
    assert "Kein Bericht seit 245 Tagen \\(erwartet alle 200 Tage\\)\\: gelb" in markdown(at)


def test_an_invalid_stichtag_in_the_link_gets_a_notice_naming_the_date_used(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-13-45")
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Der Stichtag „2021-13-45“ aus dem Link ist kein gültiges Datum (erwartet JJJJ-MM-TT). "
        "Gezeigt wird der 31.03.2023."
    ]
    far = app(role="leitung", page=PAGE, stichtag="2031-01-01")
    assert [w.value for w in far.warning] == [
        "Der Stichtag 01.01.2031 aus dem Link liegt außerhalb des möglichen Zeitraums (20.12.2019 bis 31.12.2023). "
        "Gezeigt wird der 31.03.2023."
    ]


def test_before_any_decision_the_page_names_the_first_decision_date(app):
    at = app(role="leitung", page=PAGE, stichtag="2020-01-01")
    assert not at.exception
    assert [i.value for i in at.info] == [
        "Zu diesem Stichtag gibt es noch keine geförderten Projekte (erste Förderentscheidung am 08.09.2020)."
    ]


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
    assert values["Lapsed"] == "€0"
    assert at.header[0].value == "Needs a decision now"


def test_demo_note_and_local_mode_are_visible():
    # no MONITOR_ROLE and no monitor.toml: local mode, admin, and the page says so
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "Demodaten" in captions
    assert "Lokaler Modus ohne Anmeldung: Rolle „Administration“" in captions


def test_every_table_naming_a_recipient_links_to_its_profile(app):
    # issue 16: the light table, the next milestones and the reports each carry a "Profil" link column with the
    # recipient's address on the page's programme, Stichtag and language (monitor/profile.py)
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    assert not at.exception
    lights, pace, milestones, reports = (frame.value for frame in at.dataframe)
    kiel = "profil?empfaenger=kiel&programm=dmk-sh&stichtag=2021-06-30&lang=de"
    assert lights.columns.tolist()[:4] == ["Ampel", "Zuwendungsempfänger", "Profil", "Begründung"]
    assert (lights["Zuwendungsempfänger"].iloc[0], lights["Profil"].iloc[0]) == ("Landeshauptstadt Kiel", kiel)
    assert "Profil" not in pace.columns
    # M-04-1, Kiel's milestone of 31.03.2021, is the first still open, 91 days overdue
    assert (milestones["Zuwendungsempfänger"].iloc[0], milestones["Profil"].iloc[0]) == ("Landeshauptstadt Kiel", kiel)
    assert dict(zip(reports["Zuwendungsempfänger"], reports["Profil"]))["Stadt Nortorf und Nortorfer Land"] == (
        "profil?empfaenger=nortorf&programm=dmk-sh&stichtag=2021-06-30&lang=de")
    # the column is a link whose cell says "öffnen" (monitor/tables.py: a LinkColumn)
    link = json.loads(at.dataframe[0].proto.columns)["Profil"]["type_config"]
    assert link == {"type": "link", "display_text": "öffnen"}
