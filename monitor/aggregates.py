"""Summaries the pages scan instead of recomputing a rule over raw rows (issue 10, item 4): derived tables in the
database, kept current by the build, by every import and undo (in the same transaction) and whenever the rules
they derive from change.

project_month_state: the traffic light of every project at every complete month end (monitor/aggregates.sql says
what it holds and why that does not depend on the Stichtag). The macro project_state_days reads it for held month
ends and computes every other day live, so the light histories equal project_state_on on any day.

score_cell_state and application_ranking_state: the jury's verdict per application and criterion and its ranking on
the day of the programme's last receipt, which is what they are on every later Stichtag; score_cell_kept and
application_ranking_kept read them then and compute the relations live on an earlier Stichtag.

refresh(con) compares, per programme, the month ends wanted, a checksum of the programme's row, of the rows the
light reads (projects, payments, plan, milestones, reports) and a hash of the rules (monitor/relations.sql,
aggregates.sql, this module) with what the table was built from, and recomputes only programmes that differ
(appending only the new month ends when a month has been completed since). On open (db.create_relations) the
checksum of the data rows is skipped: they change only through the build, imports and undos, which refresh.
At 10,000x the demo (90,000 projects, 41 month ends; 10.5 M scores) a programme takes ~17 s (light) and
~10 s (jury) to compute, the check on an import ~1 s, on open ~0.01 s.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

AGGREGATES_FILE = Path(__file__).with_name("aggregates.sql")
RELATIONS_FILE = Path(__file__).with_name("relations.sql")
# project-days computed per statement: bounds DuckDB's memory for the hash group-bys (at 10,000x the demo,
# 90,000 projects: 8 month ends a statement; a small programme in one statement)
CHUNK_PROJECT_DAYS = 720_000

# the columns of project_state_on that the light histories read (project_state_days returns them in this order)
COLUMNS = ("project_id", "status_date", "applicant_id", "granted_eur", "paid_eur", "start_date", "end_date",
           "planned_until_date", "is_closed", "lag_pct", "at_risk_eur", "lapsed_eur", "light", "light_rank")

INFO_DDL = """
create table if not exists project_month_state_info (
    programme_id varchar,
    first_month_end date,
    last_month_end date,
    programme_hash varchar,
    data_hash varchar,
    rules_hash varchar
)
"""

INFO_COLUMNS = ["programme_id", "first_month_end", "last_month_end", "programme_hash", "data_hash", "rules_hash"]

# per programme, cheap (the programme table only): its row's checksum and the month ends to hold (aggregates.sql):
# from the funding decision to the last complete month, at most to the term's end plus a year (the latest Stichtag
# the app offers unless data are newer, queries/data_date_range.sql; a later day is computed live)
SPAN_SQL = """
select
    programme_id,
    hash(programme)::varchar as programme_hash,
    last_day(decision_date) as first_month_end,
    least(
        last_day(current_date - interval 1 month),
        case when last_day(term_end_date + interval 1 year) = (term_end_date + interval 1 year)::date
             then (term_end_date + interval 1 year)::date
             else last_day(term_end_date + interval 1 year - interval 1 month) end
    )::date as last_month_end
from programme
"""

# per programme: a checksum of every row project_state_on reads besides the programme's own (a full scan: run on
# imports, undos and when a programme is recomputed, not on every open)
CHECKSUM_SQL = """
with
projects as (
    select project.programme_id, project.project_id from project
),
checksums as (
    select programme_id, 'project' as part, count(*) as n, bit_xor(hash(project)) as h
    from project group by programme_id
    union all
    select projects.programme_id, 'payment', count(*), bit_xor(hash(payment))
    from payment join projects using (project_id) group by projects.programme_id
    union all
    select projects.programme_id, 'planned_payment', count(*), bit_xor(hash(planned_payment))
    from planned_payment join projects using (project_id) group by projects.programme_id
    union all
    select projects.programme_id, 'milestone', count(*), bit_xor(hash(milestone))
    from milestone join projects using (project_id) group by projects.programme_id
    union all
    select projects.programme_id, 'progress_report', count(*), bit_xor(hash(progress_report))
    from progress_report join projects using (project_id) group by projects.programme_id
)
select programme_id, string_agg(part || ':' || n || ':' || h, ';' order by part) as data_hash
from checksums
group by programme_id
"""


SCORE_INFO_DDL = """
create table if not exists score_state_info (
    programme_id varchar,
    received_until date,
    data_hash varchar,
    rules_hash varchar
)
"""
SCORE_INFO_COLUMNS = ["programme_id", "received_until", "data_hash", "rules_hash"]

# per programme: the last receipt and a checksum of what score_cell and application_ranking read (applications,
# their scores, the criteria); a full scan of the scores (~0.5 s at 10,000x), run where CHECKSUM_SQL runs
SCORE_CHECKSUM_SQL = """
with
applications as (
    select programme_id, application_id from application
),
checksums as (
    select programme_id, 'application' as part, count(*) as n, bit_xor(hash(application)) as h
    from application group by programme_id
    union all
    select applications.programme_id, 'score', count(*), bit_xor(hash(score))
    from score join applications using (application_id) group by applications.programme_id
    union all
    select programme_id, 'criterion', count(*), bit_xor(hash(criterion)) from criterion group by programme_id
)
select
    programme.programme_id,
    (select max(received_date) from application where application.programme_id = programme.programme_id)
        as received_until,
    coalesce((select string_agg(part || ':' || n || ':' || h, ';' order by part) from checksums
              where checksums.programme_id = programme.programme_id), '') as data_hash
