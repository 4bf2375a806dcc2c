-- The programme on the Stichtag: money committed, planned and paid; term elapsed; milestones due and done.
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

projects as (
    -- a project exists from its funding decision on
    select * from project
    where programme_id = $programme_id and decision_date <= $as_of
),

paid as (
    select sum(amount_eur) as paid_eur
    from payment
    where project_id in (select project_id from projects) and payment_date <= $as_of
),

planned as (
    select sum(amount_eur) as planned_eur
    from planned_payment
    where project_id in (select project_id from projects) and planned_date <= $as_of
),

milestones as (
    select
        count(*) as milestone_count,
        count(*) filter (where planned_date <= $as_of) as milestones_due_count,
        count(*) filter (where done_date <= $as_of) as milestones_done_count,
        count(*) filter (where planned_date <= $as_of and done_date <= $as_of) as milestones_due_done_count,
        count(*) filter (where planned_date < $as_of and (done_date is null or done_date > $as_of)) as milestones_overdue_count
    from milestone
    where project_id in (select project_id from projects)
),

final as (
    select
        programme_row.budget_eur,
        (select count(*) from projects) as project_count,
        coalesce((select sum(granted_eur) from projects), 0) as granted_eur,
        coalesce(planned.planned_eur, 0) as planned_eur,
        coalesce(paid.paid_eur, 0) as paid_eur,
        100.0 * coalesce(paid.paid_eur, 0) / nullif((select sum(granted_eur) from projects), 0) as paid_pct,
        100.0 * coalesce((select sum(granted_eur) from projects), 0) / nullif(programme_row.budget_eur, 0) as granted_pct,
        least(100, greatest(0,
            100.0 * date_diff('day', programme_row.term_start_date, $as_of::date)
            / date_diff('day', programme_row.term_start_date, programme_row.term_end_date)
        )) as term_elapsed_pct,
        programme_row.term_start_date,
        programme_row.term_end_date,
        milestones.milestone_count,
        milestones.milestones_due_count,
        milestones.milestones_done_count,
        milestones.milestones_due_done_count,
        milestones.milestones_overdue_count
    from programme_row
    cross join paid
    cross join planned
    cross join milestones
)

select * from final
