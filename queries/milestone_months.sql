-- Milestones per month of their planned date, by their state on the Stichtag (the states of
-- relation milestone_state): the programme's milestones at any size in about 30 rows.
with

states as (
    select last_day(planned_date)::date as month_date, milestone_state
    from milestone_state($programme_id, $as_of)
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
