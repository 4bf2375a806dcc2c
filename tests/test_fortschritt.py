"""Fortschritt: the key figures first, payments, the plan-based funds forecast and its backtest, milestones,
progress, the light history (counts and the worst projects) and the projects' indicators.

Expected figures are worked out by hand from data/demo/*.csv; the arithmetic is in the comments. The programme's
rules (data/demo/programme.csv): a planned payment is due 30 days after its date (payment_grace_days).
"""

import datetime as dt
import json

import pandas as pd
import pytest

from monitor import auth, queries as q

PROGRAMME = "dmk-sh"
PAGE = "pages/fortschritt.py"
JUNE_2021 = dt.date(2021, 6, 30)
LAST_DAY = dt.date(2023, 3, 31)


def run(name, as_of, **params):
    return q.run(name, programme_id=PROGRAMME, as_of=as_of, **params)


def forecast(as_of):
    return run("lapse_forecast", as_of).set_index("project_id")


def day(value) -> dt.date:
    return pd.Timestamp(value).date()


# --- time axis and cumulative payments ----------------------------------------------------------------------------

def test_time_axis_runs_from_the_decision_to_the_last_planned_payment():
    span = run("term_span", JUNE_2021).iloc[0]
    # programme decision 26.08.2020; the last planned payment is DM-07's final one on 28.02.2023
    assert day(span["axis_start_date"]) == dt.date(2020, 8, 26)
    assert day(span["axis_end_date"]) == dt.date(2023, 2, 28)
    # a later Stichtag stretches the axis so its line stays visible
    assert day(run("term_span", LAST_DAY).iloc[0]["axis_end_date"]) == LAST_DAY


def test_cumulative_payments_of_the_programme():
    frame = run("payments_cumulative", JUNE_2021, applicant_id="").set_index("timeline_date")
    frame.index = [day(d) for d in frame.index]
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
    frame.index = [day(d) for d in frame.index]
    # DM-04: planned 34.000 on 15.11.2020, paid 17.000 on 10.02.2021
    assert frame.loc[JUNE_2021, ["cum_planned_eur", "cum_paid_eur"]].tolist() == [34_000, 17_000]
    assert frame["cum_planned_eur"].iloc[-1] == 85_000


# --- the funds forecast against the payment plan -------------------------------------------------------------------

def test_forecast_on_30_june_2021_counts_only_what_is_overdue():
    frame = forecast(JUNE_2021)
    # due = planned by 31.05.2021 (30.06. minus 30 days)
    # DM-04 Kiel: 34.000 planned 15.11.2020, 17.000 paid 10.02.2021 -> 17.000 overdue and at risk
    assert frame.loc["DM-04", ["planned_due_eur", "paid_eur", "overdue_eur", "at_risk_eur"]].tolist() == [
        34_000, 17_000, 17_000, 17_000]
    # DM-05 Flensburg: 40.000 planned 15.11.2020, 30.000 paid 20.01.2021 -> 10.000
    assert frame.loc["DM-05", "at_risk_eur"] == 10_000
    # DM-02: its second 40.000 is planned for 30.06.2021 itself, not due before 30.07.: nothing at risk
    assert frame.loc["DM-02", ["planned_due_eur", "paid_eur", "at_risk_eur"]].tolist() == [40_000, 40_000, 0]
    assert frame["at_risk_eur"].sum() == 27_000 and frame["lapsed_eur"].sum() == 0
    assert frame.loc["DM-04", "forecast_basis"] == "overdue"
    assert frame.loc["DM-03", "forecast_basis"] == "on_plan"      # 45.000 due 15.05., paid 02.06.2021
    # expected to be paid in the end: 872.300 granted − 27.000 at risk
    assert frame["expected_paid_eur"].sum() == 845_300
    # the worst first: most money at risk
    assert frame.index[:2].tolist() == ["DM-04", "DM-05"]


def test_forecast_on_31_july_2022_leaves_final_payments_planned_after_the_end_alone():
    frame = forecast(dt.date(2022, 7, 31))
    # due = planned by 01.07.2022
    # Kiel: 34.000 (15.11.2020) + 34.000 (15.09.2021) due, 17.000 paid -> 51.000
    # Flensburg: 40.000 + 40.000 due, 30.000 + 30.000 paid -> 20.000
    assert frame.loc["DM-04", "at_risk_eur"] == 51_000
    assert frame.loc["DM-05", "at_risk_eur"] == 20_000
    assert frame["at_risk_eur"].sum() == 71_000
    # Nortorf: term ended 30.06.2022, final 20.000 planned 31.08.2022 -> not at risk (the earlier method said so)
    assert (frame.loc["DM-08", "forecast_basis"], frame.loc["DM-08", "at_risk_eur"]) == ("on_plan", 0)
    assert frame.loc[["DM-02", "DM-03"], "forecast_basis"].tolist() == ["closed", "closed"]


