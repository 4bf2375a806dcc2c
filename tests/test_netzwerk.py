"""Netzwerk: edges, shared themes, topic recipients and similarity on the demo data, and the page for every role.

Expected figures were worked out with pandas directly over data/demo/project_goal.csv, project_theme.csv,
project.csv and milestone.csv (pairs of projects, set intersections), not with the queries under test.
On 30.06.2021 all nine projects exist (decided 08.09.2020), one per recipient.
"""

import datetime as dt
import json

import pandas as pd
import pytest

from monitor import auth, i18n, network
from tests.conftest import ROOT, run_query

AS_OF = dt.date(2021, 6, 30)
BASE = {"programme_id": "dmk-sh", "as_of": AS_OF, "lang": "de"}
MOBILITY = {"dithmarschen", "schleswig-flensburg", "wr-rendsburg", "pinneberg", "kirchbarkau"}


def edges(basis: str, min_shared: int) -> pd.DataFrame:
    return run_query("network_edges", **BASE, basis=basis, min_shared=min_shared, max_nodes=100, max_edges=300)


@pytest.mark.parametrize(("basis", "min_shared", "expected"), [
    ("themes", 1, 25), ("themes", 3, 3), ("goals", 1, 35), ("goals", 3, 9), ("both", 1, 35), ("both", 3, 23),
    ("goals", 4, 0), ("themes", 6, 1), ("both", 8, 1), ("both", 9, 0),
])
def test_edge_counts_by_threshold(basis, min_shared, expected):
    assert len(edges(basis, min_shared)) == expected


def test_edges_counted_from_the_csvs_agree():
    # an independent count with pandas over the CSVs, next to the literals above
    goals = pd.read_csv(ROOT / "data/demo/project_goal.csv").groupby("project_id")["goal_id"].apply(set)
    themes = pd.read_csv(ROOT / "data/demo/project_theme.csv").groupby("project_id")["theme"].apply(set)
    ids = sorted(goals.index)
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
    assert sum(len(themes[a] & themes[b]) >= 2 for a, b in pairs) == len(edges("themes", 2)) == 11
    assert sum(len(goals[a] & goals[b]) >= 2 for a, b in pairs) == len(edges("goals", 2)) == 26


def test_themes_at_three_are_the_three_strong_pairs():
    found = {frozenset((r.source_id, r.target_id)): r.shared_themes for r in edges("themes", 3).itertuples()}
    assert found == {
        frozenset({"dithmarschen", "wr-rendsburg"}):
            "Bildung, Gesundheit, Kultur und Freizeit, Mobilität, Tourismus, Verwaltung",
        frozenset({"dithmarschen", "pinneberg"}): "Mobilität, Verwaltung, Wirtschaft und Energie",
        frozenset({"kirchbarkau", "pinneberg"}): "Klimaschutz, Mobilität, Wohnen",
    }


def test_dithmarschen_and_rendsburg_share_six_themes_and_two_goals():
    pair = edges("both", 1).query("source_id == 'dithmarschen' and target_id == 'wr-rendsburg'").iloc[0]
    assert pair["shared_themes_count"] == 6
    assert pair["shared_themes"] == "Bildung, Gesundheit, Kultur und Freizeit, Mobilität, Tourismus, Verwaltung"
    assert pair["shared_goals_count"] == 2
    assert pair["shared_goals"] == "Partizipation, Wohlstand / Wettbewerbsfähigkeit"
    assert pair["shared_count"] == 8
    # DM-01: 4 goals + 10 themes, DM-03: 3 goals + 6 themes; 8 shared of 14 + 9 - 8 = 15 distinct
    assert pair["similarity_pct"] == pytest.approx(100 * 8 / 15)
    # and the strongest link of the whole network
    assert edges("both", 1).iloc[0][["source_id", "target_id"]].tolist() == ["dithmarschen", "wr-rendsburg"]


def test_goal_labels_follow_the_language():
    pair = run_query("network_edges", **dict(BASE, lang="en"), basis="goals", min_shared=1, max_nodes=100,
                     max_edges=300).query(
        "source_id == 'dithmarschen' and target_id == 'wr-rendsburg'").iloc[0]
    assert pair["shared_goals"] == "Participation, Prosperity / competitiveness"


def test_nodes_are_the_nine_recipients_with_grant():
    nodes = run_query("network_nodes", **BASE)
    assert len(nodes) == 9
    assert nodes["granted_eur"].sum() == 872_300
    dithmarschen = nodes.set_index("applicant_id").loc["dithmarschen"]
    assert (dithmarschen["goal_count"], dithmarschen["theme_count"]) == (4, 10)
    assert dithmarschen["kreis_name"] == "Dithmarschen"


