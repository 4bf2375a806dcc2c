-- How many projects had which traffic light at every month end from the funding decision up to the Stichtag,
-- and on the Stichtag itself: the light history of the whole programme at any size (the rule is project_state_on
-- in monitor/relations.sql; project_status_history shows single projects).
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
    select status_date, light, light_rank
    from project_state_on($programme_id, (select days from status_dates))
),

final as (
    select
        status_date,
        light,
        light_rank,
        count(*) as project_count,
        status_date = $as_of as is_stichtag
    from states
    group by status_date, light, light_rank
)

select * from final
order by status_date, light_rank
