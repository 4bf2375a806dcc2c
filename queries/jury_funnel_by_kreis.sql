-- Confidential (jury and admin only): the funnel per Kreis and kreisfreie Stadt (all of them, with or
-- without applications), by the Kreis of the applicant's seat, with the money requested (by all and by the
-- selected applications) and granted.
with

kreise as (
    select kreis_id, kreis_name, kreis_kind, population, lat, lon
    from programme_kreise($programme_id)
),

stages as (
    select * from application_stage($programme_id, $as_of)
),

granted as (
    select application_id, granted_eur
    from project_as_of($programme_id, $as_of)
),

per_kreis as (
    select
        applicant.kreis_id,
        count(*) as received_count,
        count(*) filter (where stages.is_eligible) as eligible_count,
        count(*) filter (where stages.is_scored) as scored_count,
        count(*) filter (where stages.is_selected) as selected_count,
        sum(stages.requested_eur) as requested_eur,
        sum(stages.requested_eur) filter (where stages.is_selected) as selected_requested_eur,
        sum(granted.granted_eur) as granted_eur
    from stages
    join applicant on applicant.applicant_id = stages.applicant_id
    left join granted on granted.application_id = stages.application_id
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
        coalesce(per_kreis.selected_requested_eur, 0)::double as selected_requested_eur,
        coalesce(per_kreis.granted_eur, 0)::double as granted_eur
    from kreise
    left join per_kreis on per_kreis.kreis_id = kreise.kreis_id
)

select * from final
order by kreis_id
