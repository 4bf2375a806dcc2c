-- The traffic light at every month end from the programme's funding decision up to the Stichtag, and on the
-- Stichtag itself (so the last column equals project_status on that day), for the $limit projects that fare
-- worst on the Stichtag, ranked as the Übersicht ranks them (light, lag behind the plan, lapsed money):
-- the rows of the heatmap. light_history_counts counts all projects.
-- The rule is the relation project_state_on in monitor/relations.sql, evaluated on all these days at once;
-- project_state_days (monitor/aggregates.sql) reads complete month ends from the table kept of it.
with

states as (
    select * from project_state_days($programme_id, status_days($programme_id, $as_of))
),

ranked as (
    select
        project_id,
        row_number() over (order by light_rank, lag_pct desc nulls last, lapsed_eur desc, project_id) as worst_rank
    from states
    where status_date = $as_of
),

final as (
    select
        states.project_id,
        states.applicant_id,
        applicant.name as recipient_name,
        ranked.worst_rank,
        states.status_date,
        states.light,
        states.status_date = $as_of as is_stichtag
    from states
    join ranked on ranked.project_id = states.project_id
    join applicant on applicant.applicant_id = states.applicant_id
    where ranked.worst_rank <= $limit
)

select * from final
order by worst_rank, status_date
