-- One row per project on the Stichtag: money, term, milestones, latest report, and the traffic light
-- with the facts that set it. Rule (thresholds are columns of programme):
--   done       final payment (schlusszahlung) made
--   not_started Stichtag before the project's start
--   red        latest report red, or a milestone more than red_overdue_days overdue,
--              or paid share lags the elapsed term by red_gap_pct points or more
--   amber      latest report amber, or any milestone overdue, or a lag of amber_gap_pct points or more,
--              or no report for more than report_interval_days
--   green      otherwise
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

projects as (
    select * from project
    where programme_id = $programme_id and decision_date <= $as_of
),

recipients as (
    select applicant_id, name as recipient_name, kind as recipient_kind, kreis_id
    from applicant
),

payments as (
    select
        project_id,
        sum(amount_eur) as paid_eur,
        max(payment_date) as last_payment_date,
        min(payment_date) filter (where kind = 'schlusszahlung') as final_payment_date
    from payment
    where payment_date <= $as_of and project_id in (select project_id from projects)
    group by project_id
),

planned as (
    select project_id, sum(amount_eur) as planned_eur
    from planned_payment
    where planned_date <= $as_of and project_id in (select project_id from projects)
    group by project_id
),

milestones as (
    select
        project_id,
        count(*) as milestone_count,
        count(*) filter (where planned_date <= $as_of) as milestones_due_count,
        count(*) filter (where done_date <= $as_of) as milestones_done_count,
        count(*) filter (where planned_date < $as_of and (done_date is null or done_date > $as_of))
            as milestones_overdue_count,
        max(date_diff('day', planned_date, $as_of::date))
            filter (where planned_date < $as_of and (done_date is null or done_date > $as_of))
            as max_overdue_days,
        arg_max(title, date_diff('day', planned_date, $as_of::date))
            filter (where planned_date < $as_of and (done_date is null or done_date > $as_of))
            as most_overdue_milestone
    from milestone
    where project_id in (select project_id from projects)
    group by project_id
),

latest_report as (
    select
        project_id,
        arg_max(report_date, report_date) as last_report_date,
        arg_max(status, report_date) as last_report_status,
        arg_max(progress_pct, report_date) as progress_pct
    from progress_report
    where report_date <= $as_of and project_id in (select project_id from projects)
    group by project_id
),

measures as (
    select
        projects.project_id,
        projects.title,
        projects.applicant_id,
        recipients.recipient_name,
        recipients.recipient_kind,
        recipients.kreis_id,
        projects.granted_eur,
        projects.start_date,
        projects.end_date,
        coalesce(planned.planned_eur, 0) as planned_eur,
        coalesce(payments.paid_eur, 0) as paid_eur,
        100.0 * coalesce(payments.paid_eur, 0) / nullif(projects.granted_eur, 0) as paid_pct,
        least(100, greatest(0,
            100.0 * date_diff('day', projects.start_date, $as_of::date)
            / date_diff('day', projects.start_date, projects.end_date)
        )) as term_elapsed_pct,
        payments.final_payment_date,
        coalesce(milestones.milestone_count, 0) as milestone_count,
        coalesce(milestones.milestones_due_count, 0) as milestones_due_count,
        coalesce(milestones.milestones_done_count, 0) as milestones_done_count,
        coalesce(milestones.milestones_overdue_count, 0) as milestones_overdue_count,
        coalesce(milestones.max_overdue_days, 0) as max_overdue_days,
        milestones.most_overdue_milestone,
        latest_report.last_report_date,
        latest_report.last_report_status,
        latest_report.progress_pct,
        -- a report is expected every report_interval_days from the start on
        date_diff('day', coalesce(latest_report.last_report_date, projects.start_date), $as_of::date)
            as days_since_report,
        programme_row.amber_gap_pct,
        programme_row.red_gap_pct,
        programme_row.red_overdue_days,
        programme_row.report_interval_days
    from projects
    cross join programme_row
    left join recipients on recipients.applicant_id = projects.applicant_id
    left join payments on payments.project_id = projects.project_id
    left join planned on planned.project_id = projects.project_id
    left join milestones on milestones.project_id = projects.project_id
    left join latest_report on latest_report.project_id = projects.project_id
),

flags as (
    -- coalesce: a project without reports or milestones has no reason to be flagged
    select
        *,
        term_elapsed_pct - paid_pct as payment_gap_pct,
        $as_of::date < start_date as is_not_started,
        final_payment_date is not null as is_done,
        coalesce(last_report_status = 'red', false) as is_report_red,
        coalesce(last_report_status = 'amber', false) as is_report_amber,
        max_overdue_days > red_overdue_days as is_milestone_red,
        milestones_overdue_count > 0 as is_milestone_overdue,
        coalesce(term_elapsed_pct - paid_pct >= red_gap_pct, false) as is_gap_red,
        coalesce(term_elapsed_pct - paid_pct >= amber_gap_pct, false) as is_gap_amber,
        -- reports are owed while a project runs: from its start until its final payment
        $as_of::date >= start_date and final_payment_date is null
            and days_since_report > report_interval_days as is_report_overdue
    from measures
),

final as (
    select
        *,
        case
            when is_done then 'done'
            when is_not_started then 'not_started'
            when is_report_red or is_milestone_red or is_gap_red then 'red'
            when is_report_amber or is_milestone_overdue or is_gap_amber or is_report_overdue then 'amber'
            else 'green'
        end as light,
        case
            when is_done then 4
            when is_not_started then 3
            when is_report_red or is_milestone_red or is_gap_red then 0
            when is_report_amber or is_milestone_overdue or is_gap_amber or is_report_overdue then 1
            else 2
        end as light_rank
    from flags
)

select * from final
order by light_rank, payment_gap_pct desc, project_id
