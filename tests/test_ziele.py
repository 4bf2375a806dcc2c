"""Zielabdeckung: goal coverage queries and page on the demo data.

Expected figures are worked out by hand from data/demo/project.csv (granted_eur) and project_goal.csv
(weight_pct); the arithmetic is in the comments.
"""

import base64
import datetime as dt
import json

import numpy as np
import pytest

from monitor import auth, queries as q

PROGRAMME = "dmk-sh"
PAGE = "pages/ziele.py"
AS_OF = dt.date(2021, 6, 30)

# weighted = grant × weight / 100, summed over the projects serving the goal
WEIGHTED = {
    # DM-01 .3×100.000 + DM-02 .4×100.000 + DM-03 .3×90.000 + DM-04 .4×85.000 + DM-05 .5×100.000
    # + DM-07 .4×97.500 + DM-09 .2×99.800 = 30.000+40.000+27.000+34.000+50.000+39.000+19.960
    "partizipation": 239_960,
    # DM-01 .2×100.000 + DM-02 .3×100.000 + DM-05 .1×100.000 + DM-09 .3×99.800 = 20.000+30.000+10.000+29.940
    "inklusion": 89_940,
    # DM-02 .1×100.000 + DM-03 .2×90.000 + DM-04 .3×85.000 + DM-06 .3×100.000 + DM-08 .3×100.000
    "ressourceneffizienz": 113_500,
    # DM-01 .2×100.000 + DM-07 .2×97.500 + DM-08 .2×100.000 + DM-09 .2×99.800 = 20.000+19.500+20.000+19.960
    "nachhaltigkeit": 79_460,
    # DM-06 .4×100.000 + DM-07 .2×97.500 + DM-08 .5×100.000 + DM-09 .3×99.800 = 40.000+19.500+50.000+29.940
    "klimaneutralitaet": 139_440,
    # DM-01 .3×100.000 + DM-02 .2×100.000 + DM-03 .5×90.000 + DM-04 .3×85.000 + DM-05 .4×100.000
    # + DM-06 .3×100.000 + DM-07 .2×97.500 = 30.000+20.000+45.000+25.500+40.000+30.000+19.500
    "wohlstand": 210_000,
}
PROJECTS = {"partizipation": 7, "inklusion": 4, "ressourceneffizienz": 5, "nachhaltigkeit": 4,
            "klimaneutralitaet": 4, "wohlstand": 7}
# tagged = the whole grant of every project serving the goal
TAGGED = {
    "partizipation": 672_300,       # 100.000+100.000+90.000+85.000+100.000+97.500+99.800
    "inklusion": 399_800,           # 100.000+100.000+100.000+99.800
    "ressourceneffizienz": 475_000,  # 100.000+90.000+85.000+100.000+100.000
    "nachhaltigkeit": 397_300,      # 100.000+97.500+100.000+99.800
    "klimaneutralitaet": 397_300,   # 100.000+97.500+100.000+99.800
    "wohlstand": 672_500,           # 100.000+100.000+90.000+85.000+100.000+100.000+97.500
}


def totals(as_of=AS_OF, kinds=(), kreise=(), few_max=4, lang="de"):
    frame = q.run("goal_totals", programme_id=PROGRAMME, as_of=as_of, lang=lang, kinds=list(kinds),
                  kreise=list(kreise), few_max=few_max)
    return frame.set_index("goal_id")


def coverage(as_of=AS_OF, kinds=(), kreise=(), lang="de"):
    return q.run("goal_coverage", programme_id=PROGRAMME, as_of=as_of, lang=lang, kinds=list(kinds),
                 kreise=list(kreise))


def test_weighted_money_per_goal_adds_up_to_the_total_grant():
    frame = totals()
    assert frame["weighted_eur"].to_dict() == pytest.approx(WEIGHTED)
    assert frame["weighted_eur"].sum() == pytest.approx(872_300)
    assert frame["granted_total_eur"].iloc[0] == 872_300
    assert frame.loc["inklusion", "weighted_eur"] == pytest.approx(89_940)
    # 79.460 / 872.300 = 9,109 %
    assert frame.loc["nachhaltigkeit", "weighted_share_pct"] == pytest.approx(9.1093, abs=1e-3)


def test_tagged_money_double_counts():
    frame = totals()
    assert frame["tagged_eur"].to_dict() == pytest.approx(TAGGED)
    # 4 goals × 100.000 (DM-01, DM-02) + 3 × 90.000 + 3 × 85.000 + 3 × 100.000 (DM-05, DM-06, DM-08)
    # + 4 × 97.500 + 4 × 99.800 = 3.014.200
    assert frame["tagged_eur"].sum() == pytest.approx(3_014_200)