def test_before_the_decision_there_is_no_network():
    early = dict(BASE, as_of=dt.date(2020, 9, 7))
    assert run_query("network_nodes", **early).empty
    assert run_query("network_edges", **early, basis="both", min_shared=1, max_nodes=100, max_edges=300).empty
    assert run_query("network_topics", **early).empty


def test_mobility_recipients_and_their_completed_milestones():
    rows = run_query("topic_recipients", programme_id="dmk-sh", as_of=AS_OF, topic_kind="theme", topic_id="Mobilität",
                     row_limit=50)
    assert set(rows["applicant_id"]) == MOBILITY
    done = rows.set_index("applicant_id")["milestones_done_count"].to_dict()
    assert done == {"dithmarschen": 1, "schleswig-flensburg": 2, "wr-rendsburg": 1, "pinneberg": 0, "kirchbarkau": 1}
    flensburg = rows.set_index("applicant_id").loc["schleswig-flensburg"]
    assert flensburg["done_milestones"] == "Bestandsaufnahme in Ämtern und Gemeinden; Beteiligungsplattform online"
    assert flensburg["last_done_date"].date() == dt.date(2021, 4, 1)


def test_completed_milestones_respect_the_stichtag():
    rows = run_query("topic_recipients", programme_id="dmk-sh", as_of=dt.date(2020, 12, 31), topic_kind="theme",
                     topic_id="Mobilität", row_limit=50).set_index("applicant_id")
    # by 31.12.2020: M-01-1 done 08.12.2020, M-02-1 done 18.12.2020; nothing else yet
    assert rows["milestones_done_count"].to_dict() == {
        "dithmarschen": 1, "schleswig-flensburg": 1, "wr-rendsburg": 0, "pinneberg": 0, "kirchbarkau": 0}


def test_goal_topic_carries_the_weight():
    rows = run_query("topic_recipients", programme_id="dmk-sh", as_of=AS_OF, topic_kind="goal", topic_id="inklusion",
                     row_limit=50)
    weights = rows.set_index("project_id")["goal_weight_pct"].to_dict()
    assert weights == {"DM-01": 20, "DM-02": 30, "DM-05": 10, "DM-09": 30}


def test_topic_list_counts_recipients():
    topics = run_query("network_topics", **BASE).set_index(["topic_kind", "topic_id"])
    assert len(topics) == 6 + 24
    assert topics.loc[("theme", "Mobilität"), "recipient_count"] == 5
    assert topics.loc[("theme", "Verwaltung"), "recipient_count"] == 5
    assert topics.loc[("goal", "partizipation"), "recipient_count"] == 7
    assert topics.loc[("goal", "wohlstand"), "recipient_count"] == 7


@pytest.mark.parametrize(("applicant_id", "best", "shared", "similarity"), [
    ("kirchbarkau", "pinneberg", 6, 100 * 6 / 13),       # 9 + 10 topics, 6 shared
    ("dithmarschen", "wr-rendsburg", 8, 100 * 8 / 15),
    ("nortorf", "eutin", 4, 100 * 4 / 12),              # 7 + 9 topics, 4 shared
    ("kiel", "wr-rendsburg", 4, 100 * 4 / 10),          # 5 + 9 topics, 4 shared
])
def test_most_similar_recipient(applicant_id, best, shared, similarity):
    similar = run_query("similar_recipients", **BASE, applicant_id=applicant_id, row_limit=50)
    top = similar.iloc[0]
    assert top["applicant_id"] == best
    assert top["shared_count"] == shared
    assert top["similarity_pct"] == pytest.approx(similarity)
    assert applicant_id not in set(similar["applicant_id"])


def test_similar_to_kirchbarkau_in_order():
    similar = run_query("similar_recipients", **BASE, applicant_id="kirchbarkau", row_limit=50)
    # ties (Eutin and Rendsburg, both 2 of 16) fall back to the name
    assert similar["applicant_id"].tolist() == [
        "pinneberg", "dithmarschen", "schleswig-flensburg", "flensburg", "nortorf", "eutin", "wr-rendsburg", "kiel"]
    assert similar.iloc[0]["shared_themes"] == "Klimaschutz, Mobilität, Wohnen"
    assert similar.iloc[0]["shared_goals"] == "Partizipation, Nachhaltigkeit, Klimaneutralität"


