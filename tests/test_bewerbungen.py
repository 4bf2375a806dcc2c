"""Bewerbungen (confidential): funnel, ranking, agreement, leniency, sensitivity and simulator on the demo data.

Expected values are literals worked out from data/demo/*.csv with pandas, independently of the queries
(see the comments); the ICC and the normalised ranking are recomputed here with numpy/pandas from the CSVs.
"""

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from monitor import i18n, navigation, simulator
from tests.conftest import ROOT, run_query

AS_OF = dt.date(2021, 6, 30)
PARAMS = {"programme_id": "dmk-sh", "as_of": AS_OF}
DEMO = ROOT / "data" / "demo"
PAGE = "pages/bewerbungen.py"


def demo(table: str) -> pd.DataFrame:
    return pd.read_csv(DEMO / f"{table}.csv", dtype={"region_id": str, "kreis_id": str})


# --- the field ------------------------------------------------------------------------------------------

def test_funnel_counts_and_dropouts():
    funnel = run_query("jury_funnel", **PARAMS)
    # application.csv: 9 selected, 26 not_selected, 5 ineligible, 2 withdrawn = 42
    assert funnel["stage"].tolist() == ["received", "eligible", "scored", "selected"]
    assert funnel["application_count"].tolist() == [42, 37, 35, 9]
    assert funnel["dropped_count"].tolist() == [0, 5, 2, 26]
    status = demo("application")["status"].value_counts().to_dict()
    assert status == {"not_selected": 26, "selected": 9, "ineligible": 5, "withdrawn": 2}

    dropouts = run_query("jury_dropouts", **PARAMS)
    reasons = {(r.dropout_stage, r.reason_kind, r.dropout_reason if isinstance(r.dropout_reason, str) else None):
               r.application_count for r in dropouts.itertuples()}
    assert reasons == {
        ("eligible", "ineligible", "Unterlagen unvollständig"): 2,            # BW-21, BW-27
        ("eligible", "ineligible", "Antrag nach Fristende eingegangen"): 1,   # BW-42
        ("eligible", "ineligible", "Kein kommunaler Antragsteller / Antragsberechtigung fehlt"): 1,  # BW-13
        ("eligible", "ineligible", "Vorhaben bereits begonnen"): 1,           # BW-14
        ("scored", "withdrawn", "Antrag zurückgezogen"): 2,                   # BW-19, BW-24
        ("selected", "below_line", None): 26,
    }


def test_funnel_by_kind():
    by_kind = run_query("jury_funnel_by_kind", **PARAMS).set_index("applicant_kind")
    got = {k: (r.received_count, r.eligible_count, r.scored_count, r.selected_count) for k, r in by_kind.iterrows()}
    assert got == {
        "stadt": (20, 18, 16, 2), "gemeinde": (5, 4, 4, 1), "kreis": (5, 5, 5, 2),
        "verbund": (5, 4, 4, 2), "kreisfreie_stadt": (4, 4, 4, 2), "amt": (3, 2, 2, 0),
    }


def test_funnel_by_kreis_covers_every_kreis():
    kreise = run_query("jury_funnel_by_kreis", **PARAMS).set_index("kreis_name")
    assert len(kreise) == 15
    assert kreise["received_count"].to_dict() == {
        "Flensburg": 1, "Kiel": 1, "Lübeck": 1, "Neumünster": 1, "Dithmarschen": 3, "Herzogtum Lauenburg": 3,
        "Nordfriesland": 4, "Ostholstein": 3, "Pinneberg": 4, "Plön": 3, "Rendsburg-Eckernförde": 4,
        "Schleswig-Flensburg": 4, "Segeberg": 4, "Steinburg": 3, "Stormarn": 3,
    }
    selected = kreise[kreise["selected_count"] > 0]["selected_count"].to_dict()
    assert selected == {"Flensburg": 1, "Kiel": 1, "Dithmarschen": 1, "Ostholstein": 1, "Pinneberg": 1, "Plön": 1,
                        "Rendsburg-Eckernförde": 2, "Schleswig-Flensburg": 1}
    # Nordfriesland: Husum 86.000 + Sylt 120.000 + Amt Südtondern 100.000 + Kreis Nordfriesland 100.000
    assert kreise.loc["Nordfriesland", "requested_eur"] == 406_000
    # Rendsburg-Eckernförde: Rendsburg 90.000 + Nortorf 100.000 granted
    assert kreise.loc["Rendsburg-Eckernförde", "granted_eur"] == 190_000
    assert kreise["granted_eur"].sum() == 872_300


