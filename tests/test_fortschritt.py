"""Fortschritt: the term's time axis, payments, milestones, progress, light history and lapse forecast.

Expected figures are worked out by hand from data/demo/*.csv; the arithmetic is in the comments.
"""

import datetime as dt
import json

import pandas as pd
import pytest

from monitor import auth
from monitor import queries as q

PROGRAMME = "dmk-sh"
PAGE = "pages/fortschritt.py"
JUNE_2021 = dt.date(2021, 6, 30)
LAST_DAY = dt.date(2023, 3, 31)


def run(name, as_of, **params):
    return q.run(name, programme_id=PROGRAMME, as_of=as_of, **params)


def forecast(as_of):
    return run("lapse_forecast", as_of).set_index("project_id")


# --- time axis and cumulative payments ----------------------------------------------------------------------------

def test_time_axis_runs_from_the_decision_to_the_last_planned_payment():
    span = run("term_span", JUNE_2021).iloc[0]
    # programme decision 26.08.2020; the last planned payment is DM-07's final one on 28.02.2023
    assert pd.Timestamp(span["axis_start_date"]).date() == dt.date(2020, 8, 26)
    assert pd.Timestamp(span["axis_end_date"]).date() == dt.date(2023, 2, 28)
    # a later Stichtag stretches the axis so its line stays visible
    assert pd.Timestamp(run("term_span", LAST_DAY).iloc[0]["axis_end_date"]).date() == LAST_DAY


def test_cumulative_payments_of_the_programme():
    frame = run("payments_cumulative", JUNE_2021, applicant_id="").set_index("timeline_date")
    frame.index = [pd.Timestamp(d).date() for d in frame.index]
    # paid by 20.01.2021: Z-0001..Z-0006 = 40.000+40.000+39.000+40.000+40.000+30.000
    assert frame.loc[dt.date(2021, 1, 20), "cum_paid_eur"] == 229_000
    # planned by 15.11.2020: 40.000 (DM-01) + 40.000 (DM-02) + 39.000 (DM-07) on 15.10.,
    # then 34.000 (DM-04) + 40.000 (DM-05) + 40.000 (DM-06) on 15.11.
    assert frame.loc[dt.date(2020, 11, 15), "cum_planned_eur"] == 233_000
    # on the Stichtag: planned 397.920 (all first instalments + DM-02's second), paid Z-0001..Z-0009 = 330.920
    assert frame.loc[JUNE_2021, ["cum_planned_eur", "cum_paid_eur"]].tolist() == [397_920, 330_920]
    assert frame.loc[JUNE_2021, "is_stichtag"]
    # the plan runs on over the whole term, payments stop at the Stichtag
    assert frame["cum_planned_eur"].iloc[-1] == 872_300
    assert frame.loc[frame.index > JUNE_2021, "cum_paid_eur"].isna().all()
    assert frame.index[0] == dt.date(2020, 8, 26) and frame["cum_planned_eur"].iloc[0] == 0


def test_cumulative_payments_of_one_recipient():
    frame = run("payments_cumulative", JUNE_2021, applicant_id="kiel").set_index("timeline_date")
    frame.index = [pd.Timestamp(d).date() for d in frame.index]
    # DM-04: planned 34.000 on 15.11.2020, paid 17.000 on 10.02.2021
    assert frame.loc[JUNE_2021, ["cum_planned_eur", "cum_paid_eur"]].tolist() == [34_000, 17_000]
    assert frame["cum_planned_eur"].iloc[-1] == 85_000


# --- milestones and progress ---------------------------------------------------------------------------------------

def test_milestones_on_30_june_2021():
    frame = run("milestone_timeline", JUNE_2021).set_index("milestone_id")
    states = frame["milestone_state"].value_counts().to_dict()
    # done by then: M-01-1, M-02-1, M-02-2, M-03-1, M-05-1, M-06-1, M-09-1; late: M-01-1 (8 days), M-02-2 (1),
    # M-03-1 (5), M-05-1 (40); open past its date: M-04-1 (planned 31.03.2021)
    assert states == {"open": 22, "done_late": 4, "done_on_time": 3, "overdue": 1}
    assert frame.loc["M-05-1", "days_late_days"] == 40
    assert frame.loc["M-04-1", "days_late_days"] == 91  # 31.03. -> 30.06.2021
    # M-08-1 was done on 15.07.2021: after the Stichtag, so still open then
    assert pd.isna(frame.loc["M-08-1", "done_date"]) and frame.loc["M-08-1", "milestone_state"] == "open"


