"""Explorer page: only analysts and admins; filters and grouping give the demo data's figures; URLs restore views."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from monitor import explorer, navigation
from monitor.explorer import Column, View

PAGE = "pages/explorer.py"
PROGRAMME = "dmk-sh"  # data/demo/programme.csv: the demo's one programme
BY_KIND = "select kind, count(*) as payment_count, sum(amount_eur) as paid_eur from payment group by kind order by kind"


@pytest.fixture(autouse=True)
def _log(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_QUERY_LOG", str(tmp_path / "queries.jsonl"))


def widget(at, kind: str, key: str):
    """The element of a kind with a key (AppTest has no key look-up for every kind)."""
    return next(element for element in at.get(kind) if element.key == key)


def result(at) -> pd.DataFrame:
    """The result table (the last dataframe on the page; the column descriptions come first)."""
    return at.dataframe[-1].value


@pytest.mark.parametrize("role", ["leitung", "jury", "datenpflege"])
def test_other_roles_do_not_get_the_page(app, role):
    assert "explorer" not in {p.url_path for p in navigation.pages_for(role)}
    at = app(role=role)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


@pytest.mark.parametrize("role", ["analyse", "admin"])
def test_analysts_and_admins_get_the_page(app, role):
    at = app(role=role, page=PAGE)
    assert not at.exception
    assert at.title[0].value == "Explorer"


def test_url_restores_filtered_grouped_view(app):
    # paid by 30.06.2021 per project, instalments only: data/demo/payment.csv, 330.920 € in all
    at = app(role="analyse", page=PAGE, stichtag="2021-06-30", tabelle="payment", filter="kind", f_kind="abschlag",
             gruppe="project_id", kennzahl="Summe", wert="amount_eur")
    assert not at.exception
    assert at.selectbox(key="tabelle").value == "payment"
    assert at.multiselect(key="f_kind").value == ["abschlag"]
    assert at.multiselect(key="gruppe").value == ["project_id"]
    assert at.selectbox(key="kennzahl").value == "sum"
    frame = result(at)
    assert frame.columns.tolist() == ["project_id", "sum_amount_eur"]
    assert dict(zip(frame["project_id"], frame["sum_amount_eur"])) == {
        "DM-01": 40000.0, "DM-02": 40000.0, "DM-03": 45000.0, "DM-04": 17000.0, "DM-05": 30000.0,
        "DM-06": 40000.0, "DM-07": 39000.0, "DM-08": 40000.0, "DM-09": 39920.0,
    }
    assert frame["sum_amount_eur"].sum() == 330920.0
    assert widget(at, "segmented_control", "diagramm").value == "bar"  # grouped results start as bars
    assert len(at.get("plotly_chart")) == 1
    sql = at.code[0].value
    assert 'sum("amount_eur")' in sql and "$f1" in sql and "abschlag" not in sql.split("-- $")[0]


def test_number_range_filter(app):
    # payments between 30.000 and 40.000 €: 14 instalments, 537.840 € (all data, last data date)
    at = app(role="analyse", page=PAGE, tabelle="payment", filter="amount_eur", f_amount_eur=["30000", "40000"],
             gruppe="kind", kennzahl="Summe", wert="amount_eur")
    assert not at.exception
    frame = result(at)
    assert frame.to_dict("records") == [{"kind": "abschlag", "sum_amount_eur": 537840.0}]


def test_date_range_filter_and_count(app):
    # payments made in 2021: 10 instalments, no final payment
    at = app(role="analyse", page=PAGE, tabelle="payment", filter="payment_date",
             f_payment_date=["2021-01-01", "2021-12-31"], gruppe="kind")
    frame = result(at)
    assert frame.to_dict("records") == [{"kind": "abschlag", "row_count": 10}]


def test_stichtag_leaves_later_completions_open(app):
    # data/demo/milestone.csv: 30 milestones, 7 of them done by 30.06.2021
    at = app(role="analyse", page=PAGE, stichtag="2021-06-30", tabelle="milestone")
    frame = result(at)
    assert len(frame) == 30
    assert frame["done_date"].notna().sum() == 7


def test_sql_from_url(app):
    at = app(role="analyse", page=PAGE, modus="SQL", sql=BY_KIND)
    assert not at.exception
    assert at.text_area(key="sql").value == BY_KIND
    assert result(at).to_dict("records") == [
        {"kind": "abschlag", "payment_count": 17, "paid_eur": 619840.0},
        {"kind": "schlusszahlung", "payment_count": 8, "paid_eur": 172960.0},
    ]


def test_refused_sql_shows_catalogue_message(app):
    at = app(role="analyse", page=PAGE, modus="SQL", sql="select * from read_csv('/etc/passwd')")
    assert not at.exception
    assert at.error[0].value.startswith("Abgelehnt: Dateien des Servers")
    assert not at.dataframe


def test_scores_in_the_explorer_are_only_those_of_selected_applications(app):
    at = app(role="analyse", page=PAGE, tabelle="score", gruppe="application_id")
    frame = result(at)
    # 9 selected applications, 5 jurors x 6 criteria = 30 score rows each
    assert frame["application_id"].tolist() == [f"BW-0{i}" for i in range(1, 10)]
    assert frame["row_count"].tolist() == [30] * 9


def test_choosing_widgets_changes_the_view(app):
    # (that the choice also lands in the address bar is checked in the browser: AppTest does not see the URL change)
    at = app(role="analyse", page=PAGE)
    at.selectbox(key="tabelle").set_value("application").run()
    at.multiselect(key="gruppe").set_value(["status"]).run()
    # data/demo/application.csv: 9 selected, 26 not selected, 5 ineligible, 2 withdrawn
    expected = {"ineligible": 5, "not_selected": 26, "selected": 9, "withdrawn": 2}
    assert dict(zip(result(at)["status"], result(at)["row_count"])) == expected
    # the same choices as URL parameters open the same view in a new session
    shared = app(role="analyse", page=PAGE, tabelle="application", gruppe="status")
    assert dict(zip(result(shared)["status"], result(shared)["row_count"])) == expected


def test_generated_sql_binds_values_and_quotes_identifiers():
    columns = [Column("kind", "VARCHAR"), Column("amount_eur", "DECIMAL(14,2)"), Column("payment_date", "DATE")]
    view = View("payment", {"kind": ["x'); drop table score; --"], "amount_eur": (1.0, 2.0)}, ["kind"], "sum",
                "amount_eur")
    sql, params = explorer.build(view, columns, dt.date(2021, 6, 30))
    assert "drop table" not in sql
    assert params == {"as_of": dt.date(2021, 6, 30), "f1": ["x'); drop table score; --"], "f2_from": 1.0,
                      "f2_to": 2.0}
    assert 'sum("amount_eur") as "sum_amount_eur"' in sql
    with pytest.raises(KeyError):
        explorer.build(View("payment", {"points; drop table x": ["a"]}), columns, dt.date(2021, 6, 30))


def test_english_labels(app):
    at = app(role="analyse", page=PAGE, lang="English", tabelle="payment", gruppe="kind")
    assert not at.exception
    assert at.selectbox(key="kennzahl").label == "Measure per group"


def test_views_show_names_instead_of_ids(app):
    # paid by 30.06.2021 per Kreis of the recipient (payment.csv -> project.csv -> applicant.csv -> region.csv)
    at = app(role="analyse", page=PAGE, stichtag="2021-06-30", tabelle="payment_detail", gruppe="kreis_name",
             kennzahl="Summe", wert="amount_eur")
    assert not at.exception
    assert dict(zip(result(at)["kreis_name"], result(at)["sum_amount_eur"])) == {
        "Dithmarschen": 40000.0, "Flensburg": 30000.0, "Kiel": 17000.0, "Ostholstein": 40000.0,
        "Pinneberg": 39000.0, "Plön": 39920.0, "Rendsburg-Eckernförde": 85000.0, "Schleswig-Flensburg": 40000.0,
    }
    # granted per Kreis: Rendsburg-Eckernförde has two recipients (Wirtschaftsraum Rendsburg 90.000, Nortorf 100.000)
    at = app(role="analyse", page=PAGE, tabelle="project_detail", gruppe="kreis_name", kennzahl="Summe",
             wert="granted_eur")
    granted = dict(zip(result(at)["kreis_name"], result(at)["sum_granted_eur"]))
    assert granted["Rendsburg-Eckernförde"] == 190000.0 and granted["Kiel"] == 85000.0
    assert sum(granted.values()) == 872300.0


def test_every_view_column_is_described():
    from monitor.sandbox import Sandbox, catalogue, views

    described = catalogue()
    for name, columns in Sandbox.tables().items():
        assert name in described
        assert [c for c, _ in columns if c not in described[name]] == [], name
    assert set(views()) <= set(Sandbox.tables())


def test_row_cap_shows_truncation_notice(app):
    at = app(role="analyse", page=PAGE, modus="SQL", sql="select range as n from range(25000)")
    assert not at.exception
    assert at.warning[0].value.startswith("Gekürzt: Es werden nur die ersten 10.000 Zeilen")
    # the table draws the first 200 of them; the downloads hold all 10.000
    assert result(at)["n"].tolist() == list(range(200))
    assert "erste 200 von 10.000 Zeilen — vollständige Tabelle als Download" in [c.value for c in at.caption]


def _rows(table: str, as_of: dt.date) -> pd.DataFrame:
    """The Explorer's table view of one table on a Stichtag, as the page runs it."""
    columns = explorer.catalogue()[table]
    sql, params = explorer.build(View(table), columns, as_of, PROGRAMME)
    outcome = explorer.run(sql, params, role="analyse", source="explorer")
    assert outcome.result is not None, outcome.message()
    return outcome.result.frame