def test_forecast_at_the_end():
    frame = forecast(LAST_DAY)
    # DM-05 Flensburg: whole plan due (last planned payment 31.08.2022), no final payment,
    # 30.000+30.000+20.000 paid: the rest of the grant, 20.000, is at risk
    assert (frame.loc["DM-05", "forecast_basis"], frame.loc["DM-05", "at_risk_eur"]) == ("plan_over", 20_000)
    # DM-04 Kiel: final payment on 20.10.2022 after 17.000 + 8.500: 85.000 − 25.500 = 59.500 lapsed
    assert (frame.loc["DM-04", "forecast_basis"], frame.loc["DM-04", "lapsed_eur"]) == ("closed", 59_500)
    assert frame.loc["DM-04", "at_risk_eur"] == 0
    assert frame["at_risk_eur"].sum() == 20_000
    assert frame["lapsed_eur"].sum() == 59_500


def test_forecast_before_a_start_counts_nothing():
    frame = forecast(dt.date(2021, 2, 14))
    # DM-03 starts 01.04.2021, DM-09 01.03.2021
    assert frame.loc[["DM-03", "DM-09"], "forecast_basis"].tolist() == ["not_started", "not_started"]
    assert frame.loc[["DM-03", "DM-09"], "at_risk_eur"].tolist() == [0, 0]


def test_forecast_early_on_waits_for_the_plan():
    frame = forecast(dt.date(2020, 10, 1))
    # DM-01 started 01.09.2020, nothing paid yet, its first 40.000 planned 15.10.2020: not due, nothing at risk
    # (the earlier method called its whole 100.000 at risk on this day)
    assert (frame.loc["DM-01", "forecast_basis"], frame.loc["DM-01", "at_risk_eur"]) == ("on_plan", 0)
    assert frame["at_risk_eur"].sum() == 0


# --- Prognose vs. Ergebnis: the backtest ------------------------------------------------------------------------------

def test_backtest_on_three_month_ends():
    frame = run("forecast_backtest", LAST_DAY).set_index("status_date")
    frame.index = [day(d) for d in frame.index]
    # the outcome on 31.03.2023: 872.300 granted − 792.800 paid = 79.500 (Kiel 59.500 lapsed, Flensburg 20.000)
    assert frame["outcome_eur"].unique().tolist() == [79_500]
    assert frame.index[0] == dt.date(2020, 9, 30) and frame.index[-1] == dt.date(2023, 2, 28) and len(frame) == 30

    # 31.01.2021 (due 01.01.2021): Kiel 34.000 planned 15.11.2020, nothing paid; Flensburg 40.000 − 30.000
    #   -> 44.000 (error −35.500). Earlier method: Kiel's rate is 0, its whole 85.000 at risk; everyone else's pace
    #   reaches the grant; DM-03 and DM-09 not started -> 85.000 (error +5.500: this time the earlier one was closer)
    jan21 = frame.loc[dt.date(2021, 1, 31)]
    assert (jan21["forecast_eur"], jan21["error_eur"]) == (44_000, -35_500)
    assert (jan21["earlier_forecast_eur"], jan21["earlier_error_eur"]) == (85_000, 5_500)

    # 30.11.2021 (due 31.10.2021): Dithmarschen's 2nd 40.000 (15.10.2021) paid only 10.12.2021; Kiel 68.000 due,
    #   17.000 paid -> 51.000; Flensburg 80.000 due, 30.000 paid -> 50.000: 141.000 (error +61.500).
    #   Earlier: paid + paid/days so far × days to the end, per project:
    #   DM-01 40.000 + 40.000/455 × 336 -> 30.461,54 at risk; DM-03 45.000 + 45.000/243 × 31 -> 39.259,26;
    #   DM-04 17.000 + 17.000/425 × 304 -> 55.840; DM-05 30.000 + 30.000/425 × 212 -> 55.035,29;
    #   DM-09 39.920 + 39.920/274 × 212 -> 28.993,00; the others reach their grant: 209.589,08 (error +130.089,08)
    nov21 = frame.loc[dt.date(2021, 11, 30)]
    assert (nov21["forecast_eur"], nov21["error_eur"]) == (141_000, 61_500)
    assert nov21["earlier_forecast_eur"] == pytest.approx(209_589.08, abs=0.01)
    assert nov21["earlier_error_eur"] == pytest.approx(130_089.08, abs=0.01)

    # 31.07.2022 (due 01.07.2022): Kiel 51.000 + Flensburg 20.000 = 71.000 (error −8.500).
    #   Earlier: DM-01 9.340,97; DM-04 66.447,60; DM-06 12.694,61; DM-07 2.402,58 (pace to the end date);
    #   DM-05 40.000, DM-08 20.000, DM-09 19.960 (term over: all unpaid counted lost, although Nortorf's and
    #   Kirchbarkau's final payments were planned for 31.08.2022 and paid in September) -> 170.845,76 (+91.345,76)
    jul22 = frame.loc[dt.date(2022, 7, 31)]
    assert (jul22["forecast_eur"], jul22["error_eur"]) == (71_000, -8_500)
    assert jul22["earlier_forecast_eur"] == pytest.approx(170_845.76, abs=0.01)
    assert jul22["earlier_error_eur"] == pytest.approx(91_345.76, abs=0.01)


