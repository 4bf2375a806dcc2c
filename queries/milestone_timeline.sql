-- The milestones of the projects decided by the Stichtag, planned vs done as known on the Stichtag, the ones
-- that matter first (at most $limit rows; milestone_total_count says how many there are in all):
--   overdue       still open, planned date passed (as in project_state: planned_date < Stichtag), longest first
--   done_late     done after the planned date, latest first
--   open          still open, not yet due, soonest first
--   done_on_time  done by the planned date
-- A milestone done after the Stichtag counts as open: done_date is null for it.
with

projects as (
    select project_id, applicant_id
    from project_as_of($programme_id, $as_of)
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

states as (
    select
        milestones.*,
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
),

final as (
    select
        states.milestone_id,
        states.project_id,
        applicant.name as recipient_name,
        states.title,
        states.planned_date,
        states.done_date,
        states.milestone_state,
        states.days_late_days,
        count(*) over () as milestone_total_count,
        row_number() over (
            order by
                case states.milestone_state when 'overdue' then 0 when 'done_late' then 1 when 'open' then 2 else 3 end,
                case when states.milestone_state = 'open' then 0 else -states.days_late_days end,
                states.planned_date,
                states.milestone_id
        ) as relevance_rank
    from states
    join projects on projects.project_id = states.project_id
    join applicant on applicant.applicant_id = projects.applicant_id
)

select * from final
where relevance_rank <= $limit
order by relevance_rank
