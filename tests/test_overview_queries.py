"""The Übersicht's queries on the demo data; expected figures worked out by hand from data/demo/*.csv."""

import datetime as dt

import pytest

from monitor import queries as q, status

PROGRAMME = "dmk-sh"


def summary(as_of):
    return q.run("programme_summary", programme_id=PROGRAMME, as_of=as_of).iloc[0]


def lights(as_of):
    frame = q.run("project_status", programme_id=PROGRAMME, as_of=as_of)
    return dict(zip(frame["project_id"], frame["light"]))


def test_summary_on_30_june_2021():
    row = summary(dt.date(2021, 6, 30))
    assert row["budget_eur"] == 1_000_000
    assert row["project_count"] == 9
    # 5 x 100.000 + 99.800 + 97.500 + 90.000 + 85.000
    assert row["granted_eur"] == 872_300
    # payments Z-0001..Z-0009 (the 2nd DM-02 instalment follows on 14.07.2021)
    assert row["paid_eur"] == 330_920
    # first instalments of all nine, plus DM-02's second one planned for 30.06.2021
    assert row["planned_eur"] == 397_920
    assert row["paid_pct"] == pytest.approx(100 * 330_920 / 872_300)
    # programme term 01.09.2020-31.12.2022 = 851 days, 302 of them elapsed
    assert row["term_elapsed_pct"] == pytest.approx(100 * 302 / 851)
    assert (row["milestones_due_count"], row["milestones_due_done_count"], row["milestones_overdue_count"]) == (9, 7, 1)
    assert row["milestone_count"] == 30
    # the light's plan: payments planned by 31.05.2021 (30 days' grace) = 397.920 − DM-02's 40.000 of 30.06.
    assert row["planned_due_eur"] == 357_920
    # overdue: Kiel 34.000 − 17.000 and Flensburg 40.000 − 30.000
    assert row["overdue_eur"] == 27_000
    assert (row["red_count"], row["amber_count"], row["green_count"]) == (1, 1, 7)


def test_summary_on_last_data_date():
    row = summary(dt.date(2023, 3, 31))
    # everything but Kiel's lapsed 59.500 € and Flensburg's outstanding 20.000 €
    assert row["paid_eur"] == 792_800
    assert row["planned_eur"] == 872_300
    assert row["term_elapsed_pct"] == 100
    assert (row["milestones_due_count"], row["milestones_done_count"], row["milestones_overdue_count"]) == (30, 30, 0)
    # Kiel closed with 59.500 € never called; Flensburg's last 20.000 € (planned 31.08.2022) are overdue
    assert (row["lapsed_eur"], row["at_risk_eur"]) == (59_500, 20_000)
    assert (row["lapsed_count"], row["amber_count"], row["done_count"]) == (1, 1, 7)


def test_before_the_decision_nothing_is_funded():
    row = summary(dt.date(2020, 8, 1))
    assert row["project_count"] == 0
    assert row["granted_eur"] == 0
    assert row["paid_eur"] == 0
    assert row["first_decision_date"].date() == dt.date(2020, 9, 8)   # from the projects, not the programme


def test_default_stichtag_is_the_last_data_date():
    span = q.run("data_date_range", programme_id=PROGRAMME, today=dt.date(2026, 11, 30)).iloc[0]
    assert span["last_data_date"].date() == dt.date(2023, 3, 31)   # Flensburg's report R-05-6
    assert span["first_date"].date() == dt.date(2019, 12, 20)      # competition launched
    # the term ended 31.12.2022: the Stichtag may go a year beyond it, to see what became overdue
    assert span["last_date"].date() == dt.date(2023, 12, 31)
    assert span["default_date"].date() == dt.date(2023, 3, 31)


def test_while_the_term_runs_the_stichtag_reaches_today_and_starts_there():
    span = q.run("data_date_range", programme_id=PROGRAMME, today=dt.date(2022, 5, 10)).iloc[0]
    assert span["last_date"].date() == dt.date(2023, 3, 31)       # never before the last data date
    assert span["default_date"].date() == dt.date(2022, 5, 10)


def test_lights_on_30_june_2021():
    # Kiel: milestone M-04-1 planned 31.03.2021 still open, 91 days > 90 -> red
    # Flensburg: latest report (29.01.2021) amber
    expected = {f"DM-0{i}": "green" for i in range(1, 10)} | {"DM-04": "red", "DM-05": "amber"}
    assert lights(dt.date(2021, 6, 30)) == expected


def test_lights_on_31_july_2022():
    assert lights(dt.date(2022, 7, 31)) == {
        "DM-01": "green", "DM-02": "done", "DM-03": "done",
        "DM-04": "red",      # 17.000 of 68.000 € planned by 01.07.2022 paid: 60 % of the grant behind
        "DM-05": "red",      # latest report (29.07.2022) red
        "DM-06": "green", "DM-07": "green",
        "DM-08": "green",    # term over, but the final 20.000 € are planned for 31.08.2022: on plan
        "DM-09": "green",    # the same, final payment planned 31.08.2022
    }


def test_lights_on_last_data_date():
    expected = {f"DM-0{i}": "done" for i in range(1, 10)} | {"DM-04": "lapsed", "DM-05": "amber"}
    assert lights(dt.date(2023, 3, 31)) == expected


def test_reason_names_the_rule_in_words():
    frame = q.run("project_status", programme_id=PROGRAMME, as_of=dt.date(2022, 7, 31))
    kiel = status.describe(frame, "de").set_index("project_id").loc["DM-04"]
    assert status.reasons(kiel) == [
        "60,0 % der Zuwendung hinter dem Zahlungsplan: 17.000 € ausgezahlt, 68.000 € bis 01.07.2022 geplant "
        "(rot ab 40 %): rot",
        "Letzter Bericht (31.01.2022) meldet gelb: gelb",
    ]


def test_next_milestones_overdue_first():
    frame = q.run("next_milestones", programme_id=PROGRAMME, as_of=dt.date(2021, 6, 30), limit=3)
    assert frame["milestone_id"].tolist() == ["M-04-1", "M-08-1", "M-05-2"]
    assert frame["days_until_count"].tolist() == [-91, 0, 92]
    assert frame["is_overdue"].tolist() == [True, False, False]


def test_reports_overdue_when_a_project_stops_reporting():
    # Kiel reports on 31.01.2022, then not before 15.12.2022: on 30.09.2022 that is 242 days > 200
    frame = q.run("project_status", programme_id=PROGRAMME, as_of=dt.date(2022, 9, 30)).set_index("project_id")
    assert frame.loc["DM-04", "days_since_report"] == 242
    assert bool(frame.loc["DM-04", "is_report_overdue"])
    # after its final payment (20.10.2022) no more reports are owed
    later = q.run("project_status", programme_id=PROGRAMME, as_of=dt.date(2022, 11, 30)).set_index("project_id")
    assert not bool(later.loc["DM-04", "is_report_overdue"])