def test_layout_is_deterministic_and_inside_the_square():
    nodes = run_query("network_nodes", **BASE)
    links = edges("both", 3)
    first = network.layout(nodes, links)
    second = network.layout(nodes.sample(frac=1, random_state=1), links)
    assert first == second
    assert set(first) == set(nodes["applicant_id"])
    assert all(-1 <= x <= 1 and -1 <= y <= 1 for x, y in first.values())
    # no two recipients on the same spot
    points = sorted(first.values())
    assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) > 0.05 for a, b in zip(points, points[1:]))


def test_similar_recipients_carry_light_and_last_reported_progress():
    similar = run_query("similar_recipients", **BASE, applicant_id="kirchbarkau", row_limit=50)
    similar = similar.set_index("applicant_id")
    # one project per recipient in the demo: its light is the recipient's light
    lights = run_query("project_status", programme_id="dmk-sh", as_of=AS_OF).set_index("applicant_id")["light"]
    assert similar["light"].to_dict() == lights.drop("kirchbarkau").to_dict()
    # progress_report.csv: the last report by 30.06.2021 of each project
    reports = pd.read_csv(ROOT / "data/demo/progress_report.csv", parse_dates=["report_date"])
    reports = reports[reports["report_date"] <= pd.Timestamp(AS_OF)]
    reports = reports.sort_values("report_date").groupby("project_id").last()
    projects = pd.read_csv(ROOT / "data/demo/project.csv").set_index("applicant_id")["project_id"]
    expected = {a: float(reports.loc[p, "progress_pct"]) for a, p in projects.items()
                if a in similar.index and p in reports.index}
    assert similar["progress_pct"].dropna().to_dict() == expected
    assert similar.loc["pinneberg", "last_report_date"] == reports.loc["DM-07", "report_date"]


def test_row_limit_keeps_the_most_similar():
    two = run_query("similar_recipients", **BASE, applicant_id="kirchbarkau", row_limit=2)
    assert two["applicant_id"].tolist() == ["pinneberg", "dithmarschen"]
    first = run_query("topic_recipients", programme_id="dmk-sh", as_of=AS_OF, topic_kind="theme", topic_id="Mobilität",
                      row_limit=1).iloc[0]
    # Schleswig-Flensburg reached two milestones by 30.06.2021, the others at most one
    assert (first["applicant_id"], first["projects_count"], first["recipients_count"]) == ("schleswig-flensburg", 5, 5)


# --- the page ------------------------------------------------------------------------------------------

def traces(at) -> list[dict]:
    (chart,) = at.get("plotly_chart")
    return json.loads(chart.proto.spec)["data"]


def markdowns(at) -> list[str]:
    return [m.value for m in at.markdown]


@pytest.mark.parametrize("role", auth.ROLES)
def test_page_runs_for_every_role(app, role):
    at = app(role=role, page="pages/netzwerk.py", stichtag="2021-06-30")
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Netzwerk"
    data = traces(at)
    nodes = [tr for tr in data if tr.get("mode") == "markers+text"]
    assert sum(len(tr["x"]) for tr in nodes) == 9
    assert "23 Verbindungen zwischen 9 Zuwendungsempfängern." in markdowns(at)


def test_threshold_and_basis_by_key(app, german):
    at = app(role="leitung", page="pages/netzwerk.py", stichtag="2021-06-30")
    at.button_group(key="nw_basis").set_value("themes").run()
    at.number_input(key="nw_min_shared").set_value(3).run()
    assert not at.exception
    assert "3 Verbindungen zwischen 4 Zuwendungsempfängern." in markdowns(at)
    # names are user text, escaped for Markdown (markup.text): the hyphen is written "\\-"
    isolated = german("nw.isolated", names="Kreis Schleswig\\-Flensburg, Landeshauptstadt Kiel, Stadt Eutin, "
                                           "Stadt Flensburg, Stadt Nortorf und Nortorfer Land")
    assert isolated in [c.value for c in at.caption]
    edge_lines = [tr for tr in traces(at) if tr.get("mode") == "lines"]
    # weights 3 (two pairs) and 6 (Dithmarschen–Rendsburg): one trace per weight, three segments in all
    assert sum(tr["x"].count(None) for tr in edge_lines) == 3
    at.button_group(key="nw_basis").set_value("goals").run()
    # 3 or more shared goals: 9 pairs; Eutin (DM-06) and Nortorf (DM-08) share at most 2 with anyone
    assert "9 Verbindungen zwischen 7 Zuwendungsempfängern." in markdowns(at)
    assert german("nw.isolated", names="Stadt Eutin, Stadt Nortorf und Nortorfer Land") in [c.value for c in at.caption]


