-- Confidential (jury and admin only): the funnel per kind of applicant (Kreis, Stadt, Gemeinde, Amt, …).
with

stages as (
    select * from application_stage($programme_id, $as_of)
),

final as (
    select
        applicant.kind as applicant_kind,
        count(*) as received_count,
        count(*) filter (where stages.is_eligible) as eligible_count,
        count(*) filter (where stages.is_scored) as scored_count,
        count(*) filter (where stages.is_selected) as selected_count,
        100.0 * count(*) filter (where stages.is_selected) / count(*) as selected_pct
    from stages
    join applicant on applicant.applicant_id = stages.applicant_id
    group by applicant.kind
)

select * from final
order by received_count desc, applicant_kind
