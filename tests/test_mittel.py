"""Mittel je Kommune: funds per Kreis and recipient on a Stichtag, and the page as each role sees it.

Expected values are worked out by hand from data/demo (project.csv, payment.csv, planned_payment.csv,
applicant.csv, region.csv). All nine projects were decided on 08.09.2020, so every grant counts from
then on; a recipient's grant counts for its applicant.kreis_id.
  granted: DM-01 Dithmarschen 100.000 · DM-02 Schleswig-Flensburg 100.000 · DM-03 Wirtschaftsraum Rendsburg
           90.000 (Rendsburg-Eckernförde) · DM-04 Kiel 85.000 · DM-05 Flensburg 100.000 · DM-06 Eutin 100.000
           (Ostholstein) · DM-07 Pinneberg 97.500 · DM-08 Nortorf 100.000 (Rendsburg-Eckernförde) ·
           DM-09 Kirchbarkau 99.800 (Plön) = 872.300
  paid by 30.06.2021: Z-0001..Z-0009 = 40.000+40.000+39.000+40.000+40.000+30.000+17.000+39.920+45.000 = 330.920
"""

import datetime as dt
import json

import pytest

from monitor import maps, profile
from tests.conftest import run_query

PAGE = "pages/mittel.py"
PROGRAMME = "dmk-sh"
JUNE_2021 = dt.date(2021, 6, 30)
LAST_DATA_DATE = dt.date(2023, 3, 31)
ALL_KREISE = ["01001", "01002", "01003", "01004", "01051", "01053", "01054", "01055", "01056", "01057",
              "01058", "01059", "01060", "01061", "01062"]


def by_kreis(as_of: dt.date):
    return run_query("funds_by_kreis", programme_id=PROGRAMME, as_of=as_of).set_index("kreis_id")


def by_recipient(as_of: dt.date):
    return run_query("funds_by_recipient", programme_id=PROGRAMME, as_of=as_of).set_index("applicant_id")