def test_threshold_too_high_says_so(app, german):
    at = app(role="analyse", page="pages/netzwerk.py", stichtag="2021-06-30")
    at.number_input(key="nw_min_shared").set_value(9).run()
    assert not at.exception
    assert german("nw.no_edges") in [i.value for i in at.info]
    assert traces(at)  # the recipients are still drawn


def test_topic_selection_lists_who_works_on_it(app):
    at = app(role="jury", page="pages/netzwerk.py", stichtag="2021-06-30")
    at.selectbox(key="nw_topic").set_value("theme:Mobilität").run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "Erreichte Meilensteine" in df.value.columns)
    assert set(table["Zuwendungsempfänger"]) == {
        "Kreis Dithmarschen", "Kreis Schleswig-Flensburg", "Wirtschaftsraum Rendsburg", "Stadt Pinneberg",
        "Gemeinde Kirchbarkau"}
    assert any(m.startswith("An „Mobilität“ arbeiten 5 Zuwendungsempfänger") for m in markdowns(at))


def test_learn_from_the_most_similar(app):
    at = app(role="datenpflege", page="pages/netzwerk.py", stichtag="2021-06-30")
    at.selectbox(key="nw_recipient").set_value("dithmarschen").run()
    assert not at.exception
    assert "Am ähnlichsten zu Kreis Dithmarschen: Wirtschaftsraum Rendsburg." in markdowns(at)
    table = next(df.value for df in at.dataframe if {"Ähnlichkeit (%)", "Zuwendungsempfänger"} <= set(df.value.columns))
    assert table.iloc[0]["Zuwendungsempfänger"] == "Wirtschaftsraum Rendsburg"
    assert len(table) == 8


def test_recipient_tables_link_to_the_profiles(app):
    # issue 16: the recipients, the topic list and the similar recipients carry a "Profil" link column with the
    # recipient's address on the page's programme, Stichtag and language (monitor/profile.py)
    at = app(role="leitung", page="pages/netzwerk.py", stichtag="2021-06-30")
    assert not at.exception
    kiel = "profil?empfaenger=kiel&programm=dmk-sh&stichtag=2021-06-30&lang=de"
    nodes, topic, similar = (df.value for df in at.dataframe if "Profil" in df.value.columns)
    assert nodes.columns.tolist()[:3] == ["Zuwendungsempfänger", "Profil", "Art"] and len(nodes) == 9
    assert dict(zip(nodes["Zuwendungsempfänger"], nodes["Profil"]))["Landeshauptstadt Kiel"] == kiel
    # the goal "Partizipation" (first in the chooser), who has reached the most milestones first
    assert topic["Zuwendungsempfänger"].iloc[0] == "Kreis Schleswig-Flensburg"
    assert topic["Profil"].iloc[0] == (
        "profil?empfaenger=schleswig-flensburg&programm=dmk-sh&stichtag=2021-06-30&lang=de")
    # similar to Kirchbarkau (first in the chooser): the eight others, Kiel among them
    assert len(similar) == 8
    assert dict(zip(similar["Zuwendungsempfänger"], similar["Profil"]))["Landeshauptstadt Kiel"] == kiel
    assert similar["Profil"].iloc[0] == "profil?empfaenger=pinneberg&programm=dmk-sh&stichtag=2021-06-30&lang=de"


def test_english(app):
    at = app(role="leitung", page="pages/netzwerk.py", stichtag="2021-06-30", lang="en")
    assert not at.exception
    assert at.title[0].value == "Network"
    assert "23 links between 9 recipients." in markdowns(at)
    (chart,) = at.get("plotly_chart")
    title = json.loads(chart.proto.spec)["layout"]["title"]["text"]
    assert title == "Recipients linked by shared goals and themes (at least 3)"
    assert at.button_group(key="nw_basis").value == "both"
    at.selectbox(key="nw_recipient").set_value("kirchbarkau").run()
    assert "Most similar to Gemeinde Kirchbarkau: Stadt Pinneberg." in markdowns(at)
    legend = {tr["name"] for tr in traces(at) if tr.get("mode") == "markers+text"}
    kinds = ["kreis", "kreisfreie_stadt", "stadt", "gemeinde", "verbund"]
    assert legend == {i18n.t(f"kind.{k}", lang="en") for k in kinds}


def test_before_any_decision_the_page_says_so(app, german):
    at = app(role="leitung", page="pages/netzwerk.py", stichtag="2020-01-31")
    assert not at.exception
    assert [i.value for i in at.info] == [german("app.no_projects_yet", date="08.09.2020")]   # from project.csv
    assert not at.get("plotly_chart")


