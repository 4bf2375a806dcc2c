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

states as (
    select * from milestone_state($programme_id, $as_of)
),

final as (
    select
        states.milestone_id,
        states.project_id,
        projects.applicant_id,
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