def test_progress_reports_follow_the_stichtag():
    assert len(run("progress_history", JUNE_2021)) == 7          # the seven reports of 29.01.2021
    frame = run("progress_history", dt.date(2022, 1, 31))
    # 3+3+2+3+3+3+3+3+2 reports by 31.01.2022
    assert len(frame) == 25
    kiel = frame[frame["project_id"] == "DM-04"]
    assert kiel["progress_pct"].tolist() == [5, 15, 35]
    assert kiel["report_status"].tolist() == ["green", "amber", "amber"]


# --- the traffic-light history ---------------------------------------------------------------------------------------

def test_light_history_of_kiel():
    frame = run("project_status_history", JUNE_2021)
    kiel = frame[frame["project_id"] == "DM-04"]
    assert [pd.Timestamp(d).date().isoformat() for d in kiel["status_date"]][:2] == ["2020-09-30", "2020-10-31"]
    # start 01.10.2020: not started on 30.09.; green while on plan; milestone M-04-1 (31.03.2021) open:
    # overdue 30 and 61 days (amber) on 30.04./31.05., 91 days > 90 on 30.06.2021 (red)
    assert kiel["light"].tolist() == [
        "not_started", "green", "green", "green", "green", "green", "green", "amber", "amber", "red"]


def test_light_history_of_rendsburg():
    frame = run("project_status_history", JUNE_2021)
    lights = frame[frame["project_id"] == "DM-03"]["light"].tolist()
    # start 01.04.2021; on 31.05. 60 of 274 days (21,9 %) elapsed, nothing paid: lag >= 20 points (amber);
    # 45.000 of 90.000 paid on 02.06.: green on 30.06.
    assert lights[-3:] == ["green", "amber", "green"]
    assert lights[:7] == ["not_started"] * 7


@pytest.mark.parametrize("as_of", [dt.date(2020, 12, 15), JUNE_2021, dt.date(2022, 2, 14), dt.date(2022, 8, 15), LAST_DAY])
def test_light_history_ends_with_the_lights_of_project_status(as_of):
    # the history evaluates the same rule as project_status: its last day (the Stichtag) must agree
    history = run("project_status_history", as_of)
    last = history[history["is_stichtag"]]
    assert (pd.to_datetime(last["status_date"]).dt.date == as_of).all()
    status = run("project_status", as_of)
    assert dict(zip(last["project_id"], last["light"])) == dict(zip(status["project_id"], status["light"]))


# --- the lapse forecast ----------------------------------------------------------------------------------------------

def test_lapse_forecast_of_kiel_on_30_june_2021():
    row = forecast(JUNE_2021).loc["DM-04"]
    # start 01.10.2020 -> 30.06.2021 = 272 days; 17.000 € paid -> 62,50 € per day
    assert row["elapsed_days"] == 272
    assert row["daily_rate_eur"] == pytest.approx(62.5)
    # 30.06.2021 -> end 30.09.2022 = 457 days; 17.000 + 62,5 × 457 = 45.562,50 projected of 85.000 granted
    assert row["remaining_days"] == 457
    assert row["projected_paid_eur"] == pytest.approx(45_562.5)
    assert row["at_risk_eur"] == pytest.approx(39_437.5)
    # planned by then 34.000, paid 17.000
    assert row["behind_plan_eur"] == pytest.approx(17_000)


def test_lapse_forecast_total_on_30_june_2021():
    frame = forecast(JUNE_2021)
    # DM-05: 100.000 − (30.000 + 30.000/272 × 365) = 29.742,65
    assert frame.loc["DM-05", "at_risk_eur"] == pytest.approx(29_742.647, abs=0.01)
    # DM-02: 100.000 − (40.000 + 40.000/302 × 274) = 23.708,61
    assert frame.loc["DM-02", "at_risk_eur"] == pytest.approx(23_708.609, abs=0.01)
    # DM-01: 40.000 + 40.000/302 × 489 > 100.000 -> capped at the grant, nothing at risk
    assert frame.loc["DM-01", "at_risk_eur"] == 0
    assert frame["at_risk_eur"].sum() == pytest.approx(39_437.5 + 29_742.647 + 23_708.609, abs=0.01)
    assert set(frame["forecast_basis"]) == {"rate"}


