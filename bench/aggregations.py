"""P3: the three heaviest aggregations in DuckDB and in straightforward pandas, side by side, same result.

Synthetic tables in an in-memory DuckDB, `rows` rows each for payments, project goals and jury scores
(string ids and decimal money as in the schema; 4 payments and 4 goals per project): paid per recipient and
Kreis as of a Stichtag, weighted goal coverage per recipient and goal, and the jury ranking (weighted mean of the
non-recused jurors' points, rank 1 = best, equal totals share a rank). DuckDB is timed from the SQL to the pandas
result (as the app's q.run does); pandas from frames already in memory (loading them is not counted, in its favour).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time

import duckdb
import numpy as np
import pandas as pd

AS_OF = dt.date(2021, 12, 31)
KREISE = ["01001", "01002", "01003", "01004", "01051", "01053", "01054", "01055", "01056", "01057", "01058",
          "01059", "01060", "01061", "01062"]
APPLICANTS = 1500
GOALS = 6
JURORS = 5
CRITERIA = 6
WEIGHTS = [25, 20, 15, 15, 10, 15]

# ids are strings, as in the schema (project 'P-123', applicant 'A-0042', Kreis '01058', juror 'J3', …)
TABLES = """
create table applicant as
select 'A-' || a as applicant_id, ($kreise)[a % len($kreise) + 1] as kreis_id from range($applicants) t(a);

create table project as
select 'P-' || p as project_id, 'A-' || hash(p) % $applicants as applicant_id,
    date '2020-09-01' + (hash(p || 'd') % 700)::integer as decision_date,
    (40000 + hash(p || 'g') % 60000)::decimal(14,2) as granted_eur
from range($projects) t(p);

create table payment as
select 'Z-' || i as payment_id, 'P-' || hash(i) % $projects as project_id,
    date '2020-10-01' + (hash(i || 'd') % 900)::integer as payment_date,
    (500 + hash(i || 'a') % 400000 / 100)::decimal(14,2) as amount_eur
from range($rows) t(i);

-- four distinct goals per project, weights 40/30/20/10
create table project_goal as
select 'P-' || p as project_id, 'G' || (p + j) % $goals as goal_id, [40, 30, 20, 10][j + 1]::decimal(5,1) as weight_pct
from range($projects) t(p), range(4) s(j);

create table criterion as
select 'C' || c as criterion_id, ($weights)[c + 1]::decimal(5,1) as weight_pct from range($criteria) t(c);

create table score as
select 'BW-' || a as application_id, 'J' || j as juror_id, 'C' || c as criterion_id,
    hash(a || '-' || j) % 50 = 0 as is_recused,
    case when hash(a || '-' || j) % 50 = 0 then null else (hash(a || j || c) % 21 / 2)::decimal(4,1) end as points
from range($applications) t(a), range($jurors) s(j), range($criteria) u(c);
"""

SQL = {
    "paid_per_recipient": """
        with projects as (
            select * from project where decision_date <= $as_of
        ),
        paid as (
            select project_id, sum(amount_eur) as paid_eur from payment where payment_date <= $as_of group by project_id
        ),
        per_recipient as (
            select applicant.kreis_id, projects.applicant_id, count(*) as projects_count,
                sum(projects.granted_eur) as granted_eur, coalesce(sum(paid.paid_eur), 0) as paid_eur
            from projects
            left join paid on paid.project_id = projects.project_id
            join applicant on applicant.applicant_id = projects.applicant_id
            group by applicant.kreis_id, projects.applicant_id
        )
        select *, sum(paid_eur) over (partition by kreis_id) as kreis_paid_eur from per_recipient
    """,
    "goal_coverage": """
        select project.applicant_id, project_goal.goal_id, count(*) as projects_count,
            sum(project.granted_eur * project_goal.weight_pct / 100) as weighted_eur,
            sum(project.granted_eur) as tagged_eur
        from project_goal
        join project on project.project_id = project_goal.project_id
        where project.decision_date <= $as_of
        group by project.applicant_id, project_goal.goal_id
    """,
    "jury_ranking": """
        with per_criterion as (
            select application_id, criterion_id, avg(points::double) as mean_points
            from score
            where not is_recused
            group by application_id, criterion_id
        ),
        totals as (
            select per_criterion.application_id,
                round(sum(criterion.weight_pct::double / 100 * per_criterion.mean_points), 6) as total_points
            from per_criterion
            join criterion on criterion.criterion_id = per_criterion.criterion_id
            group by per_criterion.application_id
        ),
        recused as (
            select application_id, count(distinct juror_id) filter (where is_recused) as recused_count
            from score group by application_id
        )
        select totals.*, recused.recused_count, rank() over (order by totals.total_points desc) as rank
        from totals
        join recused on recused.application_id = totals.application_id
    """,
}


def paid_per_recipient(t: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    """Granted and paid per recipient (with its Kreis total) as of a day, in pandas."""
    as_of = pd.Timestamp(as_of)
    projects = t["project"][t["project"]["decision_date"] <= as_of]
    payments = t["payment"][t["payment"]["payment_date"] <= as_of]
    paid = payments.groupby("project_id", as_index=False)["amount_eur"].sum().rename(columns={"amount_eur": "paid_eur"})
    per_project = projects.merge(paid, on="project_id", how="left").merge(t["applicant"], on="applicant_id")
    out = per_project.groupby(["kreis_id", "applicant_id"], as_index=False).agg(
        projects_count=("project_id", "size"), granted_eur=("granted_eur", "sum"), paid_eur=("paid_eur", "sum"))
    out["kreis_paid_eur"] = out.groupby("kreis_id")["paid_eur"].transform("sum")
    return out


def goal_coverage(t: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    """Money per recipient and goal, weighted by the project's goal weights and tagged in full, in pandas."""
    projects = t["project"][t["project"]["decision_date"] <= pd.Timestamp(as_of)]
    cells = t["project_goal"].merge(projects, on="project_id")
    cells["weighted_eur"] = cells["granted_eur"] * cells["weight_pct"] / 100
    return cells.groupby(["applicant_id", "goal_id"], as_index=False).agg(
        projects_count=("project_id", "size"), weighted_eur=("weighted_eur", "sum"), tagged_eur=("granted_eur", "sum"))


