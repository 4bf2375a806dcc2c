-- Every programme in the database, oldest first: the first is the default, so a link without ?programm= keeps
-- showing the programme it showed before another one was added.
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
    land_id,
    grant_basis
from programme
order by launch_date, programme_id
