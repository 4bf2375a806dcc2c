"""Data contracts on the built demo database: keys, references and the rules the schema cannot express."""

import duckdb
import pytest

from monitor import db


@pytest.fixture(scope="module")
def con(pristine_db):
    connection = duckdb.connect(str(pristine_db), read_only=True)
    yield connection
    connection.close()


def scalar(con, sql):
    return con.execute(sql).fetchone()[0]


KEYS = {
    "programme": ["programme_id"], "goal": ["goal_id"], "region": ["region_id"], "applicant": ["applicant_id"],
    "application": ["application_id"], "criterion": ["criterion_id"], "juror": ["juror_id"],
    "project": ["project_id"], "payment": ["payment_id"], "milestone": ["milestone_id"],
    "progress_report": ["report_id"], "indicator": ["indicator_id"],
    "score": ["application_id", "juror_id", "criterion_id"], "planned_payment": ["project_id", "planned_date"],
    "project_goal": ["project_id", "goal_id"], "applicant_member": ["applicant_id", "region_id"],
}


@pytest.mark.parametrize("table", sorted(KEYS))
def test_keys_unique_and_not_null(con, table):
    cols = ", ".join(KEYS[table])
    nulls = " or ".join(f"{c} is null" for c in KEYS[table])
    assert scalar(con, f"select count(*) from {table} where {nulls}") == 0
    assert scalar(con, f"select count(*) - count(distinct ({cols})) from {table}") == 0


def test_every_reference_of_the_schema_holds(con):
    # the references are written in schema.sql and checked by every import (monitor/masterdata.py); here, that
    # all 29 are known and none of them points nowhere in the demo
    from monitor import masterdata

    assert sum(len(refs) for refs in masterdata.schema().references.values()) == 29
    assert masterdata.orphans(con) == []


def test_goal_weights_add_up_to_100_per_project(con):
    assert con.execute(
        "select project_id from project_goal group by project_id having sum(weight_pct) <> 100"
    ).fetchall() == []


def test_criterion_weights_add_up_to_100(con):
    assert scalar(con, "select sum(weight_pct) from criterion") == 100


def test_planned_payments_add_up_to_the_grant(con):
    assert con.execute("""
        select project.project_id
        from project join planned_payment using (project_id)
        group by project.project_id, project.granted_eur
        having sum(planned_payment.amount_eur) <> project.granted_eur
    """).fetchall() == []


def test_payments_never_exceed_the_grant(con):
    assert con.execute("""
        select project.project_id
        from project join payment using (project_id)
        group by project.project_id, project.granted_eur
        having sum(payment.amount_eur) > project.granted_eur
    """).fetchall() == []


def test_grants_respect_the_cap_and_the_budget(con):
    assert scalar(con, "select count(*) from project join programme using (programme_id) "
                       "where granted_eur > max_grant_eur") == 0
    assert scalar(con, "select sum(granted_eur) <= max(budget_eur) from project join programme using (programme_id)")


def test_every_project_has_a_selected_application(con):
    assert scalar(con, "select count(*) from project join application using (application_id) "
                       "where status <> 'selected'") == 0
    assert scalar(con, "select count(*) from application where status = 'selected'") == scalar(
        con, "select count(*) from project")


def test_events_fall_inside_sensible_windows(con):
    # payments from the decision on; reports and milestones from the start on
    assert scalar(con, "select count(*) from payment join project using (project_id) "
                       "where payment_date < decision_date") == 0
    assert scalar(con, "select count(*) from progress_report join project using (project_id) "
                       "where report_date < start_date") == 0
    assert scalar(con, "select count(*) from milestone join project using (project_id) "
                       "where done_date < start_date") == 0


def test_at_most_one_final_payment_per_project_and_it_is_the_last(con):
    assert con.execute("""
        select project_id from payment group by project_id
        having count(*) filter (where kind = 'schlusszahlung') > 1
            or max(payment_date) > max(payment_date) filter (where kind = 'schlusszahlung')
    """).fetchall() == []


def test_scores_only_for_scored_applications(con):
    assert scalar(con, """
        select count(*) from score join application using (application_id)
        where status not in ('selected', 'not_selected')
    """) == 0


def test_cooperation_population_is_the_sum_of_its_members(con):
    assert con.execute("""
        select applicant.applicant_id
        from applicant
        join applicant_member using (applicant_id)
        join region on region.region_id = applicant_member.region_id
        where applicant.kind = 'verbund' and applicant_member.role in ('lead', 'member')
        group by applicant.applicant_id, applicant.population
        having sum(region.population) <> applicant.population
    """).fetchall() == []


def test_every_table_of_the_schema_has_a_demo_csv():
    # import bookkeeping starts empty; every other table has its CSV and every CSV is a table
    assert sorted(p.stem for p in db.DEMO_DIR.glob("*.csv")) == sorted(set(db.TABLES) - {"import_batch"})