def test_projects_per_goal_and_the_few_served():
    frame = totals(few_max=4)
    assert frame["goal_projects_count"].to_dict() == PROJECTS
    assert sorted(frame.index[frame["is_few"]]) == ["inklusion", "klimaneutralitaet", "nachhaltigkeit"]
    assert not totals(few_max=3)["is_few"].any()


def test_goal_labels_follow_the_language_and_the_sort_order():
    assert totals(lang="de")["goal_label"].tolist() == [
        "Partizipation", "Inklusion", "Ressourceneffizienz", "Nachhaltigkeit", "Klimaneutralität",
        "Wohlstand / Wettbewerbsfähigkeit"]
    assert totals(lang="en")["goal_label"].iloc[1] == "Inclusion"


def test_a_goal_no_project_serves_still_appears_with_zero():
    # the two cooperations (kind verbund): DM-03 Wirtschaftsraum Rendsburg 90.000, DM-08 Nortorf 100.000
    frame = totals(kinds=["verbund"])
    assert frame.loc["inklusion", "goal_projects_count"] == 0
    assert frame.loc["inklusion", "weighted_eur"] == 0
    assert frame["granted_total_eur"].iloc[0] == 190_000
    # .3×90.000; .2×90.000+.3×100.000; .2×100.000; .5×100.000; .5×90.000
    assert frame["weighted_eur"].to_dict() == pytest.approx({
        "partizipation": 27_000, "inklusion": 0, "ressourceneffizienz": 48_000, "nachhaltigkeit": 20_000,
        "klimaneutralitaet": 50_000, "wohlstand": 45_000})


def test_filters_by_kind_and_kreis_combine():
    # Stadt (kind) in Kreis Ostholstein (01055): only Stadt Eutin, DM-06, 100.000 € (30/40/30 %)
    frame = totals(kinds=["stadt"], kreise=["01055"])
    assert frame["weighted_eur"].to_dict() == pytest.approx({
        "partizipation": 0, "inklusion": 0, "ressourceneffizienz": 30_000, "nachhaltigkeit": 0,
        "klimaneutralitaet": 40_000, "wohlstand": 30_000})
    # Kreis Rendsburg-Eckernförde alone: the same two cooperations as kind "verbund"
    assert totals(kreise=["01058"])["granted_total_eur"].iloc[0] == 190_000
    # an empty list means all
    assert totals(kinds=[], kreise=[])["granted_total_eur"].iloc[0] == 872_300


def test_recipient_goal_grid_is_complete():
    frame = coverage()
    assert len(frame) == 9 * 6  # every recipient × every goal
    cell = frame[(frame["recipient_name"] == "Stadt Flensburg") & (frame["goal_id"] == "partizipation")].iloc[0]
    assert (cell["weighted_eur"], cell["tagged_eur"]) == (50_000, 100_000)  # DM-05: 50 % of 100.000
    assert frame.groupby("recipient_name")["weighted_eur"].sum()["Gemeinde Kirchbarkau"] == pytest.approx(99_800)
    assert frame.loc[frame["recipient_name"] == "Stadt Eutin", "kreis_name"].iloc[0] == "Ostholstein"


def test_before_the_funding_decision_no_money_is_assigned():
    # the decisions were handed over on 08.09.2020
    assert coverage(as_of=dt.date(2020, 9, 7)).empty
    frame = totals(as_of=dt.date(2020, 9, 7))
    assert len(frame) == 6
    assert frame["weighted_eur"].sum() == 0


# --- the page -------------------------------------------------------------------------------------------------------

def markdown(at):
    return "\n".join(m.value for m in at.markdown)


