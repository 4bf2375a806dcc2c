-- Summaries kept in the database so that pages scan them instead of recomputing a rule over raw rows
-- (monitor/aggregates.py keeps them current: the build, every import and undo, and a change of these rules).
-- They are derived data, never imported: a file without them gets them when it is opened.

-- ---------------------------------------------------------------------------------------------------------
-- the traffic light at every complete month end
--
-- project_state_on (monitor/relations.sql) for one day reads only data dated up to that day (and, from the
-- whole file, each project's plan total and whether the programme keeps reports): the light at a month end does
-- not depend on the Stichtag a user picks, only on the data. project_month_state holds, for every programme,
-- the columns the light histories read, for every month end from the programme's funding decision to the last
-- complete month (the month end before today's month), at most to the term's end plus a year (the latest
-- Stichtag the app offers unless data are newer). project_month_state_info says which month ends are held, and
-- for which programme settings, data and rules. Any other day (a Stichtag inside a month, the current month, a
-- day after the held ones) is computed by project_state_on as before.
-- ---------------------------------------------------------------------------------------------------------

-- the light on the given days: held month ends from project_month_state, every other day by project_state_on;
-- one row per project and day, the columns project_status_history, forecast_backtest and light_history_counts
-- read, equal to those of project_state_on (tests/test_aggregates.py)
create or replace macro project_state_days(p_programme_id, p_dates) as table
with
days as (
    select distinct unnest(p_dates)::date as status_date
),
held as (
    select days.status_date
    from days
    join project_month_state_info as info
        on info.programme_id = p_programme_id
        and days.status_date between info.first_month_end and info.last_month_end
    where days.status_date = last_day(days.status_date)
),
live_days as (
    select coalesce(list(status_date), []::date[]) as dates
    from days
    where status_date not in (select status_date from held)
)
select
    project_id, status_date, applicant_id, granted_eur, paid_eur, start_date, end_date, planned_until_date,
    is_closed, lag_pct, at_risk_eur, lapsed_eur, light, light_rank
from project_month_state
where programme_id = p_programme_id and status_date in (select status_date from held)
union all
select
    project_id, status_date, applicant_id, granted_eur, paid_eur, start_date, end_date, planned_until_date,
    is_closed, lag_pct, at_risk_eur, lapsed_eur, light, light_rank
from project_state_on(p_programme_id, (select dates from live_days));

-- ---------------------------------------------------------------------------------------------------------
-- the jury's score summaries
--
-- score_cell and application_ranking (monitor/relations.sql) depend on the Stichtag only through the
-- applications received by then: on any Stichtag on or after the programme's last receipt they are the same.
-- score_cell_state and application_ranking_state hold them for that day (score_state_info.received_until);
-- score_cell_kept and application_ranking_kept read them on such a Stichtag and compute the relation live on an
-- earlier one (while applications still come in, or in a look back at that time).
-- ---------------------------------------------------------------------------------------------------------

create or replace macro score_cell_kept(p_programme_id, p_as_of) as table
select * exclude (programme_id)
from score_cell_state
where programme_id = p_programme_id
  and p_as_of::date >= (select received_until from score_state_info where programme_id = p_programme_id)
union all
-- live on an earlier Stichtag; on a held one called on a day before any receipt, where it has nothing to read
select *
from score_cell(p_programme_id, case
    when p_as_of::date >= (select received_until from score_state_info where programme_id = p_programme_id)
    then date '0001-01-01' else p_as_of::date end);

create or replace macro application_ranking_kept(p_programme_id, p_as_of) as table
select * exclude (programme_id)
from application_ranking_state
where programme_id = p_programme_id
  and p_as_of::date >= (select received_until from score_state_info where programme_id = p_programme_id)
union all
-- live on an earlier Stichtag; on a held one called on a day before any receipt, where it has nothing to read
select *
from application_ranking(p_programme_id, case
    when p_as_of::date >= (select received_until from score_state_info where programme_id = p_programme_id)
    then date '0001-01-01' else p_as_of::date end);
