-- First and last day for which the programme has data: the Stichtag slider's range and default.
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

projects as (
    select project_id from project where programme_id = $programme_id
),

event_dates as (
    select payment_date as event_date from payment where project_id in (select project_id from projects)
    union all
    select done_date from milestone where project_id in (select project_id from projects) and done_date is not null
    union all
    select report_date from progress_report where project_id in (select project_id from projects)
),

final as (
    select
        programme_row.launch_date as first_date,
        greatest(coalesce(max(event_dates.event_date), programme_row.decision_date), programme_row.decision_date) as last_data_date
    from programme_row
    left join event_dates on true
    group by programme_row.launch_date, programme_row.decision_date
)

select * from final
