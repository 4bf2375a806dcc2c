-- Milestones still open on the Stichtag, the overdue first, then by planned date.
with

projects as (
    select project_id, applicant_id, title as project_title
    from project_as_of($programme_id, $as_of)
),

open_milestones as (
    select *
    from milestone
    where project_id in (select project_id from projects)
      and (done_date is null or done_date > $as_of)
),

final as (
    select
        open_milestones.milestone_id,
        open_milestones.project_id,
        projects.applicant_id,
        applicant.name as recipient_name,
        open_milestones.title,
        open_milestones.planned_date,
        date_diff('day', $as_of::date, open_milestones.planned_date) as days_until_count,
        open_milestones.planned_date < $as_of as is_overdue
    from open_milestones
    join projects on projects.project_id = open_milestones.project_id
    join applicant on applicant.applicant_id = projects.applicant_id
)

select * from final
order by planned_date, project_id, milestone_id
limit $limit
