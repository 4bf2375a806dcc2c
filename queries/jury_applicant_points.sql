-- Confidential (jury and admin only): the applicants of the field as points on the map: one row per
-- applicant with applications received by the Stichtag, its best outcome ('selected' when any application
-- was selected, else 'not_selected' when any was scored and not selected, else 'dropped'), how many
-- applications it filed and what it requested. Bounded: at most $row_limit applicants, those with a selected
-- application first, then by the number of applications; applicants_count counts them all.
with

applications as (
    select applicant_id, status, requested_eur
    from application_as_of($programme_id, $as_of)
),

per_applicant as (
    select
        applicant_id,
        count(*) as applications_count,
        count(*) filter (where status = 'selected') as selected_count,
        sum(requested_eur)::double as requested_eur,
        case
            when bool_or(status = 'selected') then 'selected'
            when bool_or(status = 'not_selected') then 'not_selected'
            else 'dropped'
        end as outcome,
        -- the only application's status, when there is one (the map's hover names it)
        case when count(*) = 1 then any_value(status) end as single_status
    from applications
    group by applicant_id
),

final as (
    select
        per_applicant.applicant_id,
        applicant.name as applicant_name,
        applicant.kind as applicant_kind,
        applicant.lat,
        applicant.lon,
        per_applicant.applications_count,
        per_applicant.selected_count,
        per_applicant.requested_eur,
        per_applicant.outcome,
        per_applicant.single_status,
        count(*) over () as applicants_count
    from per_applicant
    join applicant on applicant.applicant_id = per_applicant.applicant_id
)

select * from final
order by case outcome when 'selected' then 1 when 'not_selected' then 2 else 3 end,
    applications_count desc, applicant_name, applicant_id
limit $row_limit
