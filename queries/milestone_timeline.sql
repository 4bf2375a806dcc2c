-- Every milestone of the projects decided by the Stichtag, planned vs done as known on the Stichtag:
--   done_on_time  done by the planned date     done_late  done after the planned date
--   overdue       still open, planned date passed (same test as project_status: planned_date < Stichtag)
--   open          still open, not yet due
-- A milestone done after the Stichtag counts as open: done_date is null for it.
with

projects as (
    select project_id, applicant_id
    from project
    where programme_id = $programme_id and decision_date <= $as_of
),

milestones as (
    select
        milestone.milestone_id,
        milestone.project_id,
        milestone.title,
        milestone.planned_date,
        case when milestone.done_date <= $as_of then milestone.done_date end as done_date
    from milestone
    where milestone.project_id in (select project_id from projects)
),

final as (
    select
        milestones.milestone_id,
        milestones.project_id,
        applicant.name as recipient_name,
        milestones.title,
        milestones.planned_date,
        milestones.done_date,
        case
            when milestones.done_date is not null and milestones.done_date <= milestones.planned_date then 'done_on_time'
            when milestones.done_date is not null then 'done_late'
            when milestones.planned_date < $as_of then 'overdue'
            else 'open'
        end as milestone_state,
        case
            when milestones.done_date is not null then greatest(0, date_diff('day', milestones.planned_date, milestones.done_date))
            when milestones.planned_date < $as_of then date_diff('day', milestones.planned_date, $as_of::date)
            else 0
        end as days_late_days
    from milestones
    join projects on projects.project_id = milestones.project_id
    join applicant on applicant.applicant_id = projects.applicant_id
)

select * from final
order by project_id, planned_date, milestone_id
