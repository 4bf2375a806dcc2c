-- One row per Kreis and kreisfreie Stadt of the programme (programme_kreise: its Land, funded or not) on the Stichtag: the grants of the
-- recipients seated there (applicant.kreis_id), in total and per inhabitant of the Kreis.
with

kreise as (
    select kreis_id, kreis_name, kreis_kind, population, lat, lon, in_land and kreis_kind <> 'land' as on_map
    from programme_kreise($programme_id)
),

projects as (
    select project.project_id, project.granted_eur, applicant.applicant_id, applicant.kreis_id
    from project_as_of($programme_id, $as_of) as project
    join applicant on applicant.applicant_id = project.applicant_id
),

paid as (
    select project_id, sum(amount_eur) as paid_eur
    from payment
    where payment_date <= $as_of
    group by project_id
),

planned as (
    select project_id, sum(amount_eur) as planned_eur
    from planned_payment
    where planned_date <= $as_of
    group by project_id
),

per_kreis as (
    select
        projects.kreis_id,
        count(distinct projects.applicant_id) as recipient_count,
        sum(projects.granted_eur) as granted_eur,
        coalesce(sum(planned.planned_eur), 0) as planned_eur,
        coalesce(sum(paid.paid_eur), 0) as paid_eur
    from projects
    left join paid on paid.project_id = projects.project_id
    left join planned on planned.project_id = projects.project_id
    group by projects.kreis_id
),

final as (
    select
        kreise.kreis_id,
        kreise.kreis_name,
        kreise.kreis_kind,
        kreise.lat,
        kreise.lon,
        kreise.on_map,
        kreise.population as population_count,
        coalesce(per_kreis.recipient_count, 0) as recipient_count,
        coalesce(per_kreis.granted_eur, 0)::double as granted_eur,
        coalesce(per_kreis.planned_eur, 0)::double as planned_eur,
        coalesce(per_kreis.paid_eur, 0)::double as paid_eur,
        100.0 * per_kreis.paid_eur / nullif(per_kreis.granted_eur, 0) as paid_pct,
        coalesce(per_kreis.granted_eur, 0) / nullif(kreise.population, 0) as granted_per_inhabitant_eur,
        coalesce(per_kreis.paid_eur, 0) / nullif(kreise.population, 0) as paid_per_inhabitant_eur
    from kreise
    left join per_kreis on per_kreis.kreis_id = kreise.kreis_id
)

select * from final
order by kreis_id
