-- Every programme in the database, newest first.
select
    programme_id,
    name_de,
    name_en,
    funder,
    budget_eur,
    max_grant_eur,
    launch_date,
    deadline_date,
    decision_date,
    term_start_date,
    term_end_date,
    amber_gap_pct,
    red_gap_pct,
    red_overdue_days,
    report_interval_days,
    payment_grace_days,
    land_id
from programme
order by decision_date desc, programme_id
