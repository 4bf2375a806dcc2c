-- The traffic light of every project at every month end from the programme's funding decision up to the
-- Stichtag, and on the Stichtag itself (so the last column equals project_status on that day).
-- The rule is the relation project_state_on in monitor/relations.sql, evaluated on all these days at once.
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

status_dates as (
    select list(distinct status_date order by status_date) as days
    from (
        select last_day(month_start)::date as status_date
        from programme_row,
             range(date_trunc('month', programme_row.decision_date), $as_of::date + interval 1 day, interval 1 month)
                 as months(month_start)
        union all
        select $as_of::date
    )
    where status_date <= $as_of
      and status_date >= (select decision_date from programme_row)
),

states as (
    select * from project_state_on($programme_id, (select days from status_dates))
),

final as (
    select
        states.project_id,
        applicant.name as recipient_name,
        states.status_date,
        states.light,
        states.status_date = $as_of as is_stichtag
    from states
    join applicant on applicant.applicant_id = states.applicant_id
)

select * from final
order by project_id, status_date
