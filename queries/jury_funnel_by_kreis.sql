-- Confidential (jury and admin only): the funnel per Kreis and kreisfreie Stadt (all of them, with or
-- without applications), by the Kreis of the applicant's seat, with requested and granted money.
with

kreise as (
    select region_id as kreis_id, name as kreis_name, kind as kreis_kind, population, lat, lon
    from region
    where kind in ('kreis', 'kreisfreie_stadt')
),

applications as (
    select application_id, applicant_id, status, requested_eur
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

per_kreis as (
    select
        applicant.kreis_id,
        count(*) as received_count,
        count(*) filter (where applications.status <> 'ineligible') as eligible_count,
        count(*) filter (where applications.status <> 'ineligible' and scored.application_id is not null)
            as scored_count,
        count(*) filter (where applications.status = 'selected') as selected_count,
        sum(applications.requested_eur) as requested_eur,
        sum(granted.granted_eur) as granted_eur
    from applications
    join applicant on applicant.applicant_id = applications.applicant_id
    left join scored on scored.application_id = applications.application_id
    left join granted on granted.application_id = applications.application_id
    group by applicant.kreis_id
),

final as (
    select
        kreise.kreis_id,
        kreise.kreis_name,
        kreise.kreis_kind,
        kreise.lat,
        kreise.lon,
        kreise.population as population_count,
        coalesce(per_kreis.received_count, 0) as received_count,
        coalesce(per_kreis.eligible_count, 0) as eligible_count,
        coalesce(per_kreis.scored_count, 0) as scored_count,
        coalesce(per_kreis.selected_count, 0) as selected_count,
        coalesce(per_kreis.requested_eur, 0)::double as requested_eur,
        coalesce(per_kreis.granted_eur, 0)::double as granted_eur
    from kreise
    left join per_kreis on per_kreis.kreis_id = kreise.kreis_id
)

select * from final
order by kreis_id
