"""The traffic light against the payment plan (project_state in monitor/relations.sql), on the demo data.

Every light on every month end of the term is written out below; each was worked out from data/demo/*.csv with
the rule: a planned payment is late 30 days after its date (programme.payment_grace_days); red from a lag of
40 % of the grant, amber from 20 %; red report or a milestone > 90 days overdue is red; amber report, any overdue
milestone or no report for > 200 days is amber; a final payment closes the project, as "lapsed" if money was
never called.
"""

import datetime as dt
import re
from pathlib import Path

import pytest

from monitor import queries as q, status

PROGRAMME = "dmk-sh"
ROOT = Path(__file__).resolve().parent.parent
CODE = {"R": "red", "A": "amber", "G": "green", "D": "done", "L": "lapsed", "-": "not_started"}

# month end -> lights of DM-01 … DM-09 (R red, A amber, G green, D done, L closed with lapsed funds, - not started)
# Worked examples:
#   2020-12 DM-04 Kiel: 34.000 € planned 15.11.2020, nothing paid until 10.02.2021: 40,0 % of 85.000 € -> R
#   2021-01 DM-05 Flensburg: 30.000 € of 40.000 € paid (10,0 % behind) but report of 29.01.2021 amber -> A
#   2021-11 DM-01 Dithmarschen: 2nd instalment planned 15.10.2021, paid 10.12.2021: 40,0 % behind on 30.11. -> R
#   2022-07 DM-08 Nortorf: term ended 30.06.2022, final payment planned 31.08.2022: on plan -> G (not amber)
#   2022-10 DM-04 Kiel: final payment 20.10.2022 with 25.500 € of 85.000 € paid: 59.500 € lapsed -> L
LIGHTS = {
    "2020-09-30": "GG----G--",
    "2020-10-31": "GG-GGGG--",
    "2020-11-30": "GG-GGGGG-",
    "2020-12-31": "GG-RRGGG-",
    "2021-01-31": "GG-RAGGG-",
    "2021-02-28": "GG-AAGGG-",
    "2021-03-31": "GG-AAGGGG",
    "2021-04-30": "GGGAAGGGG",
    "2021-05-31": "GGGAAGGGG",
    "2021-06-30": "GGGRAGGGG",
    "2021-07-31": "GGGRAGGGG",
    "2021-08-31": "GGGAAGGGG",
    "2021-09-30": "GGGAAGGGG",
    "2021-10-31": "GGGRRAGGG",
    "2021-11-30": "RGGRRGGGG",
    "2021-12-31": "GGGRRGGGG",
    "2022-01-31": "AGARRAGAR",
    "2022-02-28": "ADARRAGGA",
    "2022-03-31": "ADDRAAGGA",
    "2022-04-30": "ADDRAAGGA",
    "2022-05-31": "ADDRAAGGA",
    "2022-06-30": "ADDRAAGGA",
    "2022-07-31": "GDDRRGGGG",
    "2022-08-31": "GDDRRGGGG",
    "2022-09-30": "GDDRRGGDD",
    "2022-10-31": "GDDLRGGDD",
    "2022-11-30": "GDDLRGGDD",
    "2022-12-31": "GDDLRDGDD",
    "2023-01-31": "DDDLRDGDD",
    "2023-02-28": "DDDLADGDD",
    "2023-03-31": "DDDLADDDD",
}


def lights(as_of: dt.date) -> str:
    frame = q.run("project_status", programme_id=PROGRAMME, as_of=as_of).set_index("project_id")
    inverse = {v: k for k, v in CODE.items()}
    return "".join(inverse[frame.loc[f"DM-0{i}", "light"]] if f"DM-0{i}" in frame.index else "?" for i in range(1, 10))


@pytest.mark.parametrize("day", sorted(LIGHTS))
def test_light_of_every_project_on_every_month_end(day):
    assert lights(dt.date.fromisoformat(day)) == LIGHTS[day]


def test_history_is_the_same_relation_on_every_month_end():
    history = q.run("project_status_history", programme_id=PROGRAMME, as_of=dt.date(2023, 3, 31), limit=100)
    inverse = {v: k for k, v in CODE.items()}
    for day, expected in LIGHTS.items():
        on_day = history[history["status_date"] == day].set_index("project_id")["light"]
        got = "".join(inverse[on_day[p]] if p in on_day.index else "-" for p in (f"DM-0{i}" for i in range(1, 10)))
        # before its decision a project has no row at all in the history; here all were decided on 08.09.2020
        assert got == expected, day


