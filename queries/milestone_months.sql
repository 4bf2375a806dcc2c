-- Milestones per month of their planned date, by their state on the Stichtag (the states of
-- milestone_timeline): the programme's milestones at any size in about 30 rows.
with

projects as (
    select project_id
    from project_as_of($programme_id, $as_of)
),

milestones as (
    select
        milestone.planned_date,
        case when milestone.done_date <= $as_of then milestone.done_date end as done_date
    from milestone
    where milestone.project_id in (select project_id from projects)
),

states as (
    select
        last_day(planned_date)::date as month_date,
        case
            when done_date is not null and done_date <= planned_date then 'done_on_time'
            when done_date is not null then 'done_late'
            when planned_date < $as_of then 'overdue'
            else 'open'
        end as milestone_state
    from milestones
),

final as (
    select
        month_date,
        count(*) as milestone_count,
        count(*) filter (where milestone_state = 'done_on_time') as done_on_time_count,
        count(*) filter (where milestone_state = 'done_late') as done_late_count,
        count(*) filter (where milestone_state = 'overdue') as overdue_count,
        count(*) filter (where milestone_state = 'open') as open_count
    from states
    group by month_date
)

select * from final
order by month_date
