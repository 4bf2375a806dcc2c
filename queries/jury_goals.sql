-- Confidential (jury and admin only): how many applications name each goal, all received vs the winners.
with

goals as (
    select goal_id, sort_order, case when $lang = 'en' then label_en else label_de end as goal_label
    from goal
    where programme_id = $programme_id
),

applications as (
    select application_id, status
    from application_as_of($programme_id, $as_of)
),

totals as (
    select count(*) as all_count, count(*) filter (where status = 'selected') as winners_count
    from applications
),

per_goal as (
    select
        application_goal.goal_id,
        count(*) as all_count,
        count(*) filter (where applications.status = 'selected') as winners_count
    from application_goal
    join applications on applications.application_id = application_goal.application_id
    group by application_goal.goal_id
),

final as (
    select
        goals.goal_id,
        goals.sort_order,
        goals.goal_label,
        coalesce(per_goal.all_count, 0) as applications_count,
        100.0 * coalesce(per_goal.all_count, 0) / nullif(totals.all_count, 0) as applications_pct,
        coalesce(per_goal.winners_count, 0) as winners_count,
        100.0 * coalesce(per_goal.winners_count, 0) / nullif(totals.winners_count, 0) as winners_pct
    from goals
    cross join totals
    left join per_goal on per_goal.goal_id = goals.goal_id
)

select * from final
order by sort_order
