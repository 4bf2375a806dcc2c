"""A second programme beside the demo: "EFRE-Testprogramm Schleswig-Holstein" (tests/programmes.py), without a
competition, goals, payment plan, milestones or reports, its amounts total eligible expenditure.

Every page runs for it, chosen by ?programm=efre-test, and says what it has and what it lacks; the demo programme's
pages show exactly what they show alone. Expected figures are worked out by hand from tests/programmes.py:
on 31.12.2022 E1–E7 are decided (E8 on 10.01.2023): 1.250.000 + 480.000 + 2.100.000 + 860.000 + 3.400.000
+ 1.150.000 + 740.000 = 9.980.000 € of a 12.000.000 € budget (83 %); with payments 300.000 + 200.000 + 430.000 =
930.000 € paid by then (9 %). Per inhabitant Lübeck leads: 3.400.000 € / 216.530 = 15,70 €.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from monitor import amounts, briefing, export, queries as q, status
from monitor.context import Context
from tests import (
    test_briefing as demo_briefing,
    test_mittel as demo_mittel,
    test_status_rule as demo_rule,
    test_uebersicht_page as demo_overview,
)
from tests.programmes import NAME_DE, PROGRAMME_ID

EFRE = dict(programm=PROGRAMME_ID, stichtag="2022-12-31")
ELIGIBLE = "Förderfähige Gesamtausgaben"


@pytest.fixture
def two_programmes(_isolation, two_programme_db, monkeypatch):
    """The demo and the EFRE test programme (no payments) in one database."""
    monkeypatch.setenv("MONITOR_DB", str(two_programme_db))


@pytest.fixture
def with_payments(_isolation, two_programme_paid_db, monkeypatch):
    """As two_programmes, with four EFRE payments (still no payment plan)."""
    monkeypatch.setenv("MONITOR_DB", str(two_programme_paid_db))


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def frame_with(at, column: str):
    """The first table on the page that has the column."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


# --- the sidebar: both programmes, the choice kept in the URL ---------------------------------------------------------


def test_both_programmes_are_offered_and_the_demo_stays_the_default(app, two_programmes):
    at = app(role="leitung", page="pages/uebersicht.py")
    box = at.sidebar.selectbox(key="programm")
    assert box.options == ["Wettbewerb Digitale Modellkommunen Schleswig-Holstein", NAME_DE]
    assert box.value == "dmk-sh"


def test_the_programme_in_the_link_is_chosen(app, two_programmes):
    chosen = app(role="leitung", page="pages/uebersicht.py", **EFRE)
    assert chosen.sidebar.selectbox(key="programm").value == PROGRAMME_ID
    assert chosen.title[0].value == "Übersicht"


# --- every page for the programme without a competition, plan or payments ------------------------------------------


@pytest.mark.parametrize("page", ["uebersicht", "mittel", "ziele", "fortschritt", "bewerbungen", "explorer",
                                  "netzwerk", "daten"])
def test_every_page_runs_for_the_second_programme(app, two_programmes, page):
    at = app(role="admin", page=f"pages/{page}.py", **EFRE)
    assert not at.exception, [e.message for e in at.exception]
    assert at.sidebar.selectbox(key="programm").value == PROGRAMME_ID


def test_overview_names_eligible_expenditure_and_judges_no_lag_without_a_plan(app, two_programmes):
    at = app(role="leitung", page="pages/uebersicht.py", **EFRE)
    assert metrics(at) == {ELIGIBLE: "9.980.000 €", "Ausgezahlt": "0 €", "Verfallen": "0 €", "Meilensteine": "0 / 0"}
    assert "7 Projekte · 83 % von 12.000.000 € Budget" in captions(at)
    assert "0 % der förderfähigen Gesamtausgaben · geplant bis Stichtag 0 €" in captions(at)
    assert ("Die Beträge dieses Programms sind förderfähige Gesamtausgaben (Liste der Vorhaben), nicht die Zuwendung."
            in captions(at))
    # no plan, no reports kept: nobody is behind a plan or owes a report, all seven are green
    assert at.markdown[0].value == ":green[● grün] **7**"
    assert at.success[0].value == ("Am Stichtag braucht kein Projekt eine Entscheidung: "
                                   "nichts ist rot, gelb oder verfallen.")
    assert ("Für dieses Programm sind keine Fortschrittsberichte erfasst: "
            "Die Ampel verlangt daher keine.") in captions(at)
    assert any(c.startswith("Für dieses Programm ist kein Zahlungsplan hinterlegt") for c in captions(at))
    lights = frame_with(at, ELIGIBLE)
    assert "Bewilligt" not in lights.columns
    assert len(lights) == 7 and lights[ELIGIBLE].sum() == 9_980_000
    assert set(lights["Begründung"]) == {"0 € ausgezahlt, kein Zahlungsplan hinterlegt, nichts überfällig: grün"}