def test_lapse_forecast_at_the_end():
    frame = forecast(LAST_DAY)
    # DM-05 Flensburg: term ended 30.06.2022, no final payment, 30.000+30.000+20.000 paid: 20.000 at risk
    assert (frame.loc["DM-05", "forecast_basis"], frame.loc["DM-05", "at_risk_eur"]) == ("ended", 20_000)
    # DM-04 Kiel: final payment on 20.10.2022 after 17.000 + 8.500: 85.000 − 25.500 = 59.500 lapsed
    assert (frame.loc["DM-04", "forecast_basis"], frame.loc["DM-04", "lapsed_eur"]) == ("done", 59_500)
    assert frame.loc["DM-04", "at_risk_eur"] == 0
    assert frame["at_risk_eur"].sum() == 20_000
    assert frame["lapsed_eur"].sum() == 59_500


def test_lapse_forecast_before_a_start_counts_nothing():
    frame = forecast(dt.date(2021, 2, 14))
    # DM-03 starts 01.04.2021, DM-09 01.03.2021
    assert frame.loc[["DM-03", "DM-09"], "forecast_basis"].tolist() == ["not_started", "not_started"]
    assert frame.loc[["DM-03", "DM-09"], "at_risk_eur"].tolist() == [0, 0]


def test_lapse_forecast_early_on():
    frame = forecast(dt.date(2020, 10, 1))
    # DM-01 started 01.09.2020 and nothing is paid yet (first payment 20.11.2020): rate 0, all 100.000 at risk
    assert (frame.loc["DM-01", "forecast_basis"], frame.loc["DM-01", "elapsed_days"]) == ("rate", 30)
    assert frame.loc["DM-01", "at_risk_eur"] == 100_000
    # DM-04 starts on the Stichtag itself: no day elapsed, no rate, nothing counted
    assert (frame.loc["DM-04", "forecast_basis"], frame.loc["DM-04", "at_risk_eur"]) == ("not_started", 0)


# --- the page -------------------------------------------------------------------------------------------------------

def metrics(at):
    return {m.label: m.value for m in at.metric}


def markdown(at):
    return "\n".join(m.value for m in at.markdown)


def chart_titles(at):
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


@pytest.mark.parametrize("role", auth.ROLES)
def test_page_on_30_june_2021_for_every_role(app, role):
    at = app(role=role, page=PAGE, stichtag="2021-06-30")
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Fortschritt"
    assert metrics(at) == {
        "Soll zum Stichtag": "397.920 €",
        "Ausgezahlt bis zum Stichtag": "330.920 €",
        "Geplant über die ganze Laufzeit": "872.300 €",
        # 39.437,50 + 29.742,65 + 23.708,61 = 92.888,76
        "Gefährdet (Prognose)": "92.889 €",
        "Bereits verfallen": "0 €",
        "Nicht abgerufen, insgesamt": "92.889 €",
    }
    text = markdown(at)
    # DM-02: planned 80.000 by 30.06.2021 (15.10.2020 + 30.06.2021), paid 40.000
    assert "**Kreis Schleswig-Flensburg** – 40.000 € weniger ausgezahlt" in text
    assert "7 von 30 Meilensteinen erledigt, davon 4 verspätet; 1 offen und überfällig." in text
    assert "**Methode:**" in text
    assert len(chart_titles(at)) == 5
    lapse = at.dataframe[-1].value.set_index("Zuwendungsempfänger")
    assert lapse.loc["Landeshauptstadt Kiel", "Gefährdet"] == pytest.approx(39_437.5)


def test_recipient_selector_changes_the_payment_figures(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    at.selectbox(key="fs_scope").set_value("kiel").run()
    assert not at.exception
    shown = metrics(at)
    assert (shown["Soll zum Stichtag"], shown["Ausgezahlt bis zum Stichtag"]) == ("34.000 €", "17.000 €")
    assert "Auszahlungen kumuliert, Plan und Ist (in €): Landeshauptstadt Kiel" in chart_titles(at)


def test_page_on_the_last_data_day(app):
    at = app(role="leitung", page=PAGE)
    shown = metrics(at)
    assert (shown["Gefährdet (Prognose)"], shown["Bereits verfallen"], shown["Nicht abgerufen, insgesamt"]) == (
        "20.000 €", "59.500 €", "79.500 €")
    assert shown["Ausgezahlt bis zum Stichtag"] == "792.800 €"


def test_english(app):
    at = app(role="analyse", page=PAGE, stichtag="2021-06-30", lang="English")
    assert not at.exception
    assert at.title[0].value == "Progress"
    assert metrics(at)["At risk (forecast)"] == "€92,889"


def test_before_the_decision_the_page_says_so(app):
    at = app(role="leitung", page=PAGE, stichtag="2020-09-07")
    assert not at.exception
    assert [i.value for i in at.info] == [
        "Zu diesem Stichtag gibt es noch keine geförderten Projekte (Förderentscheidung am 26.08.2020)."]
