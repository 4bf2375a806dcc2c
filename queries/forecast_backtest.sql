-- Backtest of the funds forecast, as far as the Stichtag lets it: at every month end before the data known on
-- the Stichtag end, what the forecast said would not be called (at risk + lapsed, project_state in
-- monitor/relations.sql) against what finally was not called (granted − paid), counted only for projects whose
-- outcome is known by then (final payment made, or term and plan over), next to the earlier method (the pay rate
-- observed so far, extrapolated to the end date; replaced because it counted final payments planned after the
-- end date as lost). The mean absolute errors of both methods and how often each was closer come with every row.
-- The month ends' states come from the table kept of project_state_on (project_state_days, monitor/aggregates.sql).
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

last_data as (
    -- nothing dated after the Stichtag exists yet
    select least(max(d), $as_of::date) as last_data_date
    from (
        select max(payment_date) as d from payment join project using (project_id) where programme_id = $programme_id
        union all
        select max(report_date) from progress_report join project using (project_id) where programme_id = $programme_id
        union all
        select max(done_date) from milestone join project using (project_id) where programme_id = $programme_id
    )
),

month_ends as (
    select list(last_day(month_start)::date order by month_start) as days
    from programme_row, last_data,
         range(date_trunc('month', programme_row.decision_date), last_data.last_data_date::date, interval 1 month)
             as months(month_start)
    where last_day(month_start) < last_data.last_data_date
),

outcome as (
    -- only projects that are over on that day have a known outcome
    select project_id, granted_eur - paid_eur as not_called_eur
    from project_state_days($programme_id, [(select last_data_date from last_data)])
    where is_closed or (end_date < status_date and planned_until_date < status_date)
),

states as (
    select * from project_state_days($programme_id, (select days from month_ends))
    where project_id in (select project_id from outcome)
),

earlier_method as (
    -- the pay rate so far, extrapolated to the end date; closed projects count what lapsed
    select
        status_date,
        sum(case
            when is_closed then granted_eur - paid_eur
            when status_date <= start_date then 0
            when status_date >= end_date then granted_eur - paid_eur
            else granted_eur - least(granted_eur,
                paid_eur + paid_eur / date_diff('day', start_date, status_date) * date_diff('day', status_date, end_date))
        end) as earlier_forecast_eur
    from states
    group by status_date
),

forecast as (
    select status_date, sum(at_risk_eur + lapsed_eur) as forecast_eur
    from states
    group by status_date
),

errors as (
    select
        forecast.status_date,
        forecast.forecast_eur,
        (select sum(not_called_eur) from outcome) as outcome_eur,
        forecast.forecast_eur - (select sum(not_called_eur) from outcome) as error_eur,
        earlier_method.earlier_forecast_eur,
        earlier_method.earlier_forecast_eur - (select sum(not_called_eur) from outcome) as earlier_error_eur
    from forecast
    join earlier_method using (status_date)
),

final as (
    select
        *,
        (select count(*) from outcome) as outcome_project_count,
        (select last_data_date from last_data) as outcome_date,
        avg(abs(error_eur)) over () as mean_abs_error_eur,
        avg(abs(earlier_error_eur)) over () as earlier_mean_abs_error_eur,
        count(*) filter (where abs(error_eur) < abs(earlier_error_eur)) over () as closer_count,
        count(*) filter (where abs(earlier_error_eur) < abs(error_eur)) over () as earlier_closer_count,
        count(*) over () as month_count
    from errors
)

select * from final
order by status_date
