-- The programme on the Stichtag: money committed, planned and paid; lapsed and at risk; term elapsed; milestones
-- due and done; projects per light. Everything per project comes from project_state (monitor/relations.sql).
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

states as (
    select * from project_state($programme_id, $as_of)
),

all_projects as (
    -- for "no projects yet" messages: when the first funding decision was (or will be) taken
    select min(decision_date) as first_decision_date
    from project
    where programme_id = $programme_id
),

totals as (
    select
        count(*) as project_count,
        coalesce(sum(granted_eur), 0) as granted_eur,
        coalesce(sum(planned_eur), 0) as planned_eur,
        coalesce(sum(planned_due_eur), 0) as planned_due_eur,
        coalesce(sum(paid_eur), 0) as paid_eur,
        coalesce(sum(overdue_eur), 0) as overdue_eur,
        coalesce(sum(at_risk_eur), 0) as at_risk_eur,
        coalesce(sum(lapsed_eur), 0) as lapsed_eur,
        max(planned_until_date) as planned_until_date,
        coalesce(sum(milestone_count), 0)::bigint as milestone_count,
        coalesce(sum(milestones_due_count), 0)::bigint as milestones_due_count,
        coalesce(sum(milestones_done_count), 0)::bigint as milestones_done_count,
        coalesce(sum(milestones_overdue_count), 0)::bigint as milestones_overdue_count,
        count(*) filter (where light = 'red') as red_count,
        count(*) filter (where light = 'lapsed') as lapsed_count,
        count(*) filter (where light = 'amber') as amber_count,
        count(*) filter (where light = 'green') as green_count,
        count(*) filter (where light = 'done') as done_count,
        count(*) filter (where light = 'not_started') as not_started_count,
        count(*) filter (where is_report_overdue) as report_overdue_count
    from states
),

milestones_due_done as (
    select count(*) as milestones_due_done_count
    from milestone
    join states on states.project_id = milestone.project_id
    where milestone.planned_date <= $as_of and milestone.done_date <= $as_of
),

final as (
    select
        programme_row.budget_eur,
        totals.*,
        milestones_due_done.milestones_due_done_count,
        100.0 * totals.paid_eur / nullif(totals.granted_eur, 0) as paid_pct,
        100.0 * totals.planned_eur / nullif(totals.granted_eur, 0) as planned_pct,
        100.0 * totals.granted_eur / nullif(programme_row.budget_eur, 0) as granted_pct,
        least(100, greatest(0,
            100.0 * date_diff('day', programme_row.term_start_date, $as_of::date)
            / date_diff('day', programme_row.term_start_date, programme_row.term_end_date)
        )) as term_elapsed_pct,
        programme_row.term_start_date,
        programme_row.term_end_date,
        programme_row.payment_grace_days,
        all_projects.first_decision_date
    from programme_row
    cross join totals
    cross join milestones_due_done
    cross join all_projects
)

select * from final
