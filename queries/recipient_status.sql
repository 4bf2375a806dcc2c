-- One recipient's projects on the Stichtag: money against the plan, milestones, latest report and the traffic
-- light with every fact that set it (the relation project_state in monitor/relations.sql), worst first; the
-- same columns as project_status, so monitor/status.py words the reason the same way.
with

states as (
    select * from project_state($programme_id, $as_of)
    where applicant_id = $applicant_id
),

recipients as (
    select applicant_id, name as recipient_name, kind as recipient_kind, kreis_id
    from applicant
    where applicant_id = $applicant_id
),

final as (
    select
        states.*,
        recipients.recipient_name,
        recipients.recipient_kind,
        recipients.kreis_id
    from states
    join recipients on recipients.applicant_id = states.applicant_id
)

select * from final
order by light_rank, lag_pct desc nulls last, lapsed_eur desc, project_id
