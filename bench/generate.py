"""One programme scaled up from the demo: `python -m bench.generate --scale 1|100|1000|10000 [--out FILE]`.

Scale 1 is the demo programme itself (data/demo/, built by the app's own build). Scale k adds k − 1 copies
of it to the SAME programme: every copy repeats the demo's 42 applications (same statuses, jittered amounts
and dates), their scores (jittered points, ~2 % recusals) and its 9 projects. The projects of a copy are not
the demo's projects: each gets its own term, outcome (on track / late / troubled), payments (skewed
towards monthly instalments; 1–39), 2–8 planned payments, 2–8 milestones, a report every six months, a final
payment for most finished projects and lapsed money for some. Applicants are capped at 1,500 (there are only
~1,100 municipalities in Schleswig-Holstein): synthetic municipalities with AGS ids in all 11 Kreise, plus
associations in the 4 kreisfreie Städte, so at 10,000× each applicant files ~280 applications.

Everything is deterministic: values come from hash() of ids, never from a random generator.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import tempfile
import time
from pathlib import Path

import duckdb

from monitor import db

DATA_END = "2023-03-31"          # the demo's last event; no generated event is later
APPLICANT_CAP = 1500             # demo applicants included
MUNICIPALITIES = 1100            # synthetic Gemeinden at scale >= 100 (11 per copy below that)
KREISE = ["01051", "01053", "01054", "01055", "01056", "01057", "01058", "01059", "01060", "01061", "01062"]
CITIES = ["01001", "01002", "01003", "01004"]
CACHE_DIR = Path(tempfile.gettempdir()) / "monitor-bench"
# what the generated file depends on: a change to any of them makes a new cache entry
INPUTS = [Path(__file__), db.SCHEMA_FILE, Path(db.__file__), Path(db.__file__).with_name("aggregates.py"),
          *sorted(db.DEMO_DIR.glob("*.csv")),
          *sorted(Path(db.__file__).parent.glob("*.sql"))]

# u(key, salt): a uniform number in [0, 1) from the hash of key and salt
MACROS = """
create or replace temp macro u(key, salt) as (hash(key || '#' || salt) % 1000003) / 1000003.0;
create or replace temp macro pick(items, key, salt) as items[(hash(key || '#' || salt) % len(items))::int + 1];
"""

REGIONS = """
insert into region (region_id, name, kind, kreis_id, nuts3, area_km2, population, population_date, lat, lon,
                    is_illustrative, source)