def test_backtest_mean_errors_and_who_was_closer():
    frame = run("forecast_backtest", LAST_DAY)
    first = frame.iloc[0]
    # mean |error| over the 30 month ends: 949.420 / 30 = 31.647,33 (plan) and 2.878.808,57 / 30 = 95.960,29
    assert first["mean_abs_error_eur"] == pytest.approx(31_647.33, abs=0.01)
    assert first["earlier_mean_abs_error_eur"] == pytest.approx(95_960.29, abs=0.01)
    assert (first["closer_count"], first["earlier_closer_count"], first["month_count"]) == (26, 4, 30)
    earlier_closer = frame[frame["earlier_error_eur"].abs() < frame["error_eur"].abs()]["status_date"]
    assert [day(d).isoformat() for d in earlier_closer] == ["2021-01-31", "2021-03-31", "2021-06-30", "2021-07-31"]


def test_backtest_respects_the_stichtag():
    # on 30.06.2021 no project is closed or over: no outcome is known, so there is nothing to compare
    assert run("forecast_backtest", JUNE_2021).empty
    # on 31.07.2022 two projects are closed (Schleswig-Flensburg 15.02., Rendsburg 22.03.2022), both in full
    frame = run("forecast_backtest", dt.date(2022, 7, 31))
    assert frame["outcome_project_count"].unique().tolist() == [2]
    assert frame["outcome_eur"].unique().tolist() == [0]
    assert day(frame["status_date"].iloc[-1]) == dt.date(2022, 6, 30) and len(frame) == 22


# --- milestones and progress ---------------------------------------------------------------------------------------

def test_milestones_on_30_june_2021_the_ones_that_matter_first():
    frame = run("milestone_timeline", JUNE_2021, limit=500).set_index("milestone_id")
    states = frame["milestone_state"].value_counts().to_dict()
    # done by then: M-01-1, M-02-1, M-02-2, M-03-1, M-05-1, M-06-1, M-09-1; late: M-01-1 (8 days), M-02-2 (1),
    # M-03-1 (5), M-05-1 (40); open past its date: M-04-1 (planned 31.03.2021)
    assert states == {"open": 22, "done_late": 4, "done_on_time": 3, "overdue": 1}
    assert frame.loc["M-05-1", "days_late_days"] == 40
    assert frame.loc["M-04-1", "days_late_days"] == 91  # 31.03. -> 30.06.2021
    # M-08-1 was done on 15.07.2021: after the Stichtag, so still open then
    assert pd.isna(frame.loc["M-08-1", "done_date"]) and frame.loc["M-08-1", "milestone_state"] == "open"
    # overdue first, then late ones by their delay
    top = run("milestone_timeline", JUNE_2021, limit=5)
    assert top["milestone_id"].tolist() == ["M-04-1", "M-05-1", "M-01-1", "M-03-1", "M-02-2"]
    assert top["milestone_total_count"].unique().tolist() == [30]


def test_milestones_per_month_on_30_june_2021():
    frame = run("milestone_months", JUNE_2021).set_index("month_date")
    frame.index = [day(d) for d in frame.index]
    # March 2021: M-02-2 (done 01.04., late), M-04-1 (open, overdue), M-05-1 (done 10.05., late)
    assert frame.loc[dt.date(2021, 3, 31),
                     ["milestone_count", "done_late_count", "overdue_count"]].tolist() == [3, 2, 1]
    # June 2021: M-06-1 (10.06.) and M-09-1 (25.06.) on time, M-08-1 done only 15.07.: open
    assert frame.loc[dt.date(2021, 6, 30), ["done_on_time_count", "open_count"]].tolist() == [2, 1]
    assert frame[["milestone_count", "done_on_time_count", "done_late_count", "overdue_count", "open_count"]].sum(
    ).tolist() == [30, 3, 4, 1, 22]