from programme
"""


def rules_hash() -> str:
    """What the summaries derive from: the rules (relations.sql) and this module's own SQL."""
    digest = hashlib.sha256()
    for path in (RELATIONS_FILE, AGGREGATES_FILE, Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _month_ends(first, last) -> list:
    """Every month end from first to last (both month ends), in order."""
    import datetime as dt

    days, year, month = [], first.year, first.month
    while True:
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        day = nxt - dt.timedelta(days=1)
        if day > last:
            return days
        days.append(day)
        year, month = nxt.year, nxt.month


def _create(con: duckdb.DuckDBPyConnection, rules: str) -> None:
    """Create the tables (when missing) and the read macro; drop tables built under other rules."""
    tables = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' and not temporary").fetchall()}
    if "project_month_state_info" in tables:
        columns = [r[0] for r in con.execute("select column_name from (describe project_month_state_info)").fetchall()]
        stale = columns != INFO_COLUMNS or con.execute(
            "select count(*) from project_month_state_info where rules_hash <> ?", [rules]).fetchone()[0]
        if stale:
            # built by other rules or another version of this module (the columns' types may differ): start over
            con.execute("drop table if exists project_month_state")
            con.execute("drop table project_month_state_info")
            tables -= {"project_month_state", "project_month_state_info"}
    con.execute(INFO_DDL)
    if "project_month_state" not in tables:
        # the types of project_state_on's columns, whatever the rule makes them
        con.execute(f"create table project_month_state as select ''::varchar as programme_id, {', '.join(COLUMNS)} "
                    f"from project_state_on('', []::date[]) limit 0")
        con.execute("delete from project_month_state_info")
    if "score_state_info" in tables:
        columns = [r[0] for r in con.execute("select column_name from (describe score_state_info)").fetchall()]
        stale = columns != SCORE_INFO_COLUMNS or con.execute(
            "select count(*) from score_state_info where rules_hash <> ?", [rules]).fetchone()[0]
        if stale:
            for table in ("score_cell_state", "application_ranking_state", "score_state_info"):
                con.execute(f"drop table if exists {table}")
            tables -= {"score_cell_state", "application_ranking_state", "score_state_info"}
    con.execute(SCORE_INFO_DDL)
    if "score_cell_state" not in tables or "application_ranking_state" not in tables:
        # the types of the relations' columns, whatever the rules make them
        con.execute("create or replace table score_cell_state as select ''::varchar as programme_id, * "
                    "from score_cell('', date '2000-01-01') limit 0")
        con.execute("create or replace table application_ranking_state as select ''::varchar as programme_id, * "
                    "from application_ranking('', date '2000-01-01') limit 0")
        con.execute("delete from score_state_info")
    con.execute(AGGREGATES_FILE.read_text(encoding="utf-8"))


def _fill(con: duckdb.DuckDBPyConnection, programme_id: str, days: list) -> None:
    """Compute and insert the light of programme_id on days (month ends), a bounded number of days at a time."""
    if not days:
        return
    projects = con.execute("select count(*) from project where programme_id = ?", [programme_id]).fetchone()[0]
    step = max(1, CHUNK_PROJECT_DAYS // max(projects, 1))
    columns = ", ".join(COLUMNS)
    for start in range(0, len(days), step):
        con.execute(f"insert into project_month_state select ?, {columns} from project_state_on(?, ?::date[])",
                    [programme_id, programme_id, days[start:start + step]])


def refresh(con: duckdb.DuckDBPyConnection, programme_ids: list[str] | None = None,
            check_data: bool = True) -> list[str]:
    """Bring the summaries up to date inside the caller's transaction (if any) for the programmes given (default:
    every programme): recompute a programme whose rows, programme settings or the rules changed, extend it by the
    months completed since. check_data=False (on open) skips the checksum of the data rows, which change only
    through the build, imports and undos (each of which refreshes). Returns the programmes recomputed or extended."""
    rules = rules_hash()
    _create(con, rules)
    spans = {pid: (phash, first, last) for pid, phash, first, last in con.execute(SPAN_SQL).fetchall()}
    held = {row[0]: row[1:] for row in con.execute(
        "select programme_id, first_month_end, last_month_end, programme_hash, data_hash "
        "from project_month_state_info").fetchall()}
    for pid in [pid for pid in held if pid not in spans]:
        con.execute("delete from project_month_state where programme_id = ?", [pid])
        con.execute("delete from project_month_state_info where programme_id = ?", [pid])
    sums: dict[str, str] | None = None

    def checksums() -> dict[str, str]:
        nonlocal sums
        if sums is None:
            sums = dict(con.execute(CHECKSUM_SQL).fetchall())
        return sums

    if check_data:
        checksums()
    done = []
    for pid in sorted(spans if programme_ids is None else set(programme_ids) & set(spans)):
        phash, first, last = spans[pid]
        old = held.get(pid)
        same = (old is not None and old[0] == first and old[2] == phash
                and (sums is None or old[3] == sums.get(pid, "")))
        if same and old[1] == last:
            continue
        if same and old[1] is not None and last > old[1]:
            # the same data, a month (or more) completed since: only the new month ends
            days = [d for d in _month_ends(first, last) if d > old[1]]
        else:
            con.execute("delete from project_month_state where programme_id = ?", [pid])
            days = _month_ends(first, last)
        _fill(con, pid, days)
        data_hash = old[3] if same else checksums().get(pid, "")
        con.execute("delete from project_month_state_info where programme_id = ?", [pid])
        con.execute("insert into project_month_state_info values (?, ?, ?, ?, ?, ?)",
                    [pid, first, last, phash, data_hash, rules])
        done.append(pid)
    return done + [f"{pid} (jury)" for pid in _refresh_scores(con, programme_ids, check_data, rules)]


def _refresh_scores(con: duckdb.DuckDBPyConnection, programme_ids: list[str] | None, check_data: bool,
                    rules: str) -> list[str]:
    """The jury's summaries (score_cell_state, application_ranking_state) of the programmes given: recomputed
    when a programme's applications, scores or criteria or the rules changed (checked as refresh() checks)."""
    held = {pid: (until, data_hash) for pid, until, data_hash in con.execute(
        "select programme_id, received_until, data_hash from score_state_info").fetchall()}
    programmes = [r[0] for r in con.execute("select programme_id from programme").fetchall()]
    for pid in [pid for pid in held if pid not in programmes]:
        for table in ("score_cell_state", "application_ranking_state", "score_state_info"):
            con.execute(f"delete from {table} where programme_id = ?", [pid])
    scope = sorted(programmes if programme_ids is None else set(programme_ids) & set(programmes))
    if not check_data and all(pid in held for pid in scope):
        return []
    wanted = {pid: (until, data_hash) for pid, until, data_hash in con.execute(SCORE_CHECKSUM_SQL).fetchall()}
    done = []
    for pid in scope:
        if held.get(pid) == wanted[pid]:
            continue
        until = wanted[pid][0]
        for table in ("score_cell_state", "application_ranking_state", "score_state_info"):
            con.execute(f"delete from {table} where programme_id = ?", [pid])
        if until is not None:
            con.execute("insert into score_cell_state select ?, * from score_cell(?, ?::date)", [pid, pid, until])
            con.execute("insert into application_ranking_state select ?, * from application_ranking(?, ?::date)",
                        [pid, pid, until])
        con.execute("insert into score_state_info values (?, ?, ?, ?)", [pid, until, wanted[pid][1], rules])
        done.append(pid)
    return done