def array(value):
    """A plotly array from the chart spec: plain list or typed array ({dtype, bdata, shape})."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value.get("shape", len(flat))).split(",")])
    return np.array(value)


def charts(at):
    return {json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec)
            for c in at.get("plotly_chart")}


@pytest.mark.parametrize("role", auth.ROLES)
def test_page_shows_weighted_coverage_for_every_role(app, role):
    at = app(role=role, page=PAGE, stichtag="2021-06-30")
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Zielabdeckung"
    text = markdown(at)
    assert "genau die Bewilligungssumme von 872.300 €" in text
    assert "**Nachhaltigkeit** mit 79.460 € (9,1 % der Bewilligungen) aus 4 Projekten" in text
    assert "Höchstens 4 Projekte dienen: Inklusion (4), Nachhaltigkeit (4), Klimaneutralität (4)." in [
        w.value for w in at.warning]
    goals = at.dataframe[0].value.set_index("Ziel")
    assert goals.loc["Inklusion", "Gewichtet"] == pytest.approx(89_940)
    assert goals["Gewichtet"].sum() == pytest.approx(872_300)
    assert goals.loc["Partizipation", "Projekte"] == 7


def test_recipient_goal_table_links_to_the_profiles(app):
    # issue 16: each recipient's row links to its profile on the page's programme, Stichtag and language
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    matrix = at.dataframe[1].value
    assert matrix.columns.tolist()[:3] == ["Zuwendungsempfänger", "Profil", "Kreis"]
    kiel = matrix[matrix["Zuwendungsempfänger"] == "Landeshauptstadt Kiel"]
    assert set(kiel["Profil"]) == {"profil?empfaenger=kiel&programm=dmk-sh&stichtag=2021-06-30&lang=de"}
    assert matrix["Profil"].notna().all()


def test_switching_to_tagged_says_it_double_counts(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    heatmap = charts(at)["Bewilligte Mittel je Empfänger und Ziel, gewichtet (in €)"]["data"][0]
    row = heatmap["y"].index("Stadt Flensburg")
    assert array(heatmap["z"])[row][0] == 50_000  # Partizipation, 50 % of 100.000
    at.button_group(key="zi_view").set_value("tagged").run()
    assert not at.exception
    text = markdown(at)
    assert "**zählt doppelt**" in text
    assert "3.014.200 €, das 3,5-Fache der Bewilligungssumme von 872.300 €" in text  # 3.014.200 / 872.300 = 3,46
    heatmap = charts(at)["Bewilligte Mittel je Empfänger und Ziel, voll zugeordnet (in €, zählt doppelt)"]["data"][0]
    assert array(heatmap["z"])[heatmap["y"].index("Stadt Flensburg")][0] == 100_000


def test_filters_by_kind_show_the_unserved_goal(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    at.multiselect(key="zi_kinds").set_value(["verbund"]).run()
    assert not at.exception
    assert "Gefiltert: 2 von 9 Projekten, 190.000 € von 872.300 € bewilligt." in [c.value for c in at.caption]
    assert "Kein Projekt dient: Inklusion." in [e.value for e in at.error]
    assert "**Inklusion** mit 0 € (0,0 % der Bewilligungen) aus 0 Projekten" in markdown(at)
    goals = at.dataframe[0].value.set_index("Ziel")
    assert goals.loc["Nachhaltigkeit", "Anteil an allen Bewilligungen (gewichtet, %)"] == pytest.approx(
        100 * 20_000 / 190_000)
    at.multiselect(key="zi_kreise").set_value(["01055"]).run()  # no cooperation in Ostholstein
    assert [w.value for w in at.warning] == [
        "Kein gefördertes Projekt passt zu dieser Auswahl. Bitte die Filter erweitern."]


def test_english(app):
    at = app(role="analyse", page=PAGE, stichtag="2021-06-30", lang="English")
    assert not at.exception
    assert at.title[0].value == "Goal coverage"
    assert "add up to exactly the total granted, €872,300" in markdown(at)
    assert at.dataframe[0].value.set_index("Goal").loc["Inclusion", "Weighted"] == pytest.approx(89_940)


def test_before_the_decision_the_page_says_so(app):
    at = app(role="leitung", page=PAGE, stichtag="2020-09-07")
    assert not at.exception
    assert [i.value for i in at.info] == [
        "Zu diesem Stichtag gibt es noch keine geförderten Projekte (erste Förderentscheidung am 08.09.2020)."]


def test_the_money_per_goal_comes_first(app):
    # the answering chart first, then the goals few projects serve, the detail per recipient last (issue 16)
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    assert [h.value for h in at.header] == ["Mittel und Projekte je Ziel", "Ziele, denen wenige oder keine Projekte "
                                            "dienen", "Zuwendungsempfänger und Ziele"]
    assert list(charts(at)) == ["Bewilligte Mittel je Ziel, gewichtet (in €)", "Projekte je Ziel (Anzahl)",
                                "Bewilligte Mittel je Empfänger und Ziel, gewichtet (in €)"]
    # goal_weight.csv × grant.csv on 30.06.2021: Partizipation 239.960 € of 872.300 € = 27,5 %
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["meta"]["description"] == (
        "Mittel je Ziel, gewichtet: am meisten dient Partizipation mit 239.960 € (27,5 %).")