PROJECT_TABLES = ["project", "project_detail", "planned_payment", "project_goal", "project_theme", "milestone",
                  "payment", "payment_detail", "progress_report", "indicator_value"]


@pytest.mark.parametrize("as_of", [dt.date(2020, 1, 1), dt.date(2020, 9, 7)])
def test_before_the_project_decisions_no_project_exists(as_of):
    # data/demo/project.csv: all nine projects were decided on 08.09.2020 (the programme's decision: 26.08.2020)
    assert {table: len(_rows(table, as_of)) for table in PROJECT_TABLES} == dict.fromkeys(PROJECT_TABLES, 0)


def test_from_the_decision_day_the_projects_and_their_plans_exist():
    on = dt.date(2020, 9, 8)
    assert len(_rows("project", on)) == 9
    plan = _rows("planned_payment", on)
    assert (len(plan), plan["amount_eur"].sum()) == (26, 872_300.0)  # data/demo/planned_payment.csv
    counts = (len(_rows("project_goal", on)), len(_rows("project_theme", on)), len(_rows("milestone", on)))
    assert counts == (31, 48, 30)
    assert len(_rows("payment", on)) == 0  # the first payment: 20.11.2020


def test_applications_exist_from_their_receipt_and_have_a_grant_from_the_decision():
    # data/demo/application.csv: 42 applications received 17.01.2020–02.07.2020, 10 of them by 31.03.2020
    assert len(_rows("application", dt.date(2020, 1, 1))) == 0
    assert len(_rows("application_detail", dt.date(2020, 3, 31))) == 10
    before = _rows("application_detail", dt.date(2020, 9, 7))
    assert len(before) == 42 and before["granted_eur"].isna().all()
    after = _rows("application_detail", dt.date(2020, 9, 8))
    assert after["granted_eur"].notna().sum() == 9 and after["granted_eur"].sum() == 872_300.0