def test_goals_all_vs_winners():
    goals = run_query("jury_goals", **PARAMS, lang="de").set_index("goal_id")
    assert goals.loc["partizipation", "applications_count"] == 30
    assert goals.loc["partizipation", "winners_count"] == 7
    assert goals.loc["klimaneutralitaet", "applications_count"] == 10
    assert goals.loc["klimaneutralitaet", "winners_pct"] == pytest.approx(100 * 4 / 9)


# --- scores and ranking ---------------------------------------------------------------------------------

def independent_totals(scores: pd.DataFrame, agg: str = "mean") -> pd.Series:
    """Σ weight/100 × (mean|median) points of the non-recused jurors, straight from the CSVs."""
    weights = demo("criterion").set_index("criterion_id")["weight_pct"] / 100
    per_criterion = scores[~scores["is_recused"]].groupby(["application_id", "criterion_id"])["points"].agg(agg)
    return (per_criterion.unstack() * weights).sum(axis=1).sort_values(ascending=False)


def test_weighted_total_and_rank_of_named_applications():
    ranking = run_query("jury_ranking", **PARAMS).set_index("application_id")
    assert len(ranking) == 35
    # by hand from score.csv (pandas, see independent_totals): rank 9 Kirchbarkau, rank 10 Norderstedt
    assert ranking.loc["BW-01", "total_points"] == pytest.approx(7.955)
    assert ranking.loc["BW-01", "rank"] == 1
    assert ranking.loc["BW-09", "total_points"] == pytest.approx(6.665)
    assert ranking.loc["BW-09", "rank"] == 9
    assert ranking.loc["BW-40", "total_points"] == pytest.approx(6.405)
    assert ranking.loc["BW-40", "rank"] == 10
    # BW-04 Kiel: ITVSH recused, so each criterion is the mean of four jurors
    assert ranking.loc["BW-04", "total_points"] == pytest.approx(6.8875)
    assert ranking.loc["BW-04", "rank"] == 8
    assert ranking.loc["BW-04", "recused_jurors"] == "ITVSH"
    assert set(ranking[ranking["rank"] <= 9].index) == {f"BW-0{i}" for i in range(1, 10)}
    assert ranking["line_count"].iloc[0] == 9
    expected = independent_totals(demo("score"))
    assert ranking["total_points"].to_dict() == pytest.approx(expected.to_dict())


def test_recused_scores_are_marked_and_left_out():
    scores = run_query("jury_scores", **PARAMS, lang="de")
    recused = scores[scores["is_recused"]]
    assert len(recused) == 24
    assert recused["points"].isna().all()
    pairs = set(recused[["application_id", "juror_id"]].itertuples(index=False, name=None))
    assert pairs == {("BW-36", "klv"), ("BW-04", "itvsh"), ("BW-39", "itvsh"), ("BW-12", "ihk")}
    spread = (run_query("jury_spread", **PARAMS, lang="de", discordant_points=4, row_limit=50)
              .set_index(["application_id", "criterion_id"]))
    assert spread.loc[("BW-12", "buergernutzen"), "rater_count"] == 4
    assert spread.loc[("BW-12", "buergernutzen"), "recused_count"] == 1


def test_normalised_ranking_beside_the_raw_one():
    ranking = run_query("jury_ranking", **PARAMS).set_index("application_id")
    scores = demo("score")
    valid = scores[~scores["is_recused"]].copy()
    by_juror = valid.groupby("juror_id")["points"]
    valid["points"] = (valid["points"] - by_juror.transform("mean")) / by_juror.transform("std")
    z_totals = independent_totals(valid)
    z_rank = z_totals.rank(ascending=False, method="min").astype(int)
    assert ranking["normalised_rank"].to_dict() == z_rank.to_dict()
    # Lübeck (IHK recused) drops from 12 to 14 once the IHK's strictness is taken out; Husum rises to 12
    assert (ranking.loc["BW-12", "rank"], ranking.loc["BW-12", "normalised_rank"]) == (12, 14)
    assert (ranking.loc["BW-37", "rank"], ranking.loc["BW-37", "normalised_rank"]) == (13, 12)


# --- agreement ------------------------------------------------------------------------------------------

