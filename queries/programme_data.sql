-- What kinds of data a programme holds at all, whatever the Stichtag: a page without its kind of data says so
-- instead of drawing empty charts (a programme without a competition has no applications, criteria or jurors;
-- one taken from an EU list of operations has no goals, payment plan, milestones or reports).
with

projects as (
    select project_id from project where programme_id = $programme_id
),

final as (
    select
        (select count(*) from application where programme_id = $programme_id) as application_count,
        (select count(*) from criterion where programme_id = $programme_id) as criterion_count,
        (select count(*) from juror where programme_id = $programme_id) as juror_count,
        (select count(*) from goal where programme_id = $programme_id) as goal_count,
        (select count(*) from planned_payment where project_id in (select project_id from projects))
            as planned_payment_count,
        (select count(*) from payment where project_id in (select project_id from projects)) as payment_count,
        (select count(*) from milestone where project_id in (select project_id from projects)) as milestone_count,
        (select count(*) from progress_report where project_id in (select project_id from projects))
            as progress_report_count
)

select * from final
