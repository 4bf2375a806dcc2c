-- The traffic light of one recipient's projects at every month end from the programme's funding decision up
-- to the Stichtag, and on the Stichtag itself (the last row equals recipient_status), from the relations
-- project_state_on and status_days (monitor/relations.sql).
with

states as (
    select * from project_state_on($programme_id, status_days($programme_id, $as_of))
    where applicant_id = $applicant_id
),

final as (
    select
        project_id,
        title,
        status_date,
        light,
        light_rank,
        lag_pct,
        paid_eur,
        planned_due_eur,
        status_date = $as_of as is_stichtag
    from states
)

select * from final
order by project_id, status_date