def jury_ranking(t: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    """Weighted total of the non-recused jurors' mean points per application and its rank, in pandas."""
    scores = t["score"]
    valid = scores[~scores["is_recused"]]
    per_criterion = valid.groupby(["application_id", "criterion_id"], as_index=False)["points"].mean()
    per_criterion = per_criterion.merge(t["criterion"], on="criterion_id")
    per_criterion["part"] = per_criterion["weight_pct"] / 100 * per_criterion["points"]
    totals = per_criterion.groupby("application_id", as_index=False)["part"].sum()
    totals["total_points"] = totals.pop("part").round(6)
    recused = (scores[scores["is_recused"]].groupby("application_id")["juror_id"].nunique()
               .rename("recused_count").reset_index())
    totals = totals.merge(recused, on="application_id", how="left").fillna({"recused_count": 0})
    totals["rank"] = totals["total_points"].rank(method="min", ascending=False).astype("int64")
    return totals


PANDAS = {"paid_per_recipient": paid_per_recipient, "goal_coverage": goal_coverage, "jury_ranking": jury_ranking}
KEYS = {"paid_per_recipient": ["kreis_id", "applicant_id"], "goal_coverage": ["applicant_id", "goal_id"],
        "jury_ranking": ["application_id"]}
SOURCES = {"paid_per_recipient": ["project", "payment", "applicant"], "goal_coverage": ["project_goal", "project"],
           "jury_ranking": ["score", "criterion"]}
MEASURED_TABLE = {"paid_per_recipient": "payment", "goal_coverage": "project_goal", "jury_ranking": "score"}


def same(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> bool:
    """Equal rows (numbers to 1e-6 relative) regardless of row and column order."""
    a = a.sort_values(keys).reset_index(drop=True)
    b = b[a.columns].sort_values(keys).reset_index(drop=True)
    if len(a) != len(b):
        return False
    numeric = [c for c in a.columns if c not in keys]
    return (all((a[k].astype(str) == b[k].astype(str)).all() for k in keys)
            and all(np.allclose(a[c].astype(float), b[c].astype(float), rtol=1e-6, atol=1e-6) for c in numeric))


def _median_seconds(func, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run(rows: int = 10_000_000, repeat: int = 3) -> dict:
    """Build the synthetic tables and time each aggregation in both engines; returns the P3 figures."""
    con = duckdb.connect()
    params = {"rows": rows, "projects": rows // 4, "applications": rows // (JURORS * CRITERIA), "kreise": KREISE,
              "applicants": APPLICANTS, "goals": GOALS, "jurors": JURORS, "criteria": CRITERIA, "weights": WEIGHTS}
    started = time.perf_counter()
    for statement in filter(str.strip, TABLES.split(";")):
        named = set(re.findall(r"\$(\w+)", statement))
        con.execute(statement, {k: v for k, v in params.items() if k in named}).fetchall()
    result = {"rows": rows, "build_s": round(time.perf_counter() - started, 1), "aggregations": {}}
    for name, sql in SQL.items():
        frames = {table: con.table(table).df() for table in SOURCES[name]}
        duck_s, duck = _median_seconds(
            lambda sql=sql: con.execute(sql, {"as_of": AS_OF} if "$as_of" in sql else {}).df(), repeat)
        pandas_s, frame = _median_seconds(lambda name=name, frames=frames: PANDAS[name](frames, AS_OF), repeat)
        table = MEASURED_TABLE[name]
        result["aggregations"][name] = {
            "input_rows": con.execute(f"select count(*) from {table}").fetchall()[0][0], "input_table": table,
            "result_rows": len(duck), "duckdb_s": round(duck_s, 3), "pandas_s": round(pandas_s, 3),
            "speedup": round(pandas_s / duck_s, 1), "same_result": same(duck, frame, KEYS[name]),
        }
        del frames, frame, duck
    con.close()
    return result


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000), indent=2))
