-- Confidential (jury and admin only): every application received by the Stichtag with its applicant,
-- Kreis, requested and granted amount, status and how far it came in the funnel
-- (received -> formally eligible -> scored -> selected). Granted = project.granted_eur once decided.
with

applications as (
    select *
    from application
    where programme_id = $programme_id and received_date <= $as_of
),

scored as (
    select distinct application_id
    from score
    where not is_recused
),

granted as (
    select application_id, granted_eur
    from project
    where programme_id = $programme_id and decision_date <= $as_of
),

final as (
    select
        applications.application_id,
        applications.title,
        applicant.applicant_id,
        applicant.name as applicant_name,
        applicant.kind as applicant_kind,
        applicant.kreis_id,
        kreis.name as kreis_name,
        applicant.lat,
        applicant.lon,
        applicant.population as population_count,
        applications.received_date,
        applications.requested_eur::double as requested_eur,
        granted.granted_eur::double as granted_eur,
        applications.status,
        applications.dropout_reason,
        applications.status <> 'ineligible' as is_eligible,
        scored.application_id is not null as is_scored,
        applications.status = 'selected' as is_selected,
        case
            when applications.status = 'ineligible' then 'eligible'
            when scored.application_id is null then 'scored'
            when applications.status <> 'selected' then 'selected'
        end as dropout_stage
    from applications
    join applicant on applicant.applicant_id = applications.applicant_id
    join region as kreis on kreis.region_id = applicant.kreis_id
    left join scored on scored.application_id = applications.application_id
    left join granted on granted.application_id = applications.application_id
)

select * from final
order by application_id