def test_progress_of_the_worst_projects_and_the_median_of_the_others():
    frame = run("progress_history", dt.date(2022, 1, 31), limit=3)
    shown = frame[~frame["is_rest"]]
    # red on 31.01.2022, by lag (due 01.01.2022): Kiel 51.000 of 85.000 (60,0 %), Flensburg 50.000 of 100.000
    # (50,0 %), Kirchbarkau 39.920 of 99.800 (40,0 %)
    assert shown["project_id"].unique().tolist() == ["DM-04", "DM-05", "DM-09"]
    kiel = shown[shown["project_id"] == "DM-04"]
    assert kiel["progress_pct"].tolist() == [5, 15, 35]
    assert kiel["report_status"].tolist() == ["green", "amber", "amber"]
    assert kiel["applicant_id"].unique().tolist() == ["kiel"]   # the profile link of the page's table
    # the other six per month: Jan 2021 10, 20, 15, 10, 10 (Rendsburg had not started);
    # Jul 2021 30, 55, 40, 35, 25, 35; Jan 2022 55, 100, 90, 60, 50, 65
    rest = frame[frame["is_rest"]]
    assert [day(d).isoformat() for d in rest["reported_date"]] == ["2021-01-31", "2021-07-31", "2022-01-31"]
    assert rest["progress_pct"].tolist() == [10, 35, 62.5]
    assert rest["progress_low_pct"].tolist() == [10, 31.25, 56.25]
    assert rest["progress_high_pct"].tolist() == [15, 38.75, 83.75]
    assert rest["report_count"].tolist() == [5, 6, 6]
    assert rest["applicant_id"].isna().all()       # a median of many recipients links to no profile
    # without a limit that bites every report is a line of its own: 3+3+2+3+3+3+3+3+2 = 25 by 31.01.2022
    everything = run("progress_history", dt.date(2022, 1, 31), limit=10)
    assert len(everything) == 25 and not everything["is_rest"].any()
    assert len(run("progress_history", JUNE_2021, limit=10)) == 7          # the seven reports of 29.01.2021


# --- the traffic-light history ---------------------------------------------------------------------------------------

def test_light_history_of_the_worst_projects():
    frame = run("project_status_history", JUNE_2021, limit=3)
    # on 30.06.2021 Kiel is red, Flensburg amber, the rest green with no lag (then by id: DM-01)
    assert frame["project_id"].unique().tolist() == ["DM-04", "DM-05", "DM-01"]
    kiel = frame[frame["project_id"] == "DM-04"]
    assert [day(d).isoformat() for d in kiel["status_date"]][:2] == ["2020-09-30", "2020-10-31"]
    # start 01.10.2020; 31.12.2020 and 31.01.2021: 34.000 due (15.11.2020), nothing paid: 40,0 % behind (red);
    # 17.000 paid 10.02.2021: 20,0 % (amber); M-04-1 (31.03.2021) open: 91 days overdue on 30.06.2021 (red)
    assert kiel["light"].tolist() == [
        "not_started", "green", "green", "red", "red", "amber", "amber", "amber", "amber", "red"]


def test_light_counts_per_month():
    frame = run("light_history_counts", JUNE_2021)
    counts = {(day(d).isoformat(), light): n
              for d, light, n in frame[["status_date", "light", "project_count"]].to_numpy()}
    # 30.09.2020: Dithmarschen, Schleswig-Flensburg and Pinneberg started 01.09., the others later
    assert {k: v for k, v in counts.items() if k[0] == "2020-09-30"} == {
        ("2020-09-30", "green"): 3, ("2020-09-30", "not_started"): 6}
    # 31.12.2020: Kiel and Flensburg red (40,0 % behind), Rendsburg and Kirchbarkau not started
    assert {k: v for k, v in counts.items() if k[0] == "2020-12-31"} == {
        ("2020-12-31", "red"): 2, ("2020-12-31", "green"): 5, ("2020-12-31", "not_started"): 2}
    assert {k: v for k, v in counts.items() if k[0] == "2021-06-30"} == {
        ("2021-06-30", "red"): 1, ("2021-06-30", "amber"): 1, ("2021-06-30", "green"): 7}
    assert frame.groupby("status_date")["project_count"].sum().unique().tolist() == [9]
    assert frame.loc[frame["is_stichtag"], "status_date"].map(day).unique().tolist() == [JUNE_2021]


@pytest.mark.parametrize("as_of", [dt.date(2020, 12, 15), JUNE_2021, dt.date(2022, 2, 14), dt.date(2022, 8, 15),
                                   LAST_DAY])
def test_light_history_ends_with_the_lights_of_project_status(as_of):
    # the history evaluates the same rule as project_status: its last day (the Stichtag) must agree
    history = run("project_status_history", as_of, limit=100)
    last = history[history["is_stichtag"]]
    assert (pd.to_datetime(last["status_date"]).dt.date == as_of).all()
    status = run("project_status", as_of)
    assert dict(zip(last["project_id"], last["light"])) == dict(zip(status["project_id"], status["light"]))
    counts = run("light_history_counts", as_of)
    on_day = counts[counts["is_stichtag"]]
    assert dict(zip(on_day["light"], on_day["project_count"])) == status["light"].value_counts().to_dict()


# --- results: indicators ----------------------------------------------------------------------------------------------

