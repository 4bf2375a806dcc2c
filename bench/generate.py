"""A large synthetic database with the real schema: many programmes, municipalities and projects."""

from __future__ import annotations

from pathlib import Path

import duckdb

from monitor.db import SCHEMA_FILE


def generate(path: Path, programmes: int = 50, projects_per_programme: int = 400, municipalities: int = 1100) -> dict:
    """Write a database at path; returns the row counts. Deterministic (hash-based, no randomness)."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
    p, n, m = programmes, projects_per_programme, municipalities
    con.execute("""
        insert into programme
        select 'p' || i, 'Programm ' || i, 'Programme ' || i, 'Ministerium', 50000000, 500000,
               date '2019-01-01' + (i % 5) * interval 1 year, date '2019-06-30' + (i % 5) * interval 1 year,
               date '2019-08-31' + (i % 5) * interval 1 year, date '2019-09-01' + (i % 5) * interval 1 year,
               date '2022-12-31' + (i % 5) * interval 1 year, 20, 40, 90, 200, 'synthetisch'
        from range($p) t(i)
    """, {"p": p})
    con.execute("""
        insert into goal select 'p' || i || '-g' || g, 'p' || i, g, 'Ziel ' || g, 'Goal ' || g, 'synthetisch'
        from range($p) a(i), range(6) b(g)
    """, {"p": p})
    con.execute("""
        insert into region select '01', 'Land', 'land', null, null, 15800, 2900000, date '2019-12-31', null, null, true, 's'
        union all
        select printf('01%03d', 51 + k), 'Kreis ' || k, 'kreis', null, null, 1000, 200000, date '2019-12-31',
               54 + k / 30, 9 + k / 15, true, 's'
        from range(15) t(k)
    """)
    con.execute("""
        insert into region
        select printf('01%03d%03d', 51 + (j % 15), j % 1000), 'Gemeinde ' || j, 'gemeinde', printf('01%03d', 51 + (j % 15)),
               null, null, 500 + (hash(j) % 20000), date '2019-12-31', 53.5 + (j % 100) / 70, 8.5 + (j % 97) / 40, true, 's'
        from range($m) t(j)
    """, {"m": m})
    con.execute("""
        insert into applicant
        select 'a' || j, 'Gemeinde ' || j, 'gemeinde', printf('01%03d%03d', 51 + (j % 15), j % 1000), printf('01%03d', 51 + (j % 15)),
               53.5 + (j % 100) / 70, 8.5 + (j % 97) / 40, 500 + (hash(j) % 20000), true, 's'
        from range($m) t(j)
    """, {"m": m})
    con.execute("""
        insert into application
        select 'b' || i || '-' || k, 'p' || i, 'a' || ((i * 7919 + k) % $m), 'Vorhaben ' || k,
               date '2019-03-01' + (i % 5) * interval 1 year, 400000, 'selected', null, true, 's'
        from range($p) a(i), range($n) b(k)
    """, {"p": p, "n": n, "m": m})
    con.execute("""
        insert into project
        select 'x' || i || '-' || k, 'p' || i, 'b' || i || '-' || k, 'a' || ((i * 7919 + k) % $m), 'Projekt ' || k,
               100000 + (hash(i * 1000 + k) % 300000), null,
               date '2019-08-31' + (i % 5) * interval 1 year, date '2019-09-01' + (i % 5) * interval 1 year + (k % 90) * interval 1 day,
               date '2022-06-30' + (i % 5) * interval 1 year + (k % 180) * interval 1 day, true, 's'
        from range($p) a(i), range($n) b(k)
    """, {"p": p, "n": n, "m": m})
    con.execute("""
        insert into project_goal
        select project_id, programme_id || '-g' || ((hash(project_id) + g) % 6), 50, true
        from project, range(2) t(g)
    """)
    con.execute("""
        insert into planned_payment
        select project_id, start_date + (s * 240) * interval 1 day, round(granted_eur * [0.4, 0.4, 0.2][s + 1], 2)
        from project, range(3) t(s)
    """)
    con.execute("""
        insert into payment
        select 'z-' || project_id || '-' || s, project_id, start_date + (s * 200 + hash(project_id) % 60) * interval 1 day,
               round(granted_eur * 0.2, 2), 'abschlag', null, null
        from project, range(4) t(s)
    """)
    con.execute("""
        insert into milestone
        select 'm-' || project_id || '-' || s, project_id, 'Meilenstein ' || s, start_date + (s * 150) * interval 1 day,
               case when hash(project_id || s) % 5 = 0 then null
                    else start_date + (s * 150 + hash(project_id || s) % 90) * interval 1 day end,
               true, 's', null
        from project, range(5) t(s)
    """)
    con.execute("""
        insert into progress_report
        select 'r-' || project_id || '-' || s, project_id, start_date + (s * 180 + 30) * interval 1 day, least(100, s * 18),
               ['green', 'green', 'amber', 'red'][((hash(project_id || s) % 4) + 1)::bigint], null, null
        from project, range(6) t(s)
    """)
    # the jury's side: as many unsuccessful applications as projects, six criteria, five jurors, all scored
    con.execute("""
        insert into application
        select 'b' || i || '-n' || k, 'p' || i, 'a' || ((i * 104729 + k) % $m), 'Abgelehnt ' || k,
               date '2019-03-01' + (i % 5) * interval 1 year, 150000, 'not_selected', null, true, 's'
        from range($p) a(i), range($n) b(k)
    """, {"p": p, "n": n, "m": m})
    con.execute("""
        insert into criterion select 'p' || i || '-c' || c, 'p' || i, c, 'Kriterium ' || c, 'Criterion ' || c,
               [25, 20, 15, 15, 10, 15][c + 1], 10, true
        from range($p) a(i), range(6) b(c)
    """, {"p": p})
    con.execute("""
        insert into juror select 'p' || i || '-j' || j, 'p' || i, 'Institution ' || j, 'J' || j, j = 0, 's'
        from range($p) a(i), range(5) b(j)
    """, {"p": p})
    con.execute("""
        insert into score
        select application_id, programme_id || '-j' || j, programme_id || '-c' || c,
               case when hash(application_id || j) % 97 = 0 then null else (hash(application_id || j || c) % 21) / 2 end,
               hash(application_id || j) % 97 = 0
        from application, range(5) a(j), range(6) b(c)
    """)
    con.execute("create table build_info as select 'bench' as source_dir, false as is_demo, now()::timestamp as built_at")
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("region", "project", "payment", "milestone", "progress_report", "planned_payment",
                        "application", "score")}
    con.execute("checkpoint")
    con.close()
    return counts