def test_the_page_on_1_january_2020_lists_no_planned_payment(app):
    at = app(role="analyse", page=PAGE, stichtag="2020-01-01", tabelle="planned_payment", gruppe="project_id",
             kennzahl="Summe", wert="amount_eur")
    assert not at.exception
    assert [i.value for i in at.info] == ["Keine Zeile erfüllt diese Bedingungen."]
    assert at.caption[1].value.startswith("Geplante Auszahlungen je Projekt (Stichtag: die ganzen Pläne")
    assert at.caption[2].value.startswith("Stichtag 01.01.2020: Projekte gibt es erst ab ihrer Förderentscheidung")
    assert "0 Zeilen" in [c.value for c in at.caption]


def test_the_result_cache_is_bounded_in_bytes(monkeypatch):
    monkeypatch.setenv("MONITOR_EXPLORER_CACHE_MB", "1")
    explorer.result_cache.clear()
    cache = explorer.result_cache()
    for n in range(5):  # each about 0,5 MB: 10.000 texts of 40 to 45 characters
        outcome = explorer.run(f"select repeat('x', 40) || (range + {n}) as s from range(10000)", None,
                               role="analyse", source="sql")
        assert len(outcome.result.frame) == 10_000
    assert 0 < cache.bytes <= 1024 * 1024
    assert len(cache) <= 2


