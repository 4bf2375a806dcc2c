-- Confidential (jury and admin only): the funnel per kind of applicant (Kreis, Stadt, Gemeinde, Amt, …).
with

applications as (
    select application_id, applicant_id, status
    from application
    where programme_id = $programme_id and received_date <= $as_of
),

scored as (
    select distinct application_id
    from score
    where not is_recused
),

final as (
    select
        applicant.kind as applicant_kind,
        count(*) as received_count,
        count(*) filter (where applications.status <> 'ineligible') as eligible_count,
        count(*) filter (where applications.status <> 'ineligible' and scored.application_id is not null)
            as scored_count,
        count(*) filter (where applications.status = 'selected') as selected_count,
        100.0 * count(*) filter (where applications.status = 'selected') / count(*) as selected_pct
    from applications
    join applicant on applicant.applicant_id = applications.applicant_id
    left join scored on scored.application_id = applications.application_id
    group by applicant.kind
)

select * from final
order by received_count desc, applicant_kind