def metrics(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def chart_specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


# --- queries -----------------------------------------------------------------------------------------

def test_every_kreis_is_listed_also_without_grants():
    kreise = by_kreis(JUNE_2021)
    assert kreise.index.tolist() == ALL_KREISE
    unfunded = ["01003", "01004", "01053", "01054", "01060", "01061", "01062"]
    assert kreise.loc[unfunded, "granted_eur"].tolist() == [0.0] * 7
    assert kreise.loc[unfunded, "recipient_count"].tolist() == [0] * 7
    assert kreise.loc["01003", "kreis_name"] == "Lübeck"
    assert kreise.loc["01003", "population_count"] == 216_530


def test_granted_and_paid_per_kreis_on_30_june_2021():
    kreise = by_kreis(JUNE_2021)
    granted = kreise["granted_eur"].to_dict()
    paid = kreise["paid_eur"].to_dict()
    assert {k: v for k, v in granted.items() if v} == {
        "01001": 100_000, "01002": 85_000, "01051": 100_000, "01055": 100_000, "01056": 97_500,
        "01057": 99_800, "01058": 190_000, "01059": 100_000,
    }
    assert {k: v for k, v in paid.items() if v} == {
        "01001": 30_000, "01002": 17_000, "01051": 40_000, "01055": 40_000, "01056": 39_000,
        "01057": 39_920, "01058": 85_000, "01059": 40_000,
    }
    assert kreise["granted_eur"].sum() == 872_300
    assert kreise["paid_eur"].sum() == 330_920
    assert kreise["planned_eur"].sum() == 397_920
    # Rendsburg-Eckernförde holds two recipients: Wirtschaftsraum Rendsburg and Nortorf
    assert kreise.loc["01058", "recipient_count"] == 2
    assert kreise.loc["01058", "paid_pct"] == pytest.approx(100 * 85_000 / 190_000)


def test_granted_and_paid_per_kreis_on_the_last_data_date():
    kreise = by_kreis(LAST_DATA_DATE)
    assert kreise["granted_eur"].sum() == 872_300
    assert kreise["paid_eur"].sum() == 792_800
    # everything planned was due; Kiel called 17.000 + 8.500 and Flensburg 30.000 + 30.000 + 20.000
    assert kreise.loc["01002", "paid_eur"] == 25_500
    assert kreise.loc["01001", "paid_eur"] == 80_000
    assert kreise.loc["01001", "paid_pct"] == pytest.approx(80.0)
    assert kreise.loc["01058", "paid_eur"] == 190_000
    assert kreise.loc["01059", "paid_eur"] == 100_000


def test_eur_per_inhabitant_of_named_kreise():
    kreise = by_kreis(JUNE_2021)
    # Plön: Kirchbarkau's 99.800 € over 128.686 inhabitants
    assert kreise.loc["01057", "granted_per_inhabitant_eur"] == pytest.approx(99_800 / 128_686)   # 0,7755
    assert kreise.loc["01057", "paid_per_inhabitant_eur"] == pytest.approx(39_920 / 128_686)
    # Flensburg receives most per inhabitant: 100.000 € over 90.164
    assert kreise.loc["01001", "granted_per_inhabitant_eur"] == pytest.approx(100_000 / 90_164)   # 1,1091
    assert kreise["granted_per_inhabitant_eur"].idxmax() == "01001"
    assert kreise.loc["01058", "granted_per_inhabitant_eur"] == pytest.approx(190_000 / 274_098)
    assert kreise.loc["01003", "granted_per_inhabitant_eur"] == 0


def test_payments_count_up_to_and_including_the_stichtag():
    # Z-0009 (45.000 € to Wirtschaftsraum Rendsburg) was paid on 02.06.2021; Nortorf had 40.000 € since 12.01.2021
    assert by_kreis(dt.date(2021, 6, 1)).loc["01058", "paid_eur"] == 40_000
    assert by_kreis(dt.date(2021, 6, 2)).loc["01058", "paid_eur"] == 85_000
    # DM-02's second instalment was planned for 30.06.2021
    assert by_kreis(dt.date(2021, 6, 29)).loc["01059", "planned_eur"] == 40_000
    assert by_kreis(JUNE_2021).loc["01059", "planned_eur"] == 80_000


def test_before_the_decision_nothing_is_granted():
    kreise = by_kreis(dt.date(2020, 9, 7))
    assert len(kreise) == 15
    assert kreise["granted_eur"].sum() == 0
    assert by_recipient(dt.date(2020, 9, 7)).empty
    assert run_query("cooperation_members", programme_id=PROGRAMME, as_of=dt.date(2020, 9, 7)).empty
    assert by_kreis(dt.date(2020, 9, 8))["granted_eur"].sum() == 872_300


def test_funds_per_recipient_on_30_june_2021():
    recipients = by_recipient(JUNE_2021)
    assert len(recipients) == 9
    kirchbarkau = recipients.loc["kirchbarkau"]
    assert kirchbarkau["kreis_name"] == "Plön"
    assert (kirchbarkau["granted_eur"], kirchbarkau["planned_eur"], kirchbarkau["paid_eur"]) == (99_800, 39_920, 39_920)
    assert kirchbarkau["population_count"] == 782
    assert kirchbarkau["granted_per_inhabitant_eur"] == pytest.approx(99_800 / 782)              # 127,62
    kiel = recipients.loc["kiel"]
    assert (kiel["granted_eur"], kiel["planned_eur"], kiel["paid_eur"], kiel["paid_pct"]) == (
        85_000, 34_000, 17_000, 20)
    assert kiel["paid_per_inhabitant_eur"] == pytest.approx(17_000 / 246_794)
    nortorf = recipients.loc["nortorf"]
    assert (nortorf["recipient_kind"], nortorf["kreis_id"], nortorf["population_count"]) == ("verbund", "01058", 9_870)
    assert recipients.loc["schleswig-flensburg", "planned_eur"] == 80_000
    assert recipients.loc["schleswig-flensburg", "paid_eur"] == 40_000


def test_funds_per_recipient_on_the_last_data_date():
    recipients = by_recipient(LAST_DATA_DATE)
    assert recipients["paid_eur"].to_dict() == {
        "dithmarschen": 100_000, "schleswig-flensburg": 100_000, "eutin": 100_000, "flensburg": 80_000,
        "nortorf": 100_000, "kirchbarkau": 99_800, "pinneberg": 97_500, "wr-rendsburg": 90_000, "kiel": 25_500,
    }
    assert recipients["planned_eur"].sum() == 872_300


def test_cooperation_members():
    members = run_query("cooperation_members", programme_id=PROGRAMME, as_of=JUNE_2021)
    counts = members.groupby(["applicant_id", "role"]).size().to_dict()
    # 13 members of the Wirtschaftsraum minus the lead Rendsburg; Nortorf's 4 Gemeinden; Dithmarschen's 2 partner towns
    assert counts == {("wr-rendsburg", "member"): 12, ("nortorf", "member"): 4, ("dithmarschen", "partner"): 2}
    timmaspe = members.set_index("region_id").loc["01058163"]
    assert (timmaspe["member_name"], timmaspe["population_count"]) == ("Timmaspe", 1_079)
    assert members[["lat", "lon"]].notna().all().all()


def test_geojson_has_the_15_kreise():
    features = maps.kreise_geojson("01")["features"]
    assert sorted(f["properties"]["ags"] for f in features) == ALL_KREISE


# --- the page ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["leitung", "jury", "analyse", "datenpflege", "admin"])
def test_page_shows_the_key_figures_for_every_role(app, role):
    at = app(role=role, page=PAGE, stichtag="2021-06-30")
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Mittel je Kommune"
    # only figures the Übersicht does not show (issue 16): grant.csv has nine recipients in eight of the 15 Kreise
    # (Rendsburg-Eckernförde twice), grants of 85.000 € (Kiel) to 100.000 € with six of 100.000 € (median), and
    # Flensburg 100.000 € / 90.164 inhabitants (applicant.csv) = 1,11 € per inhabitant
    assert metrics(at) == {
        "Zuwendungsempfänger": ("9", "in 8 von 15 Kreisen · ohne Mittel: 7"),
        "Median je Zuwendungsempfänger": ("100.000 €", "von 85.000 € bis 100.000 €"),
        "Meiste Mittel je Einwohner": ("Flensburg", "1,11 € je Einwohner · 100.000 € bewilligt"),
    }


def test_page_on_the_last_data_date(app):
    at = app(role="leitung", page=PAGE)
    # the totals granted, planned and paid are the Übersicht's; here the bars per recipient carry them
    assert not {"Bewilligt", "Geplant bis Stichtag", "Ausgezahlt am Stichtag"} & set(metrics(at))
    assert json.loads(at.get("plotly_chart")[-1].proto.spec)["layout"]["meta"]["description"].startswith(
        "Je Zuwendungsempfänger ausgezahlt (dunkler Balken) gegen bewilligt (heller Balken) und geplant (Rahmen): "
        "9 Empfänger haben 792.800 € von 872.300 € erhalten")


def test_map_draws_15_kreise_9_recipients_and_18_members_with_german_hover(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    spec = chart_specs(at)[0]
    kreise, recipients, members = spec["data"]
    assert kreise["type"] == "choroplethmap"
    assert sorted(kreise["locations"]) == ALL_KREISE
    assert spec["layout"]["map"]["style"] == "white-bg"
    assert spec["layout"]["title"]["text"] == "Bewilligt je Kreis am 30.06.2021"
    z = dict(zip(kreise["locations"], kreise["z"]))
    assert z["01058"] == 190_000 and z["01003"] == 0
    assert "Bewilligt<br>in €" in kreise["colorbar"]["title"]["text"]
    plon = kreise["text"][kreise["locations"].index("01057")]
    assert plon == ("<b>Plön</b> (Kreis)<br>Bewilligt: 99.800 €<br>Ausgezahlt: 39.920 € (40 %)"
                    "<br>Je Einwohner: 0,78 € bewilligt, 0,31 € ausgezahlt<br>Einwohner: 128.686"
                    "<br>Zuwendungsempfänger: 1")
    assert (recipients["type"], len(recipients["lat"])) == ("scattermap", 9)
    kiel = next(text for text in recipients["text"] if "Landeshauptstadt Kiel" in text)
    assert "Kreisfreie Stadt · Kreis: Kiel" in kiel
    assert "Bewilligt: 85.000 €<br>Ausgezahlt: 17.000 € (20 %)" in kiel
    assert (members["type"], len(members["lat"])) == ("scattermap", 18)
    assert any("<b>Timmaspe</b> (Gemeinde)<br>Mitglied von Stadt Nortorf und Nortorfer Land" in t
               for t in members["text"])


def test_map_labels_link_to_the_profiles(app):
    # issue 16: a recipient's label on the map opens its profile in the same tab, on the page's programme,
    # Stichtag and language; the Kreis labels stay plain names
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    texts = [a["text"] for a in chart_specs(at)[0]["layout"]["annotations"]]
    assert ('<a href="profil?empfaenger=kiel&amp;programm=dmk-sh&amp;stichtag=2021-06-30&amp;lang=de" '
            'target="_self">Landeshauptstadt Kiel</a>') in texts
    assert "Kiel" in texts and "Plön" in texts
    assert sum(text.startswith("<a href=") for text in texts) == 8   # Kirchbarkau's label would overlap: left out
    # a link takes the click (else the map's canvas below would): only the linked labels capture events
    annotations = chart_specs(at)[0]["layout"]["annotations"]
    assert [a["text"].startswith("<a ") for a in annotations] == [a.get("captureevents", False) for a in annotations]


def test_a_recipient_name_stays_text_inside_its_link():
    recipients = run_query("funds_by_recipient", programme_id=PROGRAMME, as_of=JUNE_2021)
    recipients.loc[recipients["applicant_id"] == "kiel", "recipient_name"] = '<a href="https://x.example">Kiel</a>'
    kreise = run_query("funds_by_kreis", programme_id=PROGRAMME, as_of=JUNE_2021)
    members = run_query("cooperation_members", programme_id=PROGRAMME, as_of=JUNE_2021)
    links = profile.urls(recipients["applicant_id"], PROGRAMME, JUNE_2021, "en")
    fig = maps.funds_map(kreise, recipients, members, "granted_eur", "Titel", "de", "01", links=links)
    texts = [a.text for a in fig.layout.annotations]
    assert ('<a href="profil?empfaenger=kiel&amp;programm=dmk-sh&amp;stichtag=2021-06-30&amp;lang=en" '
            'target="_self">&lt;a href="https://x.example"&gt;Kiel&lt;/a&gt;</a>') in texts
    # without addresses the labels are names only
    plain = maps.funds_map(kreise, recipients, members, "granted_eur", "Titel", "de", "01")
    assert '&lt;a href="https://x.example"&gt;Kiel&lt;/a&gt;' in [a.text for a in plain.layout.annotations]
    assert not any(a.text.startswith("<a ") for a in plain.layout.annotations)


def test_map_switch_to_eur_per_inhabitant(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    at.button_group(key="mi_map_measure").set_value("granted_per_inhabitant_eur").run()
    assert not at.exception
    kreise = chart_specs(at)[0]["data"][0]
    z = dict(zip(kreise["locations"], kreise["z"]))
    assert z["01057"] == pytest.approx(99_800 / 128_686)
    assert z["01001"] == pytest.approx(100_000 / 90_164)
    assert "je Einwohner" in kreise["colorbar"]["title"]["text"]
    assert chart_specs(at)[0]["layout"]["title"]["text"] == "Bewilligt je Einwohner je Kreis am 30.06.2021"


def test_bars_show_granted_planned_paid_and_switch_to_per_inhabitant(app):
    at = app(role="jury", page=PAGE, stichtag="2021-06-30")
    bars = chart_specs(at)[1]
    names = {trace["name"]: trace for trace in bars["data"]}
    assert set(names) == {"Bewilligt", "Geplant bis Stichtag", "Ausgezahlt"}
    paid = dict(zip(names["Ausgezahlt"]["y"], names["Ausgezahlt"]["text"]))
    assert paid["Landeshauptstadt Kiel"] == "17.000 €"
    assert paid["Gemeinde Kirchbarkau"] == "39.920 €"
    assert dict(zip(names["Geplant bis Stichtag"]["y"], names["Geplant bis Stichtag"]["text"]))[
        "Kreis Schleswig-Flensburg"] == "80.000 €"
    assert bars["layout"]["xaxis"]["title"]["text"] == "Betrag in €"

    at.button_group(key="mi_bar_measure").set_value("per_inhabitant").run()
    assert not at.exception
    bars = chart_specs(at)[1]
    names = {trace["name"]: trace for trace in bars["data"]}
    granted = dict(zip(names["Bewilligt"]["y"], names["Bewilligt"]["text"]))
    assert granted["Gemeinde Kirchbarkau"] == "127,62 €"
    assert granted["Landeshauptstadt Kiel"] == "0,34 €"
    assert bars["layout"]["xaxis"]["title"]["text"] == "Betrag in € je Einwohner"
    # sorted by grant per inhabitant: plotly draws from the bottom, so the largest comes last
    assert names["Bewilligt"]["y"][-1] == "Gemeinde Kirchbarkau"
    assert names["Bewilligt"]["y"][0] == "Landeshauptstadt Kiel"


def test_bars_sorted_by_share_paid(app):
    at = app(role="analyse", page=PAGE, stichtag="2021-06-30")
    at.button_group(key="mi_bar_sort").set_value("paid_share").run()
    order = chart_specs(at)[1]["data"][0]["y"]
    # top: Wirtschaftsraum Rendsburg 50 %; bottom: Kiel 20 %, then Flensburg 30 %
    assert order[-1] == "Wirtschaftsraum Rendsburg"
    assert list(order[:2]) == ["Landeshauptstadt Kiel", "Stadt Flensburg"]


def test_tables_per_kreis_and_recipient(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    kreise, members, recipients = (frame.value for frame in at.dataframe)
    assert len(kreise) == 15
    first = kreise.iloc[0]
    assert (first["Kreis"], first["Einwohner"], first["Bewilligt"], first["Ausgezahlt"]) == (
        "Flensburg", 90_164, 100_000, 30_000)
    assert first["Bewilligt je Einwohner"] == "1,11 €"  # 100.000 / 90.164; German decimals are drawn as text
    assert len(members) == 18
    # the members' recipient links to its profile too: Timmaspe is a member of Nortorf (cooperation_member.csv)
    assert members.columns.tolist()[:3] == ["Zuwendungsempfänger", "Profil", "Kommune"]
    assert members.set_index("Kommune").loc["Timmaspe", "Profil"] == (
        "profil?empfaenger=nortorf&programm=dmk-sh&stichtag=2021-06-30&lang=de")
    assert len(recipients) == 9
    assert recipients.columns.tolist() == [
        "Zuwendungsempfänger", "Profil", "Art", "Kreis", "Bewilligt", "Geplant bis Stichtag", "Ausgezahlt",
        "Ausgezahlt (%)", "Einwohner", "Bewilligt je Einwohner", "Geplant je Einwohner", "Ausgezahlt je Einwohner",
    ]
    assert recipients["Ausgezahlt"].sum() == 330_920
    # each recipient links to its profile, on the same programme and Stichtag (pages/profil.py)
    assert recipients["Profil"].iloc[0] == "profil?empfaenger=dithmarschen&programm=dmk-sh&stichtag=2021-06-30&lang=de"
    keys = {button.proto.id.rsplit("-", 1)[-1] for button in at.get("download_button")}
    assert {"mittel_kreise_csv", "mittel_verbuende_csv", "mittel_empfaenger_csv"} <= keys


def test_page_in_english(app):
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30", lang="English")
    assert not at.exception
    assert at.title[0].value == "Funds by municipality"
    values = metrics(at)
    assert values["Most funds per inhabitant"] == ("Flensburg", "€1.11 per inhabitant · €100,000 granted")
    assert values["Median per recipient"] == ("€100,000", "from €85,000 to €100,000")
    assert chart_specs(at)[0]["layout"]["title"]["text"] == "Granted by district on 30 Jun 2021"


def test_before_the_decision_the_page_says_so(app):
    at = app(role="leitung", page=PAGE, stichtag="2020-09-07")
    assert not at.exception
    assert "erste Förderentscheidung am 08.09.2020" in at.info[0].value   # from the projects (project.csv)
    assert not at.get("plotly_chart")


def test_the_map_comes_first_without_a_heading_above_it(app):
    # issue 16: at 1280×720 the map starts on the first screen; its title names it, the sections follow it
    at = app(role="leitung", page=PAGE, stichtag="2021-06-30")
    assert [h.value for h in at.header] == ["Mittel je Kreis", "Bewilligt, geplant und ausgezahlt je "
                                            "Zuwendungsempfänger", "Mittel je Zuwendungsempfänger"]
    first = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert first["layout"]["title"]["text"] == "Bewilligt je Kreis am 30.06.2021"
    # the map (and its figures) come before the first section heading in the page's order
    kinds = [node.type for node in at.main]
    assert kinds.index("plotly_chart") < kinds.index("header")