def test_light_without_plan_or_reports_is_green_on_every_day(two_programmes):
    # four projects ran longer than the 365-day report interval by 31.12.2022: a programme without reports owes none
    frame = q.run("project_status", programme_id=PROGRAMME_ID, as_of=dt.date(2022, 12, 31)).set_index("project_id")
    assert frame["light"].to_dict() == {f"E{i}": "green" for i in range(1, 8)}
    assert not frame["is_report_overdue"].any() and not frame["is_lag_red"].any()
    assert frame["lag_pct"].max() == 0 and frame["at_risk_eur"].sum() == 0


def test_funds_page_in_eligible_expenditure_with_other_beneficiaries(app, two_programmes):
    at = app(role="leitung", page="pages/mittel.py", **EFRE)
    # the Mittel page's own figures (the totals are the Übersicht's): six beneficiaries of E1-E7 (Itzehoe twice),
    # median of 0,74 / 0,86 / 1,15 / 1,73 / 2,1 / 3,4 million € = (1.150.000 + 1.730.000) / 2
    assert metrics(at) == {"Zuwendungsempfänger": "6", "Median je Zuwendungsempfänger": "1.440.000 €",
                           "Meiste Mittel je Einwohner": "Lübeck"}
    assert at.metric[2].proto.delta == "15,70 € je Einwohner · 3.400.000 € förderfähige Gesamtausgaben"
    recipients = at.dataframe[-1].value   # the last table: per recipient
    assert recipients.columns.tolist()[:5] == ["Zuwendungsempfänger", "Profil", "Art", "Kreis", ELIGIBLE]
    assert "Bewilligt" not in recipients.columns and f"{ELIGIBLE} je Einwohner" in recipients.columns
    by_name = recipients.set_index("Zuwendungsempfänger")
    assert by_name.loc["Innovationszentrum Itzehoe Test GmbH", ["Art", "Kreis", ELIGIBLE]].tolist() == [
        "Sonstige Begünstigte", "Steinburg", 1_730_000]
    assert by_name.loc["Stadt Husum", "Art"] == "Stadt"
    # the map says the same: hovers, colour scale and size legend name eligible expenditure, never the grant
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if "Kreis" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    hovers = [text for trace in spec["data"] for text in (trace.get("text") or []) if isinstance(text, str)]
    assert any("<br>Förderfähige Gesamtausgaben: 3.400.000 €<br>" in text for text in hovers)
    assert not any("Bewilligt" in text or "bewilligt" in text for text in hovers)
    assert spec["data"][0]["colorbar"]["title"]["text"].startswith("Förderfähige Gesamtausgaben<br>")
    notes = [a["text"] for a in spec["layout"]["annotations"]]
    assert "Förderfähige Gesamtausgaben je Empfänger (Kreisfläche):" in notes
    assert (by_name["Art"] == "Sonstige Begünstigte").sum() == 4
    bars = json.loads(at.get("plotly_chart")[-1].proto.spec)
    # bullets: the amount as the wide bar, the plan as its outline, what was paid as the narrow bar inside
    assert sorted(trace["name"] for trace in bars["data"]) == sorted(["Ausgezahlt", "Geplant bis Stichtag", ELIGIBLE])
    assert bars["layout"]["title"]["text"].startswith("Förderfähige Gesamtausgaben, geplant bis Stichtag")


def test_applications_page_says_there_are_no_application_data(app, two_programmes):
    at = app(role="jury", page="pages/bewerbungen.py", **EFRE)
    assert not at.exception
    assert [i.value for i in at.info] == ["Für dieses Programm liegen keine Bewerbungsdaten vor."]
    assert not at.tabs and not at.get("plotly_chart")


def test_goals_page_says_there_are_no_goals(app, two_programmes):
    at = app(role="leitung", page="pages/ziele.py", **EFRE)
    assert [i.value for i in at.info] == [
        "Für dieses Programm sind keine Ziele hinterlegt, die Projekte sind also keinem Ziel zugeordnet. "
        "Nach Themen verbunden zeigt die Projekte die Seite Netzwerk."]
    assert not at.get("plotly_chart")


def test_progress_page_says_there_is_no_plan(app, two_programmes):
    at = app(role="leitung", page="pages/fortschritt.py", **EFRE)
    assert not at.exception
    assert at.info[0].value.startswith("Für dieses Programm ist kein Zahlungsplan hinterlegt")
    assert metrics(at) == {"Geplant bis Stichtag": "0 €", "Ausgezahlt bis Stichtag": "0 €",
                           "Gefährdet (Prognose)": "0 €", "Bereits verfallen": "0 €"}
    assert "0 % der förderfähigen Gesamtausgaben von 9.980.000 €" in captions(at)