def test_a_too_large_result_says_so_in_german(app, monkeypatch):
    monkeypatch.setenv("MONITOR_EXPLORER_RESULT_MB", "1")
    at = app(role="analyse", page=PAGE, modus="SQL", sql="select repeat('x', 200) as s from range(10000)")
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Ergebnis zu groß (1,9 MB, höchstens 1 MB): bitte gruppieren/aggregieren oder exportieren."]
    assert not at.dataframe


# --- the traffic light in the Explorer: the relation project_state of monitor/relations.sql ------------------------
STATUS_COLUMNS = ["project_id", "recipient_name", "title", "light", "lag_pct", "granted_eur", "planned_due_eur",
                  "paid_eur", "overdue_eur", "at_risk_eur", "lapsed_eur", "milestones_overdue_count",
                  "days_since_report", "is_report_overdue", "final_payment_date"]


def test_project_status_shows_the_light_of_every_project_on_30_june_2021():
    rows = _rows("project_status", dt.date(2021, 6, 30))
    assert rows.columns.tolist() == STATUS_COLUMNS
    assert dict(zip(rows["project_id"], rows["light"])) == {
        "DM-01": "green", "DM-02": "green", "DM-03": "green", "DM-04": "red", "DM-05": "amber",
        "DM-06": "green", "DM-07": "green", "DM-08": "green", "DM-09": "green"}
    kiel = rows.set_index("project_id").loc["DM-04"]
    # data/demo: Kiel's grant 85.000 €; planned by 31.05.2021 (30 grace days): 34.000 € (15.11.2020); paid 17.000 €
    # (10.02.2021) -> 20,0 % behind the plan; milestone M-04-1 planned 31.03.2021, open 91 days (> 90: red)
    assert kiel["recipient_name"] == "Landeshauptstadt Kiel"
    assert (kiel["granted_eur"], kiel["planned_due_eur"], kiel["paid_eur"], kiel["overdue_eur"]) == (
        85000.0, 34000.0, 17000.0, 17000.0)
    assert (kiel["lag_pct"], kiel["milestones_overdue_count"]) == (20.0, 1)
    flensburg = rows.set_index("project_id").loc["DM-05"]
    # 100.000 € granted, 40.000 € planned by then, 30.000 € paid: 10,0 % behind; its last report (29.01.2021) amber
    assert flensburg["recipient_name"] == "Stadt Flensburg"
    assert (flensburg["lag_pct"], flensburg["paid_eur"]) == (10.0, 30000.0)


def test_project_status_on_31_march_2023_shows_the_money_kiel_let_lapse():
    rows = _rows("project_status", dt.date(2023, 3, 31)).set_index("project_id")
    kiel = rows.loc["DM-04"]
    # data/demo/payment.csv: 17.000 € (10.02.2021) + final payment 8.500 € (20.10.2022) of 85.000 € granted
    assert kiel["light"] == "lapsed"
    assert (kiel["paid_eur"], kiel["lapsed_eur"], kiel["at_risk_eur"]) == (25500.0, 59500.0, 0.0)
    assert kiel["final_payment_date"] == pd.Timestamp("2022-10-20")
    assert rows["lapsed_eur"].sum() == 59500.0


def test_project_status_before_the_decisions_is_empty():
    assert len(_rows("project_status", dt.date(2020, 1, 1))) == 0
    assert len(_rows("project_status", dt.date(2020, 9, 8))) == 9  # all nine decided on 08.09.2020


