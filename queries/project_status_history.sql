-- The traffic light of every project at every month end from the funding decision up to the Stichtag,
-- and on the Stichtag itself (so the last column equals project_status on that day).
-- The rule is the one in project_status.sql, evaluated with status_date in place of $as_of; keep the two
-- in step (tests/test_fortschritt.py checks that the last day here matches project_status):
--   done        final payment (schlusszahlung) made
--   not_started status_date before the project's start
--   red         latest report red, or a milestone more than red_overdue_days overdue,
--               or paid share lags the elapsed term by red_gap_pct points or more
--   amber       latest report amber, or any milestone overdue, or a lag of amber_gap_pct points or more,
--               or no report for more than report_interval_days
--   green       otherwise
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

status_dates as (
    select distinct status_date
    from (
        select last_day(month_start)::date as status_date
        from programme_row,
             range(date_trunc('month', programme_row.decision_date), $as_of::date + interval 1 day, interval 1 month)
                 as months(month_start)
        union all
        select $as_of::date
    )
    where status_date <= $as_of
      and status_date >= (select decision_date from programme_row)
),

projects as (
    select * from project
    where programme_id = $programme_id and decision_date <= $as_of
),

project_dates as (
    -- a project exists from its funding decision on
    select projects.*, status_dates.status_date
    from projects
    join status_dates on status_dates.status_date >= projects.decision_date
),

payments as (
    select
        project_dates.project_id,
        project_dates.status_date,
        sum(payment.amount_eur) as paid_eur,
        min(payment.payment_date) filter (where payment.kind = 'schlusszahlung') as final_payment_date
    from project_dates
    join payment on payment.project_id = project_dates.project_id and payment.payment_date <= project_dates.status_date
    group by project_dates.project_id, project_dates.status_date
),

milestones as (
    select
        project_dates.project_id,
        project_dates.status_date,
        count(*) filter (where milestone.planned_date < project_dates.status_date
                           and (milestone.done_date is null or milestone.done_date > project_dates.status_date))
            as milestones_overdue_count,
        max(date_diff('day', milestone.planned_date, project_dates.status_date))
            filter (where milestone.planned_date < project_dates.status_date
                      and (milestone.done_date is null or milestone.done_date > project_dates.status_date))
            as max_overdue_days
    from project_dates
    join milestone on milestone.project_id = project_dates.project_id
    group by project_dates.project_id, project_dates.status_date
),

latest_report as (
    select
        project_dates.project_id,
        project_dates.status_date,
        max(progress_report.report_date) as last_report_date,
        arg_max(progress_report.status, progress_report.report_date) as last_report_status
    from project_dates
    join progress_report
        on progress_report.project_id = project_dates.project_id
        and progress_report.report_date <= project_dates.status_date
    group by project_dates.project_id, project_dates.status_date
),

measures as (
    select
        project_dates.project_id,
        project_dates.status_date,
        project_dates.start_date,
        100.0 * coalesce(payments.paid_eur, 0) / nullif(project_dates.granted_eur, 0) as paid_pct,
        least(100, greatest(0,
            100.0 * date_diff('day', project_dates.start_date, project_dates.status_date)
            / date_diff('day', project_dates.start_date, project_dates.end_date)
        )) as term_elapsed_pct,
        payments.final_payment_date,
        coalesce(milestones.milestones_overdue_count, 0) as milestones_overdue_count,
        coalesce(milestones.max_overdue_days, 0) as max_overdue_days,
        latest_report.last_report_status,
        date_diff('day', coalesce(latest_report.last_report_date, project_dates.start_date), project_dates.status_date)
            as days_since_report,
        programme_row.amber_gap_pct,
        programme_row.red_gap_pct,
        programme_row.red_overdue_days,
        programme_row.report_interval_days
    from project_dates
    cross join programme_row
    left join payments
        on payments.project_id = project_dates.project_id and payments.status_date = project_dates.status_date
    left join milestones
        on milestones.project_id = project_dates.project_id and milestones.status_date = project_dates.status_date
    left join latest_report
        on latest_report.project_id = project_dates.project_id and latest_report.status_date = project_dates.status_date
),

flags as (
    select
        *,
        status_date < start_date as is_not_started,
        final_payment_date is not null as is_done,
        coalesce(last_report_status = 'red', false) as is_report_red,
        coalesce(last_report_status = 'amber', false) as is_report_amber,
        max_overdue_days > red_overdue_days as is_milestone_red,
        milestones_overdue_count > 0 as is_milestone_overdue,
        coalesce(term_elapsed_pct - paid_pct >= red_gap_pct, false) as is_gap_red,
        coalesce(term_elapsed_pct - paid_pct >= amber_gap_pct, false) as is_gap_amber,
        status_date >= start_date and days_since_report > report_interval_days as is_report_overdue
    from measures
),

final as (
    select
        flags.project_id,
        applicant.name as recipient_name,
        flags.status_date,
        case
            when is_done then 'done'
            when is_not_started then 'not_started'
            when is_report_red or is_milestone_red or is_gap_red then 'red'
            when is_report_amber or is_milestone_overdue or is_gap_amber or is_report_overdue then 'amber'
            else 'green'
        end as light,
        flags.status_date = $as_of as is_stichtag
    from flags
    join projects on projects.project_id = flags.project_id
    join applicant on applicant.applicant_id = projects.applicant_id
)

select * from final
order by project_id, status_date