with names as (
    select g,
        ['', 'Neu ', 'Alt ', 'Groß ', 'Klein ', 'Ober ', 'Nieder '][g % 7 + 1]
        || ['Wester', 'Oster', 'Süder', 'Norder', 'Hohen', 'Bram', 'Hol', 'Lang', 'Rick', 'Sieve', 'Bork',
            'Tarp'][(g // 7) % 12 + 1]
        || ['dorf', 'feld', 'stedt', 'hagen', 'büttel', 'wisch', 'rade', 'hude', 'au', 'kamp', 'horst', 'felde',
            'husen', 'beek'][(g // 84) % 14 + 1] as name,
        ($kreise)[g % 11 + 1] as kreis_id,
        round(exp(ln(200) + u(g, 'pop') * ln(150)))::integer as population
    from range($n_gem) t(g)
)
select names.kreis_id || lpad((200 + names.g // 11)::varchar, 3, '0'), names.name,
    case when names.population > 12000 then 'stadt' else 'gemeinde' end, names.kreis_id, null, null, names.population,
    date '2019-12-31', kreis.lat + (u(names.g, 'lat') - 0.5) * 0.3, kreis.lon + (u(names.g, 'lon') - 0.5) * 0.45,
    true, 'synthetisch (bench/generate.py)'
from names
join region as kreis on kreis.region_id = names.kreis_id
"""

APPLICANTS = """
create temp table seat as
select row_number() over (order by region_id) - 1 as seat_no,
    row_number() over (partition by kreis_id order by region_id) - 1 as kreis_seat_no,
    count(*) over (partition by kreis_id) as kreis_seats,
    region_id, kreis_id, name, kind, population
from region
where region_id like '01___2__';

-- 70 % municipalities (one per Gemeinde), the rest Ämter, cooperations and associations in the four cities
create temp table synthetic as
with numbered as (
    select a, 'A-' || lpad(a::varchar, 4, '0') as applicant_id, floor($n_app * 0.7)::integer as n_kommune
    from range($n_app) t(a)
)
select a, applicant_id,
    case when a < n_kommune then 'kommune'
         else ['verbund-stadt', 'amt', 'amt', 'verbund'][(a - n_kommune) % 4 + 1] end as role,
    case when a < n_kommune then (a * 7) % (select count(*) from seat)
         else hash(applicant_id) % (select count(*) from seat) end as seat_no
from numbered;

insert into applicant (applicant_id, name, kind, region_id, kreis_id, lat, lon, population, is_illustrative, source)
with placed as (
    select synthetic.a, synthetic.applicant_id, synthetic.role, seat.name as seat_name,
        case role when 'kommune' then seat.kind when 'verbund-stadt' then 'verbund' else role end as kind,
        case role when 'verbund-stadt' then pick($cities, applicant_id, 'city') else seat.region_id end as region_id,
        case role when 'verbund-stadt' then pick($cities, applicant_id, 'city') else seat.kreis_id end as kreis_id,
        seat.population * case role when 'kommune' then 1 else 3 end as population
    from synthetic
    join seat using (seat_no)
)
select placed.applicant_id,
    case placed.role when 'kommune' then case placed.kind when 'stadt' then 'Stadt ' else 'Gemeinde ' end || seat_name
                     when 'amt' then 'Amt ' || seat_name || ' ' || a
                     when 'verbund' then 'Kooperation ' || seat_name || ' und Umland ' || a
                     else 'Digitalverein ' || region.name || ' ' || a end,
    placed.kind, placed.region_id, placed.kreis_id,
    region.lat + (u(a, 'lat') - 0.5) * 0.01, region.lon + (u(a, 'lon') - 0.5) * 0.01, placed.population,
    true, 'synthetisch (bench/generate.py)'
from placed
join region on region.region_id = placed.region_id;

-- Ämter and cooperations: the seat leads, one to four neighbours in the same Kreis take part
insert into applicant_member (applicant_id, region_id, role, source)
select synthetic.applicant_id, member.region_id, case when m = 0 then 'lead' else 'member' end, 'synthetisch'
from synthetic
join seat on seat.seat_no = synthetic.seat_no
cross join range(5) t(m)
join seat as member on member.kreis_id = seat.kreis_id
    and member.kreis_seat_no = (seat.kreis_seat_no + m) % seat.kreis_seats
where synthetic.role in ('amt', 'verbund') and m <= 1 + hash(synthetic.applicant_id) % 4 and m < seat.kreis_seats;
"""

APPLICATIONS = """
create temp table copy_no as select c from range(1, $k) t(c);
create temp table applicant_no as
select row_number() over (order by applicant_id) - 1 as applicant_no, applicant_id from synthetic;
create temp table demo_application_no as
select row_number() over (order by application_id) - 1 as template_no, application_id from demo.application;
create temp table demo_project_no as
select row_number() over (order by project_id) - 1 as template_no, project_id from demo.project;

insert into application by name
select application.* replace (
    application.application_id || '-' || c as application_id,
    applicant_no.applicant_id as applicant_id,
    case when application.received_date > programme.deadline_date then application.received_date
         else least(programme.deadline_date, greatest(programme.launch_date,
              application.received_date + (floor(u(application.application_id || c, 'rcv') * 21) - 10)::integer))
    end as received_date,
    round(application.requested_eur * (0.8 + 0.4 * u(application.application_id || c, 'req')), -2) as requested_eur,
    true as is_illustrative,
    'synthetisch (bench/generate.py)' as source
)
from demo.application as application
join demo.programme as programme on programme.programme_id = application.programme_id
cross join copy_no
join applicant_no on applicant_no.applicant_no = hash(application.application_id || '-' || c) % $n_app;

insert into application_goal (application_id, goal_id)
select application.application_id || '-' || c, template.goal_id
from demo.application as application
cross join copy_no
join demo_application_no on demo_application_no.template_no = hash(application.application_id || c) % 42
join demo.application_goal as template on template.application_id = demo_application_no.application_id;
"""

# scores: the demo's points per application, juror and criterion, jittered; ~2 % of juror-application pairs recused
SCORES = """
insert into score (application_id, juror_id, criterion_id, points, is_recused)
with copied as (
    select score.application_id || '-' || c as application_id, score.juror_id, score.criterion_id,
        coalesce(score.points, 6.0)::double as base,
        hash(score.application_id || '-' || c || score.juror_id) % 100 < 2 as is_recused
    from demo.score as score
    cross join copy_no
)
select application_id, juror_id, criterion_id,
    case when is_recused then null
         else least(10, greatest(0,
             round(2 * (base + (u(application_id || juror_id || criterion_id, 'pts') - 0.5) * 3)) / 2))
    end,
    is_recused
from copied
"""

PROJECTS = """
create temp table plan as
with base as (
    select project.project_id || '-' || c as project_id, project.project_id as template_id, c,
        project.application_id || '-' || c as application_id, application.applicant_id, application.requested_eur,
        (date '2020-09-01' + floor(u(project.project_id || c, 'start') * 212)::integer) as start_date,
        300 + floor(u(project.project_id || c, 'dur') * 550)::integer as duration_days,
        u(project.project_id || c, 'outcome') as outcome_u
    from demo.project as project
    cross join copy_no
    join application on application.application_id = project.application_id || '-' || c
)
select *,
    least(start_date + duration_days, date '2022-12-31') as end_date,
    case when outcome_u < 0.6 then 'on_track' when outcome_u < 0.85 then 'late' else 'troubled' end as outcome,
    1 + floor(39 * pow(u(project_id, 'pay'), 0.7))::integer as payment_count,
    2 + floor(7 * u(project_id, 'plan'))::integer as plan_count,
    2 + floor(7 * u(project_id, 'ms'))::integer as milestone_count
from base;

insert into project by name
select project.* replace (
    plan.project_id as project_id, plan.application_id as application_id, plan.applicant_id as applicant_id,
    pick(titles.list, plan.project_id, 'title') as title,
    round(least(plan.requested_eur, programme.max_grant_eur) * (0.85 + 0.15 * u(plan.project_id, 'grant')), -2)
        as granted_eur,
    null as own_funds_pct,
    plan.start_date as start_date, plan.end_date as end_date,
    true as is_illustrative, 'synthetisch (bench/generate.py)' as source
)
from demo.project as project
join plan on plan.template_id = project.project_id
join demo.programme as programme on programme.programme_id = project.programme_id
cross join (select list(title order by application_id) as list from demo.application) as titles;

create temp table plan_money as
select plan.*, project.granted_eur,
    -- share of the grant ever paid: troubled projects leave money unpaid (lapsed once closed)
    case outcome when 'on_track' then 1.0
                 when 'late' then case when u(plan.project_id, 'share') < 0.7 then 1.0
                                       else 0.9 + 0.09 * u(plan.project_id, 'share2') end
                 else 0.55 + 0.35 * u(plan.project_id, 'share') end as paid_share,
    outcome <> 'troubled' or u(plan.project_id, 'final') < 0.5 as has_final,
    least(date '""" + DATA_END + """', plan.end_date + 30 + floor(120 * u(plan.project_id, 'final_date'))::integer)
        as final_date
from plan
join project on project.project_id = plan.project_id;

insert into project_goal (project_id, goal_id, weight_pct, is_illustrative)
select plan.project_id, template.goal_id, template.weight_pct, true
from plan
join demo_project_no on demo_project_no.template_no = hash(plan.project_id) % 9
join demo.project_goal as template on template.project_id = demo_project_no.project_id;

insert or ignore into project_theme (project_id, theme, source)
select plan.project_id, pick(themes.list, plan.project_id, i), 'synthetisch'
from plan
cross join (select list(distinct theme order by theme) as list from demo.project_theme) as themes
cross join range(8) t(i)
where i < 2 + hash(plan.project_id || 'themes') % 7;

insert into indicator_value by name
select template.* replace (
    plan.project_id as project_id,
    round(template.value * (0.5 + u(plan.project_id || template.indicator_id, 'ind'))) as value,
    true as is_illustrative, 'synthetisch (bench/generate.py)' as source
)
from demo.indicator_value as template
join plan on plan.template_id = template.project_id;
"""

PAYMENTS = """
insert into planned_payment (project_id, planned_date, amount_eur)
with rows as (
    select project_id, granted_eur, plan_count, j,
        start_date + 15 + floor((j + 1) * (end_date - start_date) / plan_count)::integer as planned_date,
        round(granted_eur / plan_count, 2) as instalment
    from plan_money
    cross join range(8) t(j)
    where j < plan_count
)
select project_id, planned_date,
    case when j = plan_count - 1 then granted_eur - instalment * (plan_count - 1) else instalment end
from rows;

insert into payment (payment_id, project_id, payment_date, amount_eur, kind, note, import_batch_id)
with money as (
    select *, round(granted_eur * paid_share, 2) as paid_total,
        payment_count - case when has_final then 1 else 0 end as instalment_count,
        case outcome when 'on_track' then 1.0 when 'late' then 1.15 else 1.3 end as stretch
    from plan_money
),
instalments as (
    select money.*,
        case when has_final and instalment_count = 0 then paid_total
             when has_final then round(paid_total * 0.2, 2) else 0 end as final_eur,
        i
    from money
    cross join range(40) t(i)
    where i < instalment_count
),
rows as (
    select project_id, 'Z-' || project_id || '-' || lpad((i + 1)::varchar, 2, '0') as payment_id,
        least(start_date + 20 + floor((i + 0.5) / instalment_count * (end_date - start_date - 20) * stretch)::integer
                  + floor(u(project_id || i, 'jitter') * 15)::integer - 7,
              case when has_final then final_date - 1 else date '""" + DATA_END + """' end) as payment_date,
        round((paid_total - final_eur) / instalment_count, 2) as amount_eur,
        'abschlag' as kind, (i + 1) || '. Abschlag' as note
    from instalments
    union all
    select project_id, 'Z-' || project_id || '-S', final_date,
        paid_total - case when instalment_count = 0 then 0
                          else instalment_count
                               * round((paid_total - round(paid_total * 0.2, 2)) / instalment_count, 2) end,
        'schlusszahlung', 'Schlusszahlung nach Verwendungsnachweis'
    from money
    where has_final
)
select payment_id, project_id, payment_date, amount_eur, kind, note, null
from rows
"""

PROGRESS = """
insert into milestone (milestone_id, project_id, title, planned_date, done_date, is_illustrative, source,
                       import_batch_id)
with rows as (
    select project_id, outcome, i,
        start_date + floor((i + 1) * (end_date - start_date) / milestone_count)::integer as planned_date,
        case outcome when 'on_track' then -20 + floor(60 * u(project_id || i, 'delay'))
                     when 'late' then 20 + floor(180 * u(project_id || i, 'delay'))
                     else 60 + floor(360 * u(project_id || i, 'delay')) end::integer as delay_days
    from plan
    cross join range(8) t(i)
    where i < milestone_count
)
select 'M-' || project_id || '-' || (i + 1), project_id, pick(titles.list, project_id, i), planned_date,
    case when planned_date + delay_days > date '""" + DATA_END + """' then null
         when outcome = 'troubled' and u(project_id || i, 'never') < 0.25 then null
         else planned_date + delay_days end,
    true, 'synthetisch', null
from rows
cross join (select list(title order by milestone_id) as list from demo.milestone) as titles;

insert into progress_report (report_id, project_id, report_date, progress_pct, status, summary, import_batch_id)
with rows as (
    select project_id, outcome, start_date, end_date, j, start_date + (120 + 182 * j)::integer as report_date
    from plan
    cross join range(10) t(j)
    where start_date + (120 + 182 * j)::integer <= least(end_date + 45, date '""" + DATA_END + """')
)
select 'R-' || project_id || '-' || (j + 1), project_id, report_date,
    least(100, round(100.0 * (report_date - start_date) / (end_date - start_date)
                     * case outcome when 'on_track' then 1.0 when 'late' then 0.8 else 0.6 end, 1)),
    case outcome
        when 'on_track' then case when u(project_id || j, 'st') < 0.1 then 'amber' else 'green' end
        when 'late' then case when u(project_id || j, 'st') < 0.6 then 'amber' else 'green' end
        else case when u(project_id || j, 'st') < 0.5 then 'red' else 'amber' end end,
    pick(summaries.list, project_id, j), null
from rows
cross join (select list(summary order by report_id) as list from demo.progress_report) as summaries
"""

COUNTED = ["region", "applicant", "applicant_member", "application", "application_goal", "score", "project",
           "project_goal", "project_theme", "planned_payment", "payment", "milestone", "progress_report",
           "indicator_value"]


def fingerprint() -> str:
    """A short hash of everything the generated file depends on (schema, build code, demo data, generator)."""
    digest = hashlib.sha256()
    for path in INPUTS:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _execute(con: duckdb.DuckDBPyConnection, script: str, params: dict) -> None:
    """Run the statements of a script one by one, each with the $parameters it names."""
    for statement in filter(str.strip, script.split(";")):
        named = set(re.findall(r"\$(\w+)", statement))
        con.execute(statement, {k: v for k, v in params.items() if k in named})


def _copy_demo(con: duckdb.DuckDBPyConnection, scale: int) -> None:
    """Copy every table of the attached demo database unchanged (the programme's budget scaled)."""
    for table in db.TABLES:
        columns = [r[0] for r in con.execute(f"select column_name from (describe {table})").fetchall()]
        cols = ", ".join(columns)
        source = f"demo.{table}"
        if table == "programme":
            source = f"(select * replace (budget_eur * {scale} as budget_eur) from demo.programme)"
        if table == "region":
            # a Gemeinde references its Kreis in the same table: Kreise and the Land first
            source = "demo.region where kreis_id is null"
            con.execute(f"insert into {table} ({cols}) select {cols} from {source}")
            source = "demo.region where kreis_id is not null"
        con.execute(f"insert into {table} ({cols}) select {cols} from {source}")


def generate(path: Path, scale: int) -> dict[str, int]:
    """Write the programme at `scale` × the demo to path (atomically); returns the row count per table."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    demo_path = path.with_name(f"{path.name}.demo-source")
    db.build(demo_path)
    n_gem = min(MUNICIPALITIES, 11 * (scale - 1))
    n_app = min(APPLICANT_CAP - 42, 42 * (scale - 1))
    params = {"k": scale, "n_gem": n_gem, "n_app": n_app, "kreise": KREISE, "cities": CITIES}
    try:
        with db.new_file(path) as con:
            con.execute(f"attach '{demo_path}' as demo (read_only)")
            con.execute(db.SCHEMA_FILE.read_text(encoding="utf-8"))
            _copy_demo(con, scale)
            if scale > 1:
                con.execute(MACROS)
                for step in (REGIONS, APPLICANTS, APPLICATIONS, SCORES, PROJECTS, PAYMENTS, PROGRESS):
                    _execute(con, step, params)
            db.create_relations(con)
            con.execute("create table build_info as select * replace (? as source_dir, ? as is_demo) "
                        "from demo.build_info", [f"bench/generate.py --scale {scale}", scale == 1])
            counts = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in COUNTED}
            con.execute("detach demo")
    finally:
        demo_path.unlink(missing_ok=True)
    return counts


def cached(scale: int, cache_dir: Path = CACHE_DIR) -> tuple[Path, dict]:
    """The generated file for scale, made once per fingerprint; returns (path, info with counts and timing)."""
    import json

    stem = f"scale-{scale}-{fingerprint()}"
    path, info_path = cache_dir / f"{stem}.duckdb", cache_dir / f"{stem}.json"
    if path.exists() and info_path.exists():
        return path, json.loads(info_path.read_text())
    for old in cache_dir.glob(f"scale-{scale}-*"):
        old.unlink()
    started = time.perf_counter()
    counts = generate(path, scale)
    info = {"scale": scale, "generate_s": round(time.perf_counter() - started, 1),
            "file_mb": round(path.stat().st_size / 2**20, 1), "rows": counts}
    info_path.write_text(json.dumps(info, indent=2))
    return path, info


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="times the demo programme (1, 100, 1000, 10000)")
    parser.add_argument("--out", type=Path, help="target file (default: the benchmark cache)")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.out:
        counts, path = generate(args.out, args.scale), args.out
    else:
        path, info = cached(args.scale)
        counts = info["rows"]
    print(f"{path}: {time.perf_counter() - started:.1f} s, {path.stat().st_size / 2**20:.0f} MB")
    print(", ".join(f"{t} {n:,}" for t, n in counts.items()))


if __name__ == "__main__":
    main()