def test_network_links_by_theme_and_names_eligible_expenditure(app, two_programmes):
    at = app(role="leitung", page="pages/netzwerk.py", **EFRE)
    assert not at.exception
    nodes = frame_with(at, ELIGIBLE)
    assert len(nodes) == 6 and nodes[ELIGIBLE].sum() == 9_980_000
    assert any(c.startswith("Punktgröße: förderfähige Gesamtausgaben") for c in captions(at))
    hovers = [text for chart in at.get("plotly_chart") for trace in json.loads(chart.proto.spec)["data"]
              for text in (trace.get("hovertext") or []) if "Kreis" in text]
    assert hovers and all("<br>Förderfähige Gesamtausgaben: " in text and "Zuwendung" not in text for text in hovers)


def test_english_labels(app, two_programmes):
    at = app(role="leitung", page="pages/mittel.py", lang="en", **EFRE)
    assert metrics(at)["Median per recipient"] == "€1,440,000"
    recipients = at.dataframe[-1].value
    assert "Other beneficiary" in set(recipients["Kind"]) and "Total eligible expenditure" in recipients.columns


# --- payments but no plan ---------------------------------------------------------------------------------------------


def test_payments_without_a_plan(app, with_payments):
    at = app(role="leitung", page="pages/uebersicht.py", **EFRE)
    assert metrics(at)["Ausgezahlt"] == "930.000 €"
    assert "9 % der förderfähigen Gesamtausgaben · geplant bis Stichtag 0 €" in captions(at)
    frame = status.describe(q.run("project_status", programme_id=PROGRAMME_ID, as_of=dt.date(2022, 12, 31)), "de")
    by_id = frame.set_index("project_id")
    assert by_id.loc["E1", "reason"] == "500.000 € ausgezahlt, kein Zahlungsplan hinterlegt, nichts überfällig: grün"
    assert by_id.loc["E4", "reason"] == "430.000 € ausgezahlt, kein Zahlungsplan hinterlegt, nichts überfällig: grün"
    assert set(by_id["light"]) == {"green"}
    # a year later: E2's final payment (the whole 480.000 €) closes it; E8 is decided
    later = app(role="leitung", page="pages/uebersicht.py", programm=PROGRAMME_ID, stichtag="2023-12-31")
    assert metrics(later)[ELIGIBLE] == "10.305.000 €"
    assert metrics(later)["Ausgezahlt"] == "1.410.000 €"
    assert later.markdown[0].value == ":green[● grün] **7** · :blue[✓ abgeschlossen] **1**"
    progress = app(role="leitung", page="pages/fortschritt.py", **EFRE)
    assert metrics(progress)["Ausgezahlt bis Stichtag"] == "930.000 €"
    assert "9 % der förderfähigen Gesamtausgaben von 9.980.000 €" in captions(progress)


# --- the briefing and the downloads ----------------------------------------------------------------------------------


def _context(lang: str = "de") -> Context:
    programme = q.run("programmes").set_index("programme_id").loc[PROGRAMME_ID].to_dict()
    day = dt.date(2022, 12, 31)
    return Context(PROGRAMME_ID, programme, day, day, day, lang, "leitung", True)


def test_briefing_names_eligible_expenditure(with_payments):
    _, text = demo_briefing.read(briefing.pdf_bytes(_context(), demo_briefing.CREATED))
    assert NAME_DE in text
    assert "Budget 12.000.000 € 2.020.000 € noch nicht gebunden" in text
    assert "Förderfähige Gesamtausgaben 9.980.000 € 7 Projekte · 83 % des Budgets" in text
    assert "Ausgezahlt 930.000 € 9 % der förderfähigen Gesamtausgaben" in text
    assert "Bewilligt" not in text and "Bewilligung" not in text
    _, english = demo_briefing.read(briefing.pdf_bytes(_context("en"), demo_briefing.CREATED))
    assert "Total eligible expenditure €9,980,000" in english and "Granted" not in english


def test_downloads_name_eligible_expenditure(two_programmes):
    ctx = _context()
    frame = status.describe(q.run("project_status", **ctx.params()), "de")
    shown = amounts.frame(frame[["title", "granted_eur"]], ctx.programme)
    header = export.csv_bytes(shown, "de").decode("utf-8-sig").splitlines()[0]
    assert header == f"Titel;{ELIGIBLE}"


# --- the demo programme beside the second one: exactly as alone -------------------------------------------------


def test_demo_overview_unchanged(app, two_programmes):
    demo_overview.test_default_stichtag_is_last_data_date(app)
    demo_overview.test_stichtag_30_june_2021_shows_the_programme_as_it_stood(app)


def test_demo_funds_tables_unchanged(app, two_programmes):
    demo_mittel.test_tables_per_kreis_and_recipient(app)


def test_demo_briefing_unchanged(two_programmes):
    demo_briefing.test_briefing_on_30_06_2021_shows_what_a_leader_reads()


@pytest.mark.parametrize("day", ["2021-06-30", "2022-01-31", "2023-03-31"])
def test_demo_lights_unchanged(two_programmes, day):
    assert demo_rule.lights(dt.date.fromisoformat(day)) == demo_rule.LIGHTS[day]