def icc_2_1(table: np.ndarray) -> float:
    """ICC(2,1), Shrout & Fleiss: rows = applications, columns = jurors, complete cases only."""
    n, k = table.shape
    grand = table.mean()
    ss_rows = k * ((table.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((table.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((table - grand) ** 2).sum() - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), ss_error / ((n - 1) * (k - 1))
    return (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)


def test_icc_of_sustainability_matches_an_independent_computation():
    scores = demo("score")
    sustainability = scores[scores["criterion_id"] == "nachhaltigkeit"]
    table = sustainability.pivot(index="application_id", columns="juror_id", values="points").dropna()
    assert table.shape == (31, 5)          # 35 scored applications minus 4 with a recusal
    expected = icc_2_1(table.to_numpy())
    assert expected == pytest.approx(0.4675, abs=5e-5)

    agreement = run_query("jury_agreement", **PARAMS, lang="de").set_index("criterion_id")
    assert agreement.loc["nachhaltigkeit", "icc"] == pytest.approx(expected, abs=1e-9)
    assert agreement.loc["nachhaltigkeit", "complete_applications_count"] == 31
    assert agreement.loc["nachhaltigkeit", "icc_band"] == "poor"
    assert agreement["icc_band"].to_dict() == {
        "buergernutzen": "moderate", "uebertragbarkeit": "good", "beteiligung": "good",
        # Interkommunal 0.7483 prints as "0,75" and is judged so: good, as the scale beside it says
        "interkommunal": "good", "nachhaltigkeit": "poor", "umsetzbarkeit": "good",
    }
    others = agreement.drop(index="nachhaltigkeit")["icc"]
    assert others.min() == pytest.approx(0.6934, abs=5e-5) and others.max() == pytest.approx(0.7983, abs=5e-5)


def test_discordant_applications_and_their_outlier():
    spread = run_query("jury_spread", **PARAMS, lang="de", discordant_points=4, row_limit=50)
    flagged = spread[spread["is_discordant"]]
    got = {(r.application_id, r.criterion_id, r.outlier_juror_id, r.spread_points) for r in flagged.itertuples()}
    # score.csv: BW-09 Bürgernutzen 2.5 (IHK) … 8.0; BW-23 Nachhaltigkeit 3.0 … 10.0 (MELUND);
    # BW-30 Interkommunal 5.5 … 10.0 (klv)
    assert got == {("BW-09", "buergernutzen", "ihk", 5.5), ("BW-23", "nachhaltigkeit", "melund", 7.0),
                   ("BW-30", "interkommunal", "klv", 4.5)}
    stricter = run_query("jury_spread", **PARAMS, lang="de", discordant_points=5, row_limit=50)
    assert sorted(stricter[stricter["is_discordant"]]["application_id"]) == ["BW-09", "BW-23"]


def test_leniency_of_named_jurors():
    leniency = run_query("jury_leniency", **PARAMS).set_index("juror_id")
    # mean over the juror's scores of (own points − mean of the other non-recused jurors on that cell)
    assert leniency.loc["ihk", "offset_points"] == pytest.approx(-0.81005, abs=5e-5)
    assert leniency.loc["melund", "offset_points"] == pytest.approx(0.61429, abs=5e-5)
    assert leniency.loc["ihk", "recused_count"] == 1 and leniency.loc["itvsh", "recused_count"] == 2
    assert leniency.loc["ihk", "scores_count"] == 204       # 35 × 6 minus the 6 recused for BW-12
    assert leniency.index[0] == "ihk" and leniency.index[-1] == "melund"


# --- sensitivity ----------------------------------------------------------------------------------------

def test_only_leaving_out_the_innenministerium_changes_the_selection():
    sensitivity = run_query("jury_sensitivity", **PARAMS, row_limit=50)
    # mean, median, normalised, five jurors left out; for the 13 applications near the line (best rank at most
    # 12 under some method): the nine winners, Norderstedt (10), Eckernförde (11), Lübeck (12), Husum (13 → 12)
    assert len(sensitivity) == 13 * 8
    assert set(sensitivity["application_id"]) == ({f"BW-0{i}" for i in range(1, 10)}
                                                  | {"BW-40", "BW-41", "BW-12", "BW-37"})
    moves = sensitivity.drop_duplicates(["variant", "left_out_juror_id"]).set_index(["variant", "left_out_juror_id"])
    assert moves.loc[("without", "im"), ["moved_up_count", "moved_down_count"]].tolist() == [1, 1]
    assert moves["moved_up_count"].sum() == 1 and moves["moved_down_count"].sum() == 1
    crossing = sensitivity[sensitivity["crosses_line"]]
    assert set(zip(crossing["variant"], crossing["left_out_juror_id"], crossing["application_id"])) == {
        ("without", "im", "BW-40"), ("without", "im", "BW-09"),
    }
    # independently: without im, Norderstedt 6.531 overtakes Kirchbarkau 6.488
    scores = demo("score")
    without_im = independent_totals(scores[scores["juror_id"] != "im"])
    assert without_im["BW-40"] == pytest.approx(6.53125) and without_im["BW-09"] == pytest.approx(6.4875)
    assert set(independent_totals(scores, "median").index[:9]) == {f"BW-0{i}" for i in range(1, 10)}


# --- simulator ------------------------------------------------------------------------------------------

def funded(result: simulator.Result) -> dict[str, float]:
    frame = result.frame
    return dict(zip(frame[frame["is_funded"]]["application_id"], frame[frame["is_funded"]]["amount_eur"]))


def test_simulator_with_the_programme_defaults_funds_one_more():
    ranking = run_query("jury_ranking", **PARAMS)
    result = simulator.simulate(ranking, simulator.Rules(budget_eur=1_000_000, cap_eur=100_000))
    # the nine winners requested 100.000 € each; rank 10 Norderstedt requested 125.000 €, capped: 10 × 100.000
    assert funded(result) == {app: 100_000 for app in
                              ["BW-01", "BW-05", "BW-08", "BW-07", "BW-02", "BW-06", "BW-03", "BW-04", "BW-09",
                               "BW-40"]}
    assert result.spent_eur == 1_000_000 and result.remaining_eur == 0


def test_simulator_with_one_per_kreis_swaps_rendsburg_for_two_others():
    ranking = run_query("jury_ranking", **PARAMS)
    result = simulator.simulate(ranking, simulator.Rules(max_per_kreis=1))
    # BW-03 Wirtschaftsraum Rendsburg shares Rendsburg-Eckernförde with BW-08 Nortorf (rank 3)
    assert list(funded(result)) == ["BW-01", "BW-05", "BW-08", "BW-07", "BW-02", "BW-06", "BW-04", "BW-09",
                                    "BW-40", "BW-41"]
    outcome = result.frame.set_index("application_id")["outcome"]
    assert outcome["BW-03"] == "kreis_limit"
    assert outcome["BW-37"] == "budget"


def test_simulator_quota_partial_and_skip():
    ranking = run_query("jury_ranking", **PARAMS)
    # at least one Amt: BW-39 Amt Südtondern (rank 21) is funded first, Norderstedt no longer fits
    quota = simulator.simulate(ranking, simulator.Rules(min_kinds=("amt",)))
    assert funded(quota)["BW-39"] == 100_000 and "BW-40" not in funded(quota)
    assert quota.frame.set_index("application_id").loc["BW-39", "outcome"] == "quota"
    # 950.000 €: the rest of 50.000 € goes to Norderstedt (partial) or nobody (no request ≤ 50.000 € is scored)
    partial = simulator.simulate(ranking, simulator.Rules(budget_eur=950_000, when_short="partial"))
    assert funded(partial)["BW-40"] == 50_000 and partial.spent_eur == 950_000
    skip = simulator.simulate(ranking, simulator.Rules(budget_eur=950_000, when_short="skip"))
    assert len(funded(skip)) == 9 and skip.remaining_eur == 50_000
    unmet = simulator.simulate(ranking, simulator.Rules(budget_eur=0, min_kreise=("01062",)))
    assert unmet.unmet_kreise == ("01062",) and not funded(unmet)


# --- the page -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["jury", "admin"])
def test_page_for_jury_and_admin(app, role):
    at = app(role=role, page=PAGE, stichtag="2021-06-30")
    assert not at.exception, [e.message for e in at.exception]
    assert [x.value for x in at.title] == ["Bewerbungen"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Eingegangen"] == "42"
    assert metrics["Formal zulässig"] == "37"
    assert metrics["Bewertet"] == "35"
    assert metrics["Ausgewählt"] == "9"
    assert metrics["Bewilligt"] == "872.300 €"
    assert metrics["Gefördert (Simulation)"] == "10"
    assert metrics["Vergeben (Simulation)"] == "1.000.000 €"
    text = "\n".join(m.value for m in at.markdown)
    assert "**ohne Innenministerium**: die Auswahl ändert sich – über die Linie rückt Stadt Norderstedt, " \
           "darunter fällt Gemeinde Kirchbarkau." in text
    assert "**Median**: dieselben Bewerbungen über der Förderlinie." in text
    assert "**Nachhaltigkeit und Klimaschutz**: ICC 0,47, schwache Übereinstimmung" in text
    assert "⚠ **BW-09 Gemeinde Kirchbarkau**, Bürgernutzen" in text
    assert "Am strengsten wertete **IHK** (-0,8 Punkte" in text
    assert len(at.get("plotly_chart")) == 15


def test_four_tabs_one_per_question_and_the_funnel_first(app):
    at = app(role="jury", page=PAGE, stichtag="2021-06-30")
    assert [tab.label for tab in at.tabs] == ["Feld", "Bewertung", "Übereinstimmung", "Förderlinie"]
    field, scores, agreement, line = at.tabs
    # the first screen: the four stages as key figures, then the funnel chart
    assert [m.label for m in field.metric][:4] == ["Eingegangen", "Formal zulässig", "Bewertet", "Ausgewählt"]
    assert [h.value for h in field.header] == ["Nach Art der Antragsteller", "Nach Kreis", "Beantragt und bewilligt",
                                               "Ziele aller Bewerbungen und der Gewinner"]
    assert [h.value for h in scores.header] == ["Gewichtete Gesamtpunktzahl und Rang", "Punkte je Kriterium",
                                                "Strenge und Milde", "Rangfolge auf normierten Punkten"]
    assert [h.value for h in agreement.header] == ["Uneinige Bewertungen (Spannweite ab 4,0 Punkten)"]
    assert [h.value for h in line.header] == ["Hält die Auswahl?", "Förderlinien-Simulator"]
    assert [len(tab.get("plotly_chart")) for tab in at.tabs] == [6, 5, 2, 2]


def test_every_chart_says_its_message(app):
    # data/demo on 30.06.2021 (see the query tests above for each figure): application.csv 42 received, 5
    # ineligible, 2 withdrawn, 9 selected (9/42 = 21 %); 20 from towns (2 selected), 3 Ämter (none selected);
    # four applications each from Nordfriesland, Pinneberg, Rendsburg-Eckernförde, Schleswig-Flensburg and Segeberg;
    # the nine winners requested 9 × 100.000 € and got 872.300 €, Kiel 85.000 €; score.csv totals, medians, ICCs
    # and offsets as in the tests above; the simulator with the programme's 1.000.000 € and 100.000 € funds
    # Norderstedt as tenth
    at = app(role="jury", page=PAGE, stichtag="2021-06-30")
    assert descriptions(at) == [
        "Von 42 eingegangenen Bewerbungen waren 37 formal zulässig, 35 wurden bewertet und 9 ausgewählt (21 %).",
        "Bewerbungen je Stufe nach Art der Antragsteller: die meisten kamen von der Art „Stadt“ (20, davon 2 "
        "ausgewählt); ohne ausgewählte Bewerbung: Amt.",
        "Karte der Kreise, eingefärbt nach „Eingegangene Bewerbungen“: am meisten (4) in Nordfriesland, Pinneberg, "
        "Rendsburg-Eckernförde, Schleswig-Flensburg, Segeberg; Bewerbungen kamen aus 15 von 15 Kreisen, 42 "
        "Antragsteller sind als Punkte eingezeichnet.",
        "Je Gewinner beantragt und bewilligt: die 9 Gewinner beantragten 900.000 € und erhielten 872.300 €; am "
        "stärksten gekürzt wurde Landeshauptstadt Kiel (85.000 € statt 100.000 €).",
        "Verteilung der beantragten Beträge je Ergebnis; der Median: ausgewählt 100.000 €, nicht ausgewählt "
        "94.000 €, formal unzulässig 68.000 €, zurückgezogen 76.000 €.",
        "Anteil der Bewerbungen und der Gewinner je Ziel: am häufigsten Partizipation (71 % aller Bewerbungen, 78 % "
        "der Gewinner); am stärksten gewinnt Klimaneutralität (24 % aller Bewerbungen, 44 % der Gewinner).",
        "Gewichtete Gesamtpunktzahl, die besten 35 von 35 bewerteten Bewerbungen: vorn Kreis Dithmarschen mit 7,955, "
        "als letzte über der Förderlinie (Platz 9) Gemeinde Kirchbarkau mit 6,665. Direkt darunter: Stadt "
        "Norderstedt mit 6,405.",
        "Punkte je Kriterium: die Mediane der Gewinner liegen bei 6,5 bis 8,0 Punkten, die der übrigen bei 4,5 bis "
        "5,0; am weitesten auseinander bei Interkommunale Zusammenarbeit (8,0 gegen 5,0).",
        "Mittlere Abweichung je Institution vom Mittel der anderen: am strengsten IHK (-0,81 Punkte), am mildesten "
        "MELUND (+0,61 Punkte).",
        "Abweichung je Institution und Kriterium: am größten bei IHK im Kriterium Bürgernutzen (-0,99 Punkte).",
        "Rang auf Rohpunkten gegen Rang auf normierten Punkten für Platz 1 bis 35: 3 Bewerbungen wechseln den Platz, "
        "keine über die Förderlinie.",
        "Übereinstimmung der Jury je Kriterium: am höchsten bei Übertragbarkeit auf andere Kommunen (ICC 0,80), am "
        "niedrigsten bei Nachhaltigkeit und Klimaschutz (ICC 0,47, schwach).",
        "Spannweite der Wertungen, die 35 von 35 Bewerbungen mit der größten Spannweite: 3 Wertungen liegen 4,0 "
        "Punkte oder mehr auseinander, am weitesten BW-23 Gemeinde Sylt in Nachhaltigkeit und Klimaschutz "
        "(7,0 Punkte).",
        "Rang der 13 Bewerbungen um die Förderlinie in der Regel und 7 anderen Verfahren; eine andere Auswahl ergibt: "
        "ohne Innenministerium.",
        "Simuliert gegen tatsächlich bewilligt je Bewerbung bei 1.000.000 € Budget und höchstens 100.000 € je "
        "Gewinner: 10 Bewerbungen gefördert statt 9 (neu gefördert: 1, nicht mehr gefördert: 0).",
    ]


def descriptions(at) -> list[str]:
    metas = [json.loads(chart.proto.spec).get("layout", {}).get("meta") for chart in at.get("plotly_chart")]
    return [meta.get("description") if isinstance(meta, dict) else None for meta in metas]


def test_widgets_show_german_numbers(app):
    at = app(role="jury", page=PAGE, stichtag="2021-06-30")
    threshold = at.select_slider(key="ju_threshold")
    assert threshold.value == 4.0
    assert threshold.options[:3] == ["1,0", "1,5", "2,0"] and threshold.options[-1] == "10,0"
    assert at.text_input(key="ju_sim_budget").value == "1.000.000"
    assert at.text_input(key="ju_sim_cap").value == "100.000"
    # typed without grouping: written back grouped, and the simulation uses it
    at.text_input(key="ju_sim_budget").input("900000").run()
    assert at.text_input(key="ju_sim_budget").value == "900.000"
    assert {m.label: m.value for m in at.metric}["Vergeben (Simulation)"] == "900.000 €"
    # no amount: a note naming what was typed and the default the simulation keeps
    at.text_input(key="ju_sim_budget").input("viel").run()
    assert [e.value for e in at.error] == ["„viel“ ist kein Betrag zwischen 0 € und 100.000.000 €; gerechnet wird "
                                           "mit 1.000.000 €."]
    assert {m.label: m.value for m in at.metric}["Vergeben (Simulation)"] == "1.000.000 €"


def test_simulator_widgets_change_the_result(app):
    at = app(role="jury", page=PAGE, stichtag="2021-06-30")
    at.selectbox(key="ju_sim_max_per_kreis").set_value(1).run()
    assert not at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "käme hinzu: Stadt Norderstedt, Kreis Nordfriesland; fiele heraus: Wirtschaftsraum Rendsburg." in text
    at.text_input(key="ju_sim_budget").input("900.000").run()
    at.selectbox(key="ju_sim_max_per_kreis").set_value(0).run()
    assert "Die Simulation fördert genau die tatsächlich ausgewählten Bewerbungen." in [s.value for s in at.success]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Vergeben (Simulation)"] == "900.000 €"


def test_threshold_widget_changes_the_flagged_applications(app):
    at = app(role="jury", page=PAGE, stichtag="2021-06-30")
    at.select_slider(key="ju_threshold").set_value(6.0).run()
    flagged = [m.value for m in at.markdown if m.value.startswith("⚠")]
    assert len(flagged) == 1 and flagged[0].startswith("⚠ **BW-23 Gemeinde Sylt**")


def test_page_in_english(app):
    at = app(role="admin", page=PAGE, stichtag="2021-06-30")
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception, [e.message for e in at.exception]
    assert [x.value for x in at.title] == ["Applications"]
    assert {m.label: m.value for m in at.metric}["Formally eligible"] == "37"


def test_before_the_decision_only_the_received_count(app):
    at = app(role="jury", page=PAGE, stichtag="2020-04-30")
    assert not at.exception
    # application.csv: BW-10 … BW-21 were received by 30.04.2020
    assert [i.value for i in at.info] == [i18n.t("ju.before_decision", lang="de", count=12, date="26.08.2020")]
    assert not at.get("plotly_chart") and not at.dataframe


# --- confidentiality ------------------------------------------------------------------------------------

def test_only_jury_and_admin_have_the_page():
    spec = next(p for p in navigation.PAGES if p.file == PAGE)
    assert spec.roles == ("jury", "admin") and spec.url_path == "bewerbungen"
    for role in ("leitung", "analyse", "datenpflege"):
        assert PAGE not in [p.file for p in navigation.pages_for(role)]


@pytest.mark.parametrize("role", ["leitung", "analyse", "datenpflege"])
def test_other_roles_are_refused(app, monkeypatch, role):
    at = app(role=role)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    # started directly (a fresh server's first request to the page): the guard refuses before any query
    monkeypatch.setenv("MONITOR_ROLE", role)
    direct = AppTest.from_file(str(ROOT / PAGE), default_timeout=60).run()
    assert not direct.exception
    assert [e.value for e in direct.error] == [i18n.t("app.forbidden", lang="de",
                                                      role=i18n.t(f"role.{role}", lang="de"))]
    assert not direct.dataframe and not direct.metric and not direct.get("plotly_chart") and not direct.markdown


def test_jury_queries_read_the_rules_from_the_relations():
    # monitor/relations.sql holds the rules once: valid_score (no recused score, eligible applications received by
    # the Stichtag), application_as_of, application_stage, score_cell, application_ranking; no query restates one
    for path in sorted((ROOT / "queries").glob("jury_*.sql")):
        sql = re.sub(r"--[^\n]*", "", path.read_text("utf-8")).lower()
        assert not re.search(r"not\s+(score\.)?is_recused", sql), f"{path.stem}: valid scores restated"
        assert "received_date <=" not in sql and "decision_date <=" not in sql, f"{path.stem}: as-of rule restated"
        assert "status = 'ineligible' then" not in sql, f"{path.stem}: funnel stage restated"
        if path.stem != "jury_sensitivity":   # the variants are other rankings by design
            assert "rank() over" not in sql, f"{path.stem}: ranking restated"
    relations = (ROOT / "monitor" / "relations.sql").read_text("utf-8")
    for name in ("application_as_of", "valid_score", "application_stage", "juror_scale", "score_cell",
                 "application_ranking"):
        assert f"create or replace macro {name}(" in relations


def test_jury_queries_and_charts_are_used_by_the_jury_page_only():
    pattern = re.compile(r"\bjury_[a-z_]+")
    code = [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "monitor").glob("*.py")]
    users = {path.relative_to(ROOT).as_posix() for path in code
             if path.name not in ("bewerbungen.py", "jury_charts.py") and pattern.search(path.read_text("utf-8"))}
    assert users == set()
    jury_queries = {p.stem for p in (ROOT / "queries").glob("jury_*.sql")}
    page = (ROOT / PAGE).read_text("utf-8")
    # drawn through q.run, or offered whole as a download (the raw scores: never drawn)
    used = re.findall(r"""(?:q\.run|downloads\.buttons)\(\s*["'](jury_[a-z_]+)["']""", page)
    assert jury_queries == set(used)


# --- at 100× the demo (bench/generate.py: 4.200 applications, 105.000 scores, ~2 % of pairs recused) ---------

@pytest.fixture(scope="module")
def scaled_db(tmp_path_factory):
    from bench.generate import generate

    path = tmp_path_factory.mktemp("jury_scale") / "monitor.duckdb"
    generate(path, 100)
    return path


def charts_by_title(at) -> dict[str, dict]:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def test_queries_at_100x_stay_bounded(scaled_db, monkeypatch):
    monkeypatch.setenv("MONITOR_DB", str(scaled_db))
    from monitor.db import Database

    cur = Database.cursor(scaled_db)
    try:   # independently of the relations: applications with a non-recused score, recusals per pair
        scored, = cur.execute("select count(distinct application_id) from score where not is_recused").fetchone()
        pairs, = cur.execute("select count(*) from (select distinct application_id, juror_id from score "
                             "where is_recused)").fetchone()
    finally:
        cur.close()
    assert (scored, pairs) == (3500, 354)
    funnel = run_query("jury_funnel", **PARAMS)
    assert funnel["application_count"].tolist() == [4200, 3700, 3500, 900]
    ranking = run_query("jury_ranking", **PARAMS)
    assert len(ranking) == 3500 and ranking["line_count"].iloc[0] == 900
    recusals = run_query("jury_recusals", **PARAMS, row_limit=10)
    assert len(recusals) == 10
    assert recusals.iloc[0][["recusals_count", "recused_applications_count", "recused_cells_count",
                             "scores_count"]].tolist() == [354, 344, 2124, 105_000]
    spread = run_query("jury_spread", **PARAMS, lang="de", discordant_points=4, row_limit=50)
    # the cells of the 50 applications with the widest spread, all six criteria of each
    assert (len(spread), spread["application_id"].nunique()) == (300, 50)
    assert spread.iloc[0][["applications_count", "cells_count", "discordant_cells_count",
                           "discordant_applications_count"]].tolist() == [3500, 21_000, 4141, 2606]
    sensitivity = run_query("jury_sensitivity", **PARAMS, row_limit=40)
    assert (len(sensitivity), sensitivity["application_id"].nunique()) == (40 * 8, 40)
    moves = sensitivity.drop_duplicates(["variant", "left_out_juror_id"]).set_index(["variant", "left_out_juror_id"])
    assert moves.loc[("without", "im"), ["moved_up_count", "moved_down_count"]].tolist() == [73, 69]


def test_simulator_on_the_ranking_at_100x(scaled_db, monkeypatch):
    monkeypatch.setenv("MONITOR_DB", str(scaled_db))
    ranking = run_query("jury_ranking", **PARAMS)
    result = simulator.simulate(ranking, simulator.Rules(budget_eur=10_000_000, cap_eur=100_000, max_per_kreis=3))
    funded = result.frame[result.frame["is_funded"]]
    # at most three per Kreis: 15 Kreise × 3 = 45 grants, well under the budget
    assert len(funded) == 45 and funded.groupby("kreis_id").size().max() == 3
    assert set(result.frame["outcome"].astype(str)) == {"rank", "kreis_limit"}


def test_page_at_100x_is_bounded(scaled_db, monkeypatch, app):
    monkeypatch.setenv("MONITOR_DB", str(scaled_db))
    at = app(role="jury", page=PAGE, stichtag="2021-06-30")
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Eingegangen"], metrics["Bewertet"], metrics["Ausgewählt"]) == ("4.200", "3.500", "900")
    charts = charts_by_title(at)
    ranking_bars = charts["Gesamtpunktzahl je bewerteter Bewerbung (orange: ausgewählt)"]["data"][0]
    assert len(ranking_bars["y"]) == 40
    spread = charts["Spannweite der Wertungen je Bewerbung und Kriterium (! = uneinig)"]["data"][0]
    assert len(spread["y"]) == 50
    captions = [c.value for c in at.caption]
    de = lambda key, **values: i18n.t(key, lang="de", **values)  # noqa: E731
    assert de("ju.ranking_head", shown="40", total="3.500", line="900") in captions
    assert de("app.table_head", shown="200", total="3.500") in captions       # the ranking table
    assert de("ju.list_head", shown="200", total="4.200") in captions
    assert de("ju.spread_head", shown="50", total="3.500") in captions
    assert de("ju.discordant_more", count="4.131", applications="2.606") in captions
    text = "\n".join(m.value for m in at.markdown)
    assert "Befangenheit: **354** Mal" in text and "(2.124 Einzelwertungen)" in text
    assert len([m for m in at.markdown if m.value.startswith("⚠")]) == 10
    # every chart stays small: no trace carries more than a few hundred points
    for spec in charts.values():
        assert all(len(trace.get("x") or []) <= 1500 and len(trace.get("y") or []) <= 1500 for trace in spec["data"])


def test_raw_scores_download_whole_as_parquet_and_csv():
    import io

    import pyarrow.parquet as pq

    from monitor import downloads

    table = pq.read_table(io.BytesIO(downloads.parquet_bytes("jury_scores", dict(PARAMS, lang="de"))))
    # score.csv: 35 scored applications × 5 jurors × 6 criteria, the 24 recused cells included (empty points)
    assert table.num_rows == 1050
    assert table.column("points").null_count == 24
    csv = downloads.csv_bytes("jury_applications", dict(PARAMS, row_limit=None), "de").decode("utf-8-sig")
    lines = csv.strip().splitlines()
    assert len(lines) == 43 and lines[0].startswith("Bewerbung;Antragsteller;")