def test_kiel_on_31_march_2023_is_closed_with_lapsed_funds():
    frame = status.describe(q.run("project_status", programme_id=PROGRAMME, as_of=dt.date(2023, 3, 31)), "de")
    kiel = frame.set_index("project_id").loc["DM-04"]
    assert kiel["light"] == "lapsed"
    assert kiel["lapsed_eur"] == 59_500            # 85.000 € granted, 17.000 + 8.500 € paid
    assert kiel["light_label"] == "◆ abgeschlossen, Mittel verfallen"
    assert kiel["reason"] == "Schlusszahlung am 20.10.2022: 59.500 € von 85.000 € nicht abgerufen und verfallen"
    # lapsed comes right after red in the ranking, before amber: Kiel leads the attention list
    assert status.attention(frame)["project_id"].tolist() == ["DM-04", "DM-05"]


def test_on_plan_at_the_end_of_the_term_is_green_not_amber():
    # Wirtschaftsraum Rendsburg on 31.12.2021 (its end date): 45.000 € paid, 45.000 € planned so far
    frame = q.run("project_status", programme_id=PROGRAMME, as_of=dt.date(2021, 12, 31)).set_index("project_id")
    row = frame.loc["DM-03"]
    assert (row["light"], row["paid_eur"], row["planned_due_eur"], row["lag_pct"]) == ("green", 45_000, 45_000, 0)


def test_reasons_show_the_numbers_the_rule_compared():
    frame = status.describe(q.run("project_status", programme_id=PROGRAMME, as_of=dt.date(2021, 12, 31)), "de")
    assert frame.set_index("project_id").loc["DM-05", "reason"] == (
        "50,0 % der Zuwendung hinter dem Zahlungsplan: 30.000 € ausgezahlt, 80.000 € bis 01.12.2021 geplant "
        "(rot ab 40 %): rot; Letzter Bericht (29.07.2021) meldet gelb: gelb"
    )
    english = status.describe(q.run("project_status", programme_id=PROGRAMME, as_of=dt.date(2021, 6, 30)), "en")
    assert english.set_index("project_id").loc["DM-04", "reason"] == (
        "Milestone “Anforderungsanalyse Datenplattform” overdue by 91 days (limit 90 days): red; "
        "20.0% of the grant behind the payment plan: €17,000 paid, €34,000 planned by 31 May 2021 "
        "(amber from 20%): amber"
    )
    green = frame.set_index("project_id").loc["DM-07", "reason"]
    assert green == "Im Plan: 78.000 € ausgezahlt, 78.000 € bis 01.12.2021 geplant, nichts überfällig: grün"


def test_a_lag_just_below_the_threshold_is_not_rounded_up_into_it():
    # lag_pct is rounded to one decimal before the comparison, so the printed figure and the light agree
    frame = q.run("project_status", programme_id=PROGRAMME, as_of=dt.date(2021, 1, 31)).set_index("project_id")
    assert frame.loc["DM-05", "lag_pct"] == 10.0 and frame.loc["DM-05", "light"] == "amber"   # amber by report
    assert frame.loc["DM-04", "lag_pct"] == 40.0 and frame.loc["DM-04", "light"] == "red"


def test_after_the_last_data_date_missing_reports_become_overdue():
    frame = status.describe(q.run("project_status", programme_id=PROGRAMME, as_of=dt.date(2023, 12, 1)), "de")
    flensburg = frame.set_index("project_id").loc["DM-05"]
    assert bool(flensburg["is_report_overdue"]) and flensburg["days_since_report"] == 245   # since 31.03.2023
    assert flensburg["report_state"] == "Bericht überfällig (245 Tage)"


# --- one rule, one relation: no query restates what monitor/relations.sql defines -------------------------------------

RULE_FRAGMENTS = {
    r"decision_date\s*<=\s*\$as_of": "a project exists from its decision on: use project_as_of()",
    r"'schlusszahlung'": "the final payment closes a project: use project_state()",
    r"received_date\s*<=\s*\$as_of": "an application exists from its receipt on: use application_as_of()",
    r"points_sum\s*-\s*\w+\.points": "the mean of the other jurors: use mean_of_others()",
    r"weight_pct\s*/\s*100": "weights (goal money, jury totals): use project_goal_money() or application_ranking()",
    r"\b(amber|red)_gap_pct\b": "the light's thresholds: use project_state()",
    r"\bred_overdue_days\b|\breport_interval_days\b": "the light's thresholds: use project_state()",
}
# the programme list shows the thresholds as settings; it applies none of them
ALLOWED = {"programmes.sql"}


def test_no_query_restates_a_rule():
    offenders = []
    for path in sorted((ROOT / "queries").glob("*.sql")):
        if path.name in ALLOWED:
            continue
        sql = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        for pattern, rule in RULE_FRAGMENTS.items():
            if re.search(pattern, sql, re.IGNORECASE):
                offenders.append(f"{path.name}: {rule}")
    assert offenders == []