def test_indicators_per_project_at_the_end():
    frame = run("indicator_progress", LAST_DAY).set_index(["project_id", "indicator_id"])
    # targets (illustrative, data/demo/indicator_target.csv) against the latest values reported
    # Pinneberg: 0 -> 150 by 31.12.2021, more than 200 on 31.10.2021: (200 − 0) / (150 − 0) = 133,3 %
    pinneberg = frame.loc[("DM-07", "participations")]
    assert pinneberg["target_state"] == "reached" and pinneberg["qualifier"] == ">"
    assert pinneberg["target_reached_pct"] == pytest.approx(133.33, abs=0.01)
    # Nortorf: 100 -> 500, more than 600 on 15.07.2021: (600 − 100) / (500 − 100) = 125 %
    assert frame.loc[("DM-08", "proposals"), ["target_reached_pct", "target_state"]].tolist() == [125, "reached"]
    # Kirchbarkau: 0 -> 10 by 30.06.2022, 8 on 12.05.2022: 80 %, and the date has passed
    assert frame.loc[("DM-09", "project_descriptions"),
                     ["target_reached_pct", "target_state"]].tolist() == [80, "missed"]
    # Flensburg: a target of 300 participations, no value ever reported
    assert frame.loc[("DM-05", "participations"), "target_state"] == "no_value"
    # five values without any target
    assert sorted(frame[frame["target_state"] == "no_target"].index.tolist()) == [
        ("DM-01", "project_ideas"), ("DM-07", "project_ideas"), ("DM-09", "actors_surveyed"),
        ("DM-09", "citizen_comments"), ("DM-09", "workshop_participants")]
    assert pd.isna(frame.loc[("DM-01", "project_ideas"), "target_value"])


def test_indicators_respect_the_stichtag():
    frame = run("indicator_progress", dt.date(2021, 9, 30)).set_index(["project_id", "indicator_id"])
    # Pinneberg's >200 participations are dated 31.10.2021: not there yet
    assert frame.loc[("DM-07", "participations"), "target_state"] == "no_value"
    # Nortorf's >600 proposals (15.07.2021) are; Kirchbarkau's ~50 actors (25.06.2021) too, its workshop
    # (14.10.2021) and everything later not
    assert frame.loc[("DM-08", "proposals"), "reported_value"] == 600
    assert sorted(frame.index.tolist()) == [
        ("DM-05", "participations"), ("DM-07", "participations"), ("DM-08", "proposals"),
        ("DM-09", "actors_surveyed"), ("DM-09", "project_descriptions")]


def test_indicator_totals_of_the_programme():
    frame = run("indicator_totals", LAST_DAY).set_index("indicator_id")
    participations = frame.loc["participations"]
    # Flensburg 0 -> 300 and Pinneberg 0 -> 150: targets 450; only Pinneberg reported (more than 200), reached
    assert participations[["target_project_count", "baseline_value", "target_value", "target_reporting_count",
                           "target_reported_value", "target_qualifier", "reached_count"]].tolist() == [
        2, 0, 450, 1, 200, ">", 1]
    ideas = frame.loc["project_ideas"]
    # no targets; about 50 (Dithmarschen) + about 40 (Pinneberg) = about 90
    assert ideas[["target_project_count", "reporting_project_count", "reported_value", "qualifier"]].tolist() == [
        0, 2, 90, "~"]
    assert day(ideas["last_reported_date"]) == dt.date(2022, 4, 30)


# --- the page -------------------------------------------------------------------------------------------------------

def metrics(at):
    return {m.label: m.value for m in at.metric}


def key_figure_notes(at):
    """Key figure label -> the context line under it (the first captions after the title's)."""
    labels = [m.label for m in at.metric]
    captions = [c.value for c in at.caption][1:1 + len(labels)]
    return dict(zip(labels, captions))


def markdown(at):
    # user text is escaped for Markdown (a backslash before punctuation); the reader sees it without
    return "\n".join(m.value for m in at.markdown).replace("\\", "")