def test_project_status_sql_reads_the_relation_with_bound_programme_and_stichtag():
    columns = explorer.catalogue()["project_status"]
    sql, params = explorer.build(View("project_status"), columns, dt.date(2021, 6, 30), PROGRAMME)
    assert "project_state($programme_id, $as_of)" in sql
    assert params == {"programme_id": PROGRAMME, "as_of": dt.date(2021, 6, 30)}
    with pytest.raises(ValueError):
        explorer.build(View("project_status"), columns, dt.date(2021, 6, 30))
    # projects, plans and payments exist from the decision on through the relation, not a restated rule
    sql, params = explorer.build(View("payment"), explorer.catalogue()["payment"], dt.date(2021, 6, 30), PROGRAMME)
    assert "project_as_of($programme_id, $as_of)" in sql and "decision_date" not in sql
    assert params == {"programme_id": PROGRAMME, "as_of": dt.date(2021, 6, 30)}


def test_the_explorer_source_restates_no_as_of_rule():
    import inspect

    source = inspect.getsource(explorer)
    assert "decision_date" not in source


def test_page_groups_project_status_by_light(app):
    at = app(role="analyse", page=PAGE, stichtag="2021-06-30", tabelle="project_status", gruppe="light")
    assert not at.exception
    assert dict(zip(result(at)["light"], result(at)["row_count"])) == {"amber": 1, "green": 7, "red": 1}
    assert at.caption[1].value.startswith("Ampel je Projekt am Stichtag")
    assert at.caption[2].value.startswith("Stichtag 30.06.2021")
    assert len(at.get("plotly_chart")) == 1
    sql = at.code[0].value
    assert "project_state($programme_id, $as_of)" in sql and "-- $programme_id = 'dmk-sh'" in sql


def test_page_filters_project_status_by_light(app):
    at = app(role="analyse", page=PAGE, stichtag="2021-06-30", tabelle="project_status", filter="light",
             f_light="red")
    assert not at.exception
    # the filter offers the lights that exist on that day
    assert at.multiselect(key="f_light").options == ["amber", "green", "red"]
    frame = result(at)
    assert frame[["project_id", "recipient_name", "light"]].to_dict("records") == [
        {"project_id": "DM-04", "recipient_name": "Landeshauptstadt Kiel", "light": "red"}]


def test_free_sql_reads_the_relations(app):
    from monitor import guard

    frame = guard.run("select light, count(*) from project_state('dmk-sh', date '2021-06-30') group by light",
                      role="analyse").frame
    assert dict(zip(frame.iloc[:, 0], frame.iloc[:, 1])) == {"red": 1, "amber": 1, "green": 7}
    frame = guard.run("select count(*) as n from project_as_of('dmk-sh', date '2020-09-07')", role="analyse").frame
    assert frame["n"].tolist() == [0]
    for sql in ["select * from duckdb_databases()",
                "select * from project_as_of((select file from pragma_database_list), date '2021-06-30')",
                "select * from monitor.main.project_state('dmk-sh', date '2021-06-30')",
                "select * from system.main.project_state('dmk-sh', date '2021-06-30')",
                "select * from project_state('dmk-sh', date '2021-06-30'), read_csv('/etc/passwd')"]:
        with pytest.raises(guard.Refusal) as caught:
            guard.run(sql, role="analyse")
        assert caught.value.code in ("catalog", "file"), sql
    # the page lists the relations under the free SQL box
    at = app(role="analyse", page=PAGE, modus="SQL", sql="select 1 as x")
    assert any("`project_state(…)`" in c.value for c in at.caption)


def test_a_second_programme_sees_only_its_own_rows(app, two_programme_db, monkeypatch):
    monkeypatch.setenv("MONITOR_DB", str(two_programme_db))
    # tests/programmes.py: efre-test has 8 projects and no competition; the demo keeps its 42 applications
    demo = result(app(role="analyse", page=PAGE, tabelle="application", gruppe="status"))
    assert dict(zip(demo["status"], demo["row_count"])) == {"ineligible": 5, "not_selected": 26, "selected": 9,
                                                            "withdrawn": 2}
    at = app(role="analyse", page=PAGE, tabelle="application", gruppe="status", programm="efre-test")
    assert not at.exception and result(at).empty
    projects = result(app(role="analyse", page=PAGE, tabelle="project", gruppe="programme_id", programm="efre-test",
                          stichtag="2023-12-31"))
    assert projects[["programme_id", "row_count"]].values.tolist() == [["efre-test", 8]]