# --- at 100× the demo (bench/generate.py: 900 projects of 680 recipients on 30.06.2021) ----------------------

@pytest.fixture(scope="module")
def scaled_db(tmp_path_factory):
    from bench.generate import generate

    path = tmp_path_factory.mktemp("netzwerk_scale") / "monitor.duckdb"
    generate(path, 100)
    return path


def kept_by_hand(path) -> tuple[int, set]:
    """Independently of network_edges: pairs sharing ≥ 3 goals/themes among the 100 largest recipients, and the
    edges kept when each recipient keeps its 3 strongest (shared, then Jaccard, then the other's id)."""
    from monitor.db import Database

    con = Database.cursor(path)
    try:
        projects = con.execute("select project_id, applicant_id, granted_eur::double as granted_eur from project "
                               "where decision_date <= date '2021-06-30'").df()
        names = con.execute("select applicant_id, name from applicant").df().set_index("applicant_id")["name"]
        goals = con.execute("select project_id, 'g:' || goal_id as topic from project_goal").df()
        themes = con.execute("select project_id, 't:' || theme as topic from project_theme").df()
    finally:
        con.close()
    grants = projects.groupby("applicant_id")["granted_eur"].sum().rename("granted").to_frame()
    grants["name"] = names.reindex(grants.index)
    top = grants.reset_index().sort_values(["granted", "name", "applicant_id"], ascending=[False, True, True]) \
        .head(100)["applicant_id"]
    topics = pd.concat([goals, themes]).merge(projects[["project_id", "applicant_id"]])
    sets = topics[topics["applicant_id"].isin(top)].groupby("applicant_id")["topic"].apply(set)
    ids = sorted(sets.index)
    pairs = []
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            shared = len(sets[a] & sets[b])
            if shared >= 3:
                pairs.append((a, b, shared, shared / len(sets[a] | sets[b])))
    kept = set()
    for node in ids:
        mine = [(s, j, b if a == node else a, (a, b)) for a, b, s, j in pairs if node in (a, b)]
        for *_, edge in sorted(mine, key=lambda m: (-m[0], -m[1], m[2]))[:3]:
            kept.add(edge)
    return len(pairs), kept


def test_graph_at_100x_is_bounded(scaled_db, monkeypatch):
    monkeypatch.setenv("MONITOR_DB", str(scaled_db))
    nodes = run_query("network_nodes", **BASE)
    assert len(nodes) == 680
    assert (nodes["node_rank"] <= 100).sum() == 100
    links = run_query("network_edges", **BASE, basis="both", min_shared=3, max_nodes=100, max_edges=300)
    # 4.941 pairs among the 100 largest share 3 or more; keeping each one's 3 strongest leaves 271 (≤ 300)
    assert (links["candidate_count"].iloc[0], links["neighbour_limit"].iloc[0], len(links)) == (4941, 3, 271)
    candidates, kept = kept_by_hand(scaled_db)
    assert candidates == 4941
    assert set(zip(links["source_id"], links["target_id"])) == kept
    drawn = set(nodes[nodes["node_rank"] <= 100]["applicant_id"])
    assert set(links["source_id"]) | set(links["target_id"]) <= drawn


def test_page_at_100x_draws_a_bounded_graph_and_says_so(scaled_db, monkeypatch, app, german):
    monkeypatch.setenv("MONITOR_DB", str(scaled_db))
    at = app(role="leitung", page="pages/netzwerk.py", stichtag="2021-06-30")
    assert not at.exception, [e.message for e in at.exception]
    data = traces(at)
    points = [tr for tr in data
              if tr.get("mode") == "markers" and tr.get("hovertext") and tr.get("showlegend") is not False]
    assert sum(len(tr["x"]) for tr in points) == 100
    assert sum(tr["x"].count(None) for tr in data if tr.get("mode") == "lines") == 271
    text = markdowns(at)
    assert german("nw.graph_nodes_bounded", shown="100", total="680") in text
    assert german("nw.graph_edges_bounded", candidates="4.941", k=3, edges="271") in text
    assert any(m.startswith("271 Verbindungen zwischen ") for m in text)
    # 680 recipients: a search narrows the chooser
    assert german("nw.recipient_choices", shown="200", total="680") in [c.value for c in at.caption]
    at.text_input(key="nw_recipient_search").set_value("Alt Bramstedt").run()
    assert not at.exception
    assert at.selectbox(key="nw_recipient").options == ["Amt Alt Bramstedt 1290"]
    assert german("nw.recipient_choices", shown="1", total="1") in [c.value for c in at.caption]
