-- The member and partner municipalities of the recipients funded by the Stichtag (the lead is the
-- recipient itself), with their location for the map.
with

recipients as (
    select distinct applicant_id
    from project_as_of($programme_id, $as_of)
),

final as (
    select
        applicant_member.applicant_id,
        applicant.name as recipient_name,
        applicant.kind as recipient_kind,
        applicant_member.region_id,
        region.name as member_name,
        region.kind as member_kind,
        applicant_member.role,
        region.population as population_count,
        region.lat,
        region.lon
    from applicant_member
    join recipients on recipients.applicant_id = applicant_member.applicant_id
    join applicant on applicant.applicant_id = applicant_member.applicant_id
    join region on region.region_id = applicant_member.region_id
    where applicant_member.role in ('member', 'partner')
)

select * from final
order by recipient_name, member_name
