-- The projects an import file names, with their programme and recipient: whom a row of the preview concerns.
-- Not bound to the Stichtag: a file may name any project of any programme.
with

projects as (
    select * from project
    where project_id in (select unnest($project_ids::varchar[]))
),

recipients as (
    select * from applicant
),

final as (
    select
        projects.project_id,
        projects.programme_id,
        recipients.name as recipient_name
    from projects
    join recipients on recipients.applicant_id = projects.applicant_id
)

select * from final
order by project_id