def chart_titles(at):
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def table(at, column):
    """The first table that has a column of this label."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.mark.parametrize("role", auth.ROLES)
def test_page_on_30_june_2021_for_every_role(app, role):
    at = app(role=role, page=PAGE, stichtag="2021-06-30")
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Fortschritt"
    # the answer first: four key figures, then who is furthest behind
    assert metrics(at) == {
        "Geplant bis Stichtag": "397.920 €",
        "Ausgezahlt bis Stichtag": "330.920 €",
        "Gefährdet (Prognose)": "27.000 €",
        "Bereits verfallen": "0 €",
    }
    notes = key_figure_notes(at)
    # due by 31.05.2021: 397.920 − DM-02's 40.000 of 30.06.2021 = 357.920; 330.920 / 872.300 = 37,9 %
    assert notes["Geplant bis Stichtag"] == "davon fällig nach 30 Tagen Nachfrist: 357.920 €"
    assert notes["Ausgezahlt bis Stichtag"] == "38 % der Bewilligung von 872.300 €"
    assert notes["Gefährdet (Prognose)"] == "fällig, aber nicht ausgezahlt · 2 Projekte"
    text = markdown(at)
    # the same lag the traffic light measures (Kiel red, Schleswig-Flensburg green on the Übersicht): Kiel, not
    # Schleswig-Flensburg, whose 40.000 € of 30.06.2021 are not due before 30.07.
    assert ("Am weitesten hinter dem Plan: **Landeshauptstadt Kiel** (Offene Daten für Kiel (Titel illustrativ)) – "
            "17.000 € weniger ausgezahlt als bis 31.05.2021 fällig (17.000 € statt 34.000 €)") in text
    assert "Schleswig-Flensburg**" not in text
    assert "**Methode (gegen den Zahlungsplan):**" in text and "bis 31.05.2021 geplant war" in text
    assert "Am Stichtag: 27.000 € gefährdet und 0 € verfallen; voraussichtlich ausgezahlt werden 845.300 €" in text
    assert "7 von 30 Meilensteinen erledigt, davon 4 verspätet; 1 offen und überfällig." in text
    # no project's outcome is known yet
    assert at.header[2].value == "Prognose vs. Ergebnis"
    assert [i.value for i in at.info] == [
        "Am Stichtag steht für noch kein Projekt fest, wie viel nicht abgerufen wird (keine Schlusszahlung, Laufzeit "
        "und Plan nicht vorbei): Ein Vergleich der Prognose mit dem Ergebnis ist erst danach möglich."]
    assert chart_titles(at) == [
        "Auszahlungen kumuliert, Plan und Ist (in €): das ganze Programm",
        "Bewilligung je Projekt: ausgezahlt, laut Plan noch erwartet, gefährdet, verfallen (in % der Bewilligung)",
        "Meilensteine je Projekt: geplanter Termin, Erledigung und Verzug",
        "Fortschritt laut Bericht je Projekt (in %)",
        "Projekte je Ampel am Monatsende und am Stichtag (Anzahl)",
        "Ampel je Projekt am Monatsende und am Stichtag",
    ]
    lapse = table(at, "Grundlage").set_index("Zuwendungsempfänger")
    assert lapse.loc["Landeshauptstadt Kiel", "Gefährdet"] == 17_000
    assert lapse.loc["Landeshauptstadt Kiel", "Grundlage"] == "fällige Zahlungen offen"


def test_page_answers_first_the_headings_in_order(app):
    at = app(role="leitung", page=PAGE)
    assert [s.value for s in at.header] == [
        "Geplante und tatsächliche Auszahlungen", "Prognose: Mittel, die nicht abgerufen werden",
        "Prognose vs. Ergebnis", "Meilensteine: geplant und erledigt", "Berichteter Fortschritt", "Ampelverlauf",
        "Ergebnisse: Kennzahlen der Projekte"]


def test_page_on_the_last_data_day_with_the_backtest(app):
    at = app(role="leitung", page=PAGE)
    assert not at.exception
    assert metrics(at) == {
        "Geplant bis Stichtag": "872.300 €",
        "Ausgezahlt bis Stichtag": "792.800 €",
        "Gefährdet (Prognose)": "20.000 €",
        "Bereits verfallen": "59.500 €",
    }
    notes = key_figure_notes(at)
    assert notes["Bereits verfallen"] == "nach der Schlusszahlung nicht abgerufen · 1 Projekt"
    text = markdown(at)
    assert ("Am weitesten hinter dem Plan: **Stadt Flensburg** (Digitale Agenda Flensburg) – 20.000 € weniger "
            "ausgezahlt als bis 01.03.2023 fällig (80.000 € statt 100.000 €)") in text
    assert ("Rückblick auf 30 Monatsenden (30.09.2020 bis 28.02.2023). Ergebnis am 31.03.2023 für 9 Projekte, die "
            "abgeschlossen sind oder deren Laufzeit und Plan vorbei sind: 79.500 € wurden nicht abgerufen. "
            "Die Prognose lag im Mittel **31.647 €** daneben, die frühere Methode (bisherige Abrufgeschwindigkeit "
            "bis zum Projektende fortgeschrieben) **95.960 €**. Die Prognose war an 26 Monatsenden näher am "
            "Ergebnis, die frühere Methode an 4 Monatsenden (31.01.2021, 31.03.2021, 30.06.2021, 31.07.2021).") in text
    assert "Nicht abgerufene Mittel: Prognose am Monatsende und Ergebnis (in €)" in chart_titles(at)
    backtest = table(at, "Fehler der Prognose").set_index("Zeitpunkt")
    assert len(backtest) == 30
    assert backtest.iloc[22][["Prognose: nicht abgerufen", "Fehler der Prognose"]].tolist() == [71_000, -8_500]


def test_every_table_naming_a_recipient_links_to_its_profile(app):
    # issue 16: the forecast, milestone, report, light-history and indicator tables carry a "Profil" link column
    # with the recipient's address on the page's programme, Stichtag and language (monitor/profile.py)
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    assert not at.exception
    kiel = "profil?empfaenger=kiel&programm=dmk-sh&stichtag=2021-06-30&lang=de"
    linked = [d.value for d in at.dataframe if "Profil" in d.value.columns]
    assert [(frame.columns[0], frame.columns[2], len(frame)) for frame in linked] == [
        ("Zuwendungsempfänger", "Titel", 9),                 # the lapse forecast
        ("Zuwendungsempfänger", "Titel", 30),                # the milestones
        ("Zuwendungsempfänger", "Berichtet am", 7),          # the reports of 29.01.2021
        ("Zuwendungsempfänger", "Zeitpunkt", 90),            # the lights of 9 projects on 10 days
        ("Zuwendungsempfänger", "Kennzahl", 5),              # the indicators
    ]
    for frame in linked[:4]:
        # Kiel is furthest behind on 30.06.2021 and comes first in each of these
        assert (frame["Zuwendungsempfänger"].iloc[0], frame["Profil"].iloc[0]) == ("Landeshauptstadt Kiel", kiel)
    indicators = linked[4]
    assert (indicators["Zuwendungsempfänger"].iloc[0], indicators["Profil"].iloc[0]) == (
        "Gemeinde Kirchbarkau", "profil?empfaenger=kirchbarkau&programm=dmk-sh&stichtag=2021-06-30&lang=de")
    assert table(at, "Grundlage").columns.tolist()[:3] == ["Zuwendungsempfänger", "Profil", "Titel"]


def test_recipient_selector_changes_the_payment_figures(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    at.selectbox(key="fs_scope").set_value("kiel").run()
    assert not at.exception
    assert ("Landeshauptstadt Kiel: bis zum Stichtag 34.000 € geplant, 17.000 € ausgezahlt; geplant über die ganze "
            "Laufzeit 85.000 € (bis 30.11.2022).") in markdown(at)
    assert "Auszahlungen kumuliert, Plan und Ist (in €): Landeshauptstadt Kiel" in chart_titles(at)
    # the key figures stay the programme's
    assert metrics(at)["Ausgezahlt bis Stichtag"] == "330.920 €"


def test_indicator_section_on_the_page(app):
    at = app(role="leitung", page=PAGE)
    text = markdown(at)
    assert ("- Beteiligungen: 2 Projekte mit Zielwert (illustrativ) – Ausgangswert 0 → Ziel 450 → gemeldet mehr als "
            "200 (gemeldet haben 1 von 2, Ziel erreicht: 1).") in text
    assert ("- Projektbeschreibungen: 1 Projekt mit Zielwert (illustrativ) – Ausgangswert 0 → Ziel 10 → gemeldet "
            "8 (gemeldet haben 1 von 1, Ziel erreicht: 0).") in text
    assert ("- Projektideen: kein Zielwert vereinbart – gemeldet etwa 90 aus 2 Projekten "
            "(zuletzt am 30.04.2022).") in text
    assert ("- Workshop-Teilnehmende: kein Zielwert vereinbart – gemeldet 20 aus 1 Projekt "
            "(zuletzt am 14.10.2021).") in text
    shown = table(at, "Kennzahl")
    assert len(shown) == 9
    flensburg = shown[shown["Zuwendungsempfänger"] == "Stadt Flensburg"].iloc[0]
    assert (flensburg["Kennzahl"], flensburg["Zielwert"], flensburg["Stand"]) == (
        "Beteiligungen", 300, "noch kein Wert gemeldet")
    kirchbarkau = shown[shown["Kennzahl"] == "Befragte Akteure"].iloc[0]
    assert (kirchbarkau["Stand"], kirchbarkau["Genauigkeit"]) == ("kein Zielwert vereinbart", "etwa")


def test_indicators_before_any_value(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-01-31")
    # targets exist from the decision on, values only from 25.06.2021
    text = markdown(at)
    assert ("- Bürgervorschläge: 1 Projekt mit Zielwert (illustrativ) – Ausgangswert 100 → Ziel 500 → gemeldet noch "
            "nichts (gemeldet haben 0 von 1, Ziel erreicht: 0).") in text
    assert "Befragte Akteure" not in text


def test_english(app):
    at = app(role="analyse", page=PAGE, stichtag="2021-06-30", lang="English")
    assert not at.exception
    assert at.title[0].value == "Progress"
    assert metrics(at)["At risk (forecast)"] == "€27,000"
    assert "Furthest behind plan: **Landeshauptstadt Kiel**" in markdown(at)


def test_before_the_decision_the_page_says_so(app):
    at = app(role="leitung", page=PAGE, stichtag="2020-09-07")
    assert not at.exception
    # the projects' decision (08.09.2020), not the programme's announcement (26.08.2020)
    assert [i.value for i in at.info] == [
        "Zu diesem Stichtag gibt es noch keine geförderten Projekte (Förderentscheidung am 08.09.2020)."]


# --- the briefing's results section ----------------------------------------------------------------------------------

def briefing_text(as_of: str, lang: str = "de") -> tuple[int, str]:
    """Pages and text (whitespace runs as one space) of the briefing PDF on as_of."""
    import io

    from pypdf import PdfReader

    from monitor import briefing
    from monitor.context import Context

    programme = q.run("programmes").set_index("programme_id").loc[PROGRAMME].to_dict()
    day_ = dt.date.fromisoformat(as_of)
    ctx = Context(PROGRAMME, programme, day_, day_, day_, lang, "leitung", True)
    reader = PdfReader(io.BytesIO(briefing.pdf_bytes(ctx, dt.datetime(2026, 11, 28, 19, 33))))
    return len(reader.pages), " ".join(reader.pages[0].extract_text().split())


def test_briefing_shows_the_indicators_against_their_targets():
    pages, text = briefing_text("2023-03-31")
    assert pages == 1
    assert "Ergebnisse: Kennzahlen der Projekte" in text
    # targets first: Pinneberg 0 -> 150 and Flensburg 0 -> 300, only Pinneberg reported (more than 200)
    assert "Beteiligungen 0 → 450 (2, illustrativ) mehr als 200 (1 von 2 melden) 1 von 2" in text
    assert "Projektbeschreibungen 0 → 10 (1, illustrativ) 8 (1 von 1 melden) 0 von 1" in text
    assert "Bürgervorschläge 100 → 500 (1, illustrativ) mehr als 600 (1 von 1 melden) 1 von 1" in text
    # plainly no target where none was agreed
    assert "Projektideen kein Zielwert vereinbart etwa 90 (Projekte: 2, zuletzt 30.04.2022) –" in text
    assert text.index("Beteiligungen 0 → 450") < text.index("Projektideen kein Zielwert")


def test_briefing_indicators_follow_the_stichtag():
    pages, text = briefing_text("2021-06-30")
    assert pages == 1
    # only Kirchbarkau's ~50 actors (25.06.2021) are reported by then; the targets exist from the decision on
    assert "Beteiligungen 0 → 450 (2, illustrativ) noch nichts 0 von 2" in text
    assert "Befragte Akteure kein Zielwert vereinbart etwa 50 (Projekte: 1, zuletzt 25.06.2021) –" in text
    assert "Projektideen" not in text
    _, english = briefing_text("2023-03-31", "en")
    assert "Participations 0 → 450 (2, illustrative) more than 200 (1 of 2 report) 1 of 2" in english
    assert "Project ideas no target agreed about 90 (projects: 2, latest 30 Apr 2022) –" in english


def chart(at, title: str) -> dict:
    return next(spec for spec in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if spec["layout"]["title"]["text"] == title)


def end_labels(spec: dict) -> list[tuple[str, float, float]]:
    """(text, y, yshift) of the annotations that name a line at its end (left-anchored, shifted right)."""
    return [(a["text"], a["y"], a.get("yshift", 0)) for a in spec["layout"].get("annotations", [])
            if a.get("xanchor") == "left" and a.get("xshift") == 6]


def test_lines_are_named_at_their_ends_instead_of_a_legend(app):
    # issue 16: few lines carry their names at their right ends, in their colour; the full name stays in the hover
    at = app(role="leitung", page=PAGE)
    payments = chart(at, "Auszahlungen kumuliert, Plan und Ist (in €): das ganze Programm")
    # payment_plan.csv sums to the 872.300 € granted; payment.csv to 792.800 € by 31.03.2023
    assert end_labels(payments) == [("Geplant", 872_300, 0), ("Ausgezahlt", 792_800, 0)]
    lines = [trace for trace in payments["data"] if "lines" in trace["mode"]]
    assert [trace.get("showlegend") for trace in lines] == [False, False]
    assert [trace["line"]["color"] for trace in lines] == [
        a["font"]["color"] for a in payments["layout"]["annotations"] if a.get("xshift") == 6]
    # the marker of the plan on the Stichtag keeps its legend entry
    assert payments["layout"]["showlegend"] is True

    backtest = chart(at, "Nicht abgerufene Mittel: Prognose am Monatsende und Ergebnis (in €)")
    labels = end_labels(backtest)
    # on 28.02.2023 the earlier method said 99.000 €, the forecast and the outcome 79.500 € (see the backtest tests):
    # the two equal ends are pushed apart, the lower one further down
    assert [(text, y) for text, y, _ in labels] == [("Frühere Methode", 99_000), ("Prognose", 79_500),
                                                      ("Ergebnis", 79_500)]
    shifts = [shift for *_, shift in labels]
    assert shifts[0] == 0 and shifts[1] <= 0 and shifts[2] <= shifts[1] - 16
    assert backtest["layout"]["showlegend"] is False


def test_the_lapse_chart_counts_projects_in_german(app):
    # on 31.03.2023 only Flensburg has money at risk (20.000 €), Kiel 59.500 € lapsed: "in 1 Projekt", not "Projekten"
    at = app(role="leitung", page=PAGE)
    spec = chart(at, "Bewilligung je Projekt: ausgezahlt, laut Plan noch erwartet, gefährdet, verfallen "
                     "(in % der Bewilligung)")
    assert spec["layout"]["meta"]["description"] == (
        "Je Projekt die Bewilligung geteilt in ausgezahlt, noch erwartet, gefährdet und verfallen: 20.000 € gefährdet "
        "in 1 Projekt, 59.500 € verfallen.")
