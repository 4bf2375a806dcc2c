-- How many projects had which traffic light at every month end from the funding decision up to the Stichtag,
-- and on the Stichtag itself: the light history of the whole programme at any size (the rule is project_state_on
-- in monitor/relations.sql, read for complete month ends from the table kept of it through project_state_days in
-- monitor/aggregates.sql; project_status_history shows single projects).
with

states as (
    select status_date, light, light_rank
    from project_state_days($programme_id, status_days($programme_id, $as_of))
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
