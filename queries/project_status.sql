-- One row per project on the Stichtag: money against the plan, term, milestones, latest report, the traffic
-- light with every fact that set it, and the funds forecast. The rule is the relation project_state in
-- monitor/relations.sql; this query adds the recipient and nothing else.
with

states as (
    select * from project_state($programme_id, $as_of)
),

recipients as (
    select applicant_id, name as recipient_name, kind as recipient_kind, kreis_id
    from applicant
),

final as (
    select
        states.*,
        recipients.recipient_name,
        recipients.recipient_kind,
        recipients.kreis_id
    from states
    left join recipients on recipients.applicant_id = states.applicant_id
)

select * from final
order by light_rank, lag_pct desc nulls last, lapsed_eur desc, project_id
