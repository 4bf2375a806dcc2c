-- One row per funded recipient on the Stichtag: granted, planned and paid money, in total and per inhabitant.
-- A project exists from its funding decision on; payments and planned payments count up to the Stichtag.
with

projects as (
    select project_id, applicant_id, granted_eur
    from project_as_of($programme_id, $as_of)
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

per_recipient as (
    select
        projects.applicant_id,
        count(*) as project_count,
        sum(projects.granted_eur) as granted_eur,
        coalesce(sum(planned.planned_eur), 0) as planned_eur,
        coalesce(sum(paid.paid_eur), 0) as paid_eur
    from projects
    left join paid on paid.project_id = projects.project_id
    left join planned on planned.project_id = projects.project_id
    group by projects.applicant_id
),

final as (
    select
        applicant.applicant_id,
        applicant.name as recipient_name,
        applicant.kind as recipient_kind,
        applicant.kreis_id,
        kreis.name as kreis_name,
        applicant.lat,
        applicant.lon,
        applicant.population as population_count,
        per_recipient.project_count,
        per_recipient.granted_eur::double as granted_eur,
        per_recipient.planned_eur::double as planned_eur,
        per_recipient.paid_eur::double as paid_eur,
        100.0 * per_recipient.paid_eur / nullif(per_recipient.granted_eur, 0) as paid_pct,
        per_recipient.granted_eur / nullif(applicant.population, 0) as granted_per_inhabitant_eur,
        per_recipient.planned_eur / nullif(applicant.population, 0) as planned_per_inhabitant_eur,
        per_recipient.paid_eur / nullif(applicant.population, 0) as paid_per_inhabitant_eur
    from per_recipient
    join applicant on applicant.applicant_id = per_recipient.applicant_id
    left join region as kreis on kreis.region_id = applicant.kreis_id
)

select * from final
order by granted_eur desc, recipient_name
