-- One recipient's milestones as known on the Stichtag (one done later is still open), each in its state from
-- the relation milestone_state (monitor/relations.sql), in the order of their planned dates.
with

projects as (
    select project_id
    from recipient_projects($programme_id, $applicant_id, $as_of)
),

final as (
    select
        milestones.project_id,
        milestones.milestone_id,
        milestones.title,
        milestones.planned_date,
        milestones.done_date,
        milestones.milestone_state,
        milestones.days_late_days
    from milestone_state($programme_id, $as_of) as milestones
    join projects on projects.project_id = milestones.project_id
)

select * from final
order by planned_date, project_id, milestone_id
