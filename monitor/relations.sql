-- Named relations: every business rule of the monitor, written once. DuckDB table macros, created with the
-- schema and again each time a database is opened (so an older file always carries the current rules).
-- Queries in queries/ select from these instead of restating a rule; tests/test_relations.py fails when a
-- query re-states one. Parameters start with p_ so they never shadow a column.

-- ---------------------------------------------------------------------------------------------------------
-- projects: a project exists from its funding decision on
-- ---------------------------------------------------------------------------------------------------------

create or replace macro project_as_of(p_programme_id, p_as_of) as table
    select *
    from project
    where programme_id = p_programme_id and decision_date <= p_as_of;

-- goal money: each project's grant split over the goals it serves by their weights (weighted_eur adds up to
-- the grant), and the whole grant counted for each goal (tagged_eur, which double counts)
create or replace macro project_goal_money(p_programme_id, p_as_of) as table
    select
        project.project_id,
        project.applicant_id,
        project_goal.goal_id,
        project_goal.weight_pct,
        project.granted_eur::double as tagged_eur,
        (project.granted_eur * project_goal.weight_pct / 100)::double as weighted_eur
    from project_as_of(p_programme_id, p_as_of) as project
    join project_goal on project_goal.project_id = project.project_id;

-- milestones on a Stichtag (as known then: one done later is still open), each in one state:
--   overdue       still open, planned date passed (planned_date < Stichtag, as the light counts it)
--   done_late     done after the planned date
--   open          still open, not yet due
--   done_on_time  done by the planned date
-- days_late_days: how late it was done, or how long it is overdue; 0 otherwise
create or replace macro milestone_state(p_programme_id, p_as_of) as table
with
known as (
    select
        milestone.milestone_id,
        milestone.project_id,
        milestone.title,
        milestone.planned_date,
        case when milestone.done_date <= p_as_of then milestone.done_date end as done_date
    from milestone
    where milestone.project_id in (select project_id from project_as_of(p_programme_id, p_as_of))
)
select
    known.*,
    case
        when known.done_date is not null and known.done_date <= known.planned_date then 'done_on_time'
        when known.done_date is not null then 'done_late'
        when known.planned_date < p_as_of then 'overdue'
        else 'open'
    end as milestone_state,
    case
        when known.done_date is not null then greatest(0, date_diff('day', known.planned_date, known.done_date))
        when known.planned_date < p_as_of then date_diff('day', known.planned_date, p_as_of::date)
        else 0
    end as days_late_days
from known;

-- the days a light history is drawn for: every month end from the programme's funding decision up to the
-- Stichtag, and the Stichtag itself (so the last column equals the light on that day), as a sorted list
create or replace macro status_days(p_programme_id, p_as_of) as (
    select list(distinct status_date order by status_date)
    from (
        select last_day(month_start)::date as status_date
        from programme,
             range(date_trunc('month', programme.decision_date), p_as_of::date + interval 1 day, interval 1 month)
                 as months(month_start)
        where programme.programme_id = p_programme_id
        union all
        select p_as_of::date
    )
    where status_date <= p_as_of
      and status_date >= (select decision_date from programme where programme_id = p_programme_id)
);

-- ---------------------------------------------------------------------------------------------------------
-- the traffic light, for any set of days (the Stichtag alone, or every month end for the history)
--
-- One row per project and status_date (projects exist from their decision on). The rule, with the thresholds
-- stored per programme (amber_gap_pct, red_gap_pct: how far payments may lag the PLAN, in % of the grant):
--   lapsed       final payment made and part of the grant never called (lapsed_eur > 0): closed, needs a look
--   done         final payment made, nothing left uncalled
--   not_started  status_date before the project's start
--   red          latest report red, or a milestone more than red_overdue_days overdue,
--                or payments behind the plan by red_gap_pct % of the grant or more
--   amber        latest report amber, or any milestone overdue, or behind the plan by amber_gap_pct % or more,
--                or no report for more than report_interval_days while the project runs (only in a programme
--                that keeps progress reports at all: one taken from an EU list of operations has none to owe)
--   green        otherwise
-- A project without a payment plan is never behind it (nothing is planned, so the lag is 0 or below) and has
-- nothing at risk before its final payment; its light then rests on milestones and reports alone.
-- The plan is the cumulative planned payments up to status_date minus payment_grace_days (a payment planned
-- for the 15th that arrives on the 20th is not late). lag_pct is rounded to one decimal before it is
-- compared, so the reason a page prints ("18,4 % hinter dem Plan") never contradicts the light.
--
-- The funds forecast lives here too (it reads the same measures):
--   lapsed_eur   closed projects: granted − paid (certain)
--   at_risk_eur  open projects: the part of the plan that is overdue (planned by status_date minus the grace
--                days) and not paid; once the whole plan is overdue, everything not yet paid (the grant may
--                exceed the plan). Later planned payments are not at risk until they are overdue, so a final
--                payment scheduled after the project's end is not counted before its date.
-- ---------------------------------------------------------------------------------------------------------

create or replace macro project_state_on(p_programme_id, p_dates) as table
with
programme_row as (
    select * from programme where programme_id = p_programme_id
),
status_dates as (
    select distinct unnest(p_dates)::date as status_date
),
project_dates as (
    -- only the columns the rule needs: this relation has a row per project and day (2.8 M on 31 month ends)
    select
        project.project_id, project.applicant_id, project.granted_eur, project.decision_date, project.start_date,
        project.end_date, status_dates.status_date
    from project
    join status_dates on status_dates.status_date >= project.decision_date
    where project.programme_id = p_programme_id
),
grace_dates as (
    select
        project_dates.project_id,
        project_dates.status_date,
        (project_dates.status_date - to_days(programme_row.payment_grace_days::integer))::date as due_date
    from project_dates
    cross join programme_row
),
paid_on as (
    -- a join and a group-by: on 2 M payments several times faster than a running sum with an as-of join
    select
        project_dates.project_id,
        project_dates.status_date,
        sum(payment.amount_eur) as paid_eur,
        max(payment.payment_date) as last_payment_date,
        min(payment.payment_date) filter (where payment.kind = 'schlusszahlung') as final_payment_date
    from project_dates
    join payment
        on payment.project_id = project_dates.project_id and payment.payment_date <= project_dates.status_date
    group by project_dates.project_id, project_dates.status_date
),
planned_on as (
    select
        grace_dates.project_id,
        grace_dates.status_date,
        sum(planned_payment.amount_eur) as planned_eur,
        sum(planned_payment.amount_eur) filter (where planned_payment.planned_date <= grace_dates.due_date)
            as planned_due_eur
    from grace_dates
    join planned_payment
        on planned_payment.project_id = grace_dates.project_id
        and planned_payment.planned_date <= grace_dates.status_date
    group by grace_dates.project_id, grace_dates.status_date
),
programme_reports as (
    -- whether the programme keeps progress reports at all, on any day: a setting of the programme, not an event
    select count(*) > 0 as keeps_reports
    from progress_report
    where project_id in (select project_id from project where programme_id = p_programme_id)
),
planned_total as (
    select project_id, sum(amount_eur) as planned_total_eur, max(planned_date) as planned_until_date
    from planned_payment
    where project_id in (select project_id from project where programme_id = p_programme_id)
    group by project_id
),
milestone_days as (
    -- each milestone on each status date: a milestone done after that day is still open then
    select
        project_dates.project_id,
        project_dates.status_date,
        milestone.title,
        milestone.planned_date <= project_dates.status_date as is_due,
        milestone.done_date <= project_dates.status_date as is_done,
        milestone.planned_date < project_dates.status_date
            and (milestone.done_date is null or milestone.done_date > project_dates.status_date) as is_overdue,
        date_diff('day', milestone.planned_date, project_dates.status_date) as days_since_planned
    from project_dates
    join milestone on milestone.project_id = project_dates.project_id
),
milestones as (
    select
        project_id,
        status_date,
        count(*) as milestone_count,
        count(*) filter (where is_due) as milestones_due_count,
        count(*) filter (where is_done) as milestones_done_count,
        count(*) filter (where is_overdue) as milestones_overdue_count,
        max(days_since_planned) filter (where is_overdue) as max_overdue_days,
        arg_max(title, days_since_planned) filter (where is_overdue) as most_overdue_milestone
    from milestone_days
    group by project_id, status_date
),
latest_report as (
    select
        project_dates.project_id,
        project_dates.status_date,
        max(progress_report.report_date) as last_report_date,
        arg_max(progress_report.status, progress_report.report_date) as last_report_status,
        arg_max(progress_report.progress_pct, progress_report.report_date) as progress_pct
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
        project_dates.applicant_id,
        project_dates.granted_eur::double as granted_eur,
        project_dates.decision_date,
        project_dates.start_date,
        project_dates.end_date,
        coalesce(planned_on.planned_eur, 0)::double as planned_eur,
        coalesce(planned_on.planned_due_eur, 0)::double as planned_due_eur,
        coalesce(planned_total.planned_total_eur, 0)::double as planned_total_eur,
        planned_total.planned_until_date,
        coalesce(paid_on.paid_eur, 0)::double as paid_eur,
        paid_on.last_payment_date,
        paid_on.final_payment_date,
        least(100, greatest(0,
            100.0 * date_diff('day', project_dates.start_date, project_dates.status_date)
            / date_diff('day', project_dates.start_date, project_dates.end_date)
        )) as term_elapsed_pct,
        coalesce(milestones.milestone_count, 0) as milestone_count,
        coalesce(milestones.milestones_due_count, 0) as milestones_due_count,
        coalesce(milestones.milestones_done_count, 0) as milestones_done_count,
        coalesce(milestones.milestones_overdue_count, 0) as milestones_overdue_count,
        coalesce(milestones.max_overdue_days, 0) as max_overdue_days,
        milestones.most_overdue_milestone,
        latest_report.last_report_date,
        latest_report.last_report_status,
        latest_report.progress_pct,
        -- a report is owed every report_interval_days from the start on
        date_diff('day', coalesce(latest_report.last_report_date, project_dates.start_date), project_dates.status_date)
            as days_since_report,
        programme_row.amber_gap_pct::double as amber_gap_pct,
        programme_row.red_gap_pct::double as red_gap_pct,
        programme_row.red_overdue_days,
        programme_row.report_interval_days,
        programme_row.payment_grace_days,
        programme_reports.keeps_reports,
        grace_dates.due_date
    from project_dates
    cross join programme_row
    cross join programme_reports
    join grace_dates using (project_id, status_date)
    left join paid_on using (project_id, status_date)
    left join planned_on using (project_id, status_date)
    left join planned_total on planned_total.project_id = project_dates.project_id
    left join milestones using (project_id, status_date)
    left join latest_report using (project_id, status_date)
),
flags as (
    select
        *,
        100.0 * paid_eur / nullif(granted_eur, 0) as paid_pct,
        100.0 * planned_eur / nullif(granted_eur, 0) as planned_pct,
        100.0 * planned_due_eur / nullif(granted_eur, 0) as planned_due_pct,
        -- lag behind the (grace-shifted) plan, in % of the grant, rounded as it is printed
        round(100.0 * (planned_due_eur - paid_eur) / nullif(granted_eur, 0), 1) as lag_pct,
        case when final_payment_date is null then greatest(0, planned_due_eur - paid_eur) else 0 end as overdue_eur,
        status_date < start_date as is_not_started,
        final_payment_date is not null as is_closed,
        final_payment_date is not null and granted_eur - paid_eur >= 0.005 as is_lapsed,
        coalesce(last_report_status = 'red', false) as is_report_red,
        coalesce(last_report_status = 'amber', false) as is_report_amber,
        max_overdue_days > red_overdue_days as is_milestone_red,
        milestones_overdue_count > 0 as is_milestone_overdue,
        -- reports are owed while a project runs: from its start until its final payment
        keeps_reports and status_date >= start_date and final_payment_date is null
            and days_since_report > report_interval_days as is_report_overdue
    from measures
),
lights as (
    select
        *,
        coalesce(lag_pct >= red_gap_pct, false) as is_lag_red,
        coalesce(lag_pct >= amber_gap_pct, false) as is_lag_amber,
        case
            when is_closed then 0
            when due_date >= planned_until_date then greatest(0, granted_eur - paid_eur)
            else greatest(0, planned_due_eur - paid_eur)
        end as at_risk_eur,
        case when is_lapsed then granted_eur - paid_eur else 0 end as lapsed_eur
    from flags
),
final as (
    select
        lights.*,
        project.title,
        case
            when is_lapsed then 'lapsed'
            when is_closed then 'done'
            when is_not_started then 'not_started'
            when is_report_red or is_milestone_red or is_lag_red then 'red'
            when is_report_amber or is_milestone_overdue or is_lag_amber or is_report_overdue then 'amber'
            else 'green'
        end as light
    from lights
    join project on project.project_id = lights.project_id
)
select
    *,
    -- worst first: what needs a decision, then what runs, then what is over or not begun
    case light when 'red' then 0 when 'lapsed' then 1 when 'amber' then 2 when 'green' then 3
               when 'not_started' then 4 else 5 end as light_rank
from final;

create or replace macro project_state(p_programme_id, p_as_of) as table
    select * from project_state_on(p_programme_id, [p_as_of::date]);

-- ---------------------------------------------------------------------------------------------------------
-- jury
-- ---------------------------------------------------------------------------------------------------------
--
-- An application exists from its receipt on. Its funnel: received -> formally eligible (status not
-- 'ineligible') -> scored (at least one valid score) -> selected. A valid score is one the averages count:
-- not recused (a recused juror's row has no points) and of an eligible application received by the Stichtag.
-- Per application and criterion the jury's verdict is the mean of the valid scores; the weighted total is
-- Σ weight_pct/100 × that mean, and the ranking orders the scored applications by it (1 = best, equal totals
-- share a rank). Totals are rounded to 9 decimals before ranking, so float noise never splits a tie. The
-- funding line is the number of applications actually selected.
-- ---------------------------------------------------------------------------------------------------------

create or replace macro application_as_of(p_programme_id, p_as_of) as table
    select *
    from application
    where programme_id = p_programme_id and received_date <= p_as_of;

create or replace macro valid_score(p_programme_id, p_as_of) as table
    select score.application_id, score.juror_id, score.criterion_id, score.points::double as points
    from score
    join application_as_of(p_programme_id, p_as_of) as application
        on application.application_id = score.application_id
    where not score.is_recused and application.status <> 'ineligible';

-- the stage an application reached: dropout_stage is the stage it did not reach (null for the selected)
create or replace macro application_stage(p_programme_id, p_as_of) as table
with
scored as (
    select distinct application_id from valid_score(p_programme_id, p_as_of)
)
select
    application.*,
    application.status <> 'ineligible' as is_eligible,
    scored.application_id is not null as is_scored,
    application.status = 'selected' as is_selected,
    case
        when application.status = 'ineligible' then 'eligible'
        when scored.application_id is null then 'scored'
        when application.status <> 'selected' then 'selected'
    end as dropout_stage
from application_as_of(p_programme_id, p_as_of) as application
left join scored on scored.application_id = application.application_id;

-- the mean of the other jurors' points on a cell (application × criterion) when one juror's points are set aside;
-- a juror's offset is points − mean_of_others (negative: stricter than the rest). Needs rater_count >= 2.
create or replace macro mean_of_others(p_points_sum, p_points, p_rater_count) as
    (p_points_sum - p_points) / (p_rater_count - 1);

-- each juror's use of the scale over all their valid scores (for z-scores: (points − mean) / sd)
create or replace macro juror_scale(p_programme_id, p_as_of) as table
    select juror_id, count(*) as scores_count, avg(points) as juror_mean, stddev_samp(points) as juror_sd
    from valid_score(p_programme_id, p_as_of)
    group by juror_id;

-- one row per application and criterion with valid scores: how many jurors scored it and what they gave
create or replace macro score_cell(p_programme_id, p_as_of) as table
    select
        valid.application_id,
        valid.criterion_id,
        count(*) as rater_count,
        sum(valid.points) as points_sum,
        sum(valid.points * valid.points) as points_sq_sum,
        avg(valid.points) as mean_points,
        -- list_median, not median(): DuckDB's median keeps a state per group that does not spill (2 M cells
        -- at 10,000x the demo ran out of a 1 GB memory limit), a list does
        list_median(list(valid.points)) as median_points,
        min(valid.points) as min_points,
        max(valid.points) as max_points,
        max(valid.points) - min(valid.points) as spread_points,
        stddev_samp(valid.points) as sd_points,
        avg((valid.points - scale.juror_mean) / nullif(scale.juror_sd, 0)) as mean_z
    from valid_score(p_programme_id, p_as_of) as valid
    join juror_scale(p_programme_id, p_as_of) as scale on scale.juror_id = valid.juror_id
    group by valid.application_id, valid.criterion_id;

-- the weighted ranking of every scored application under the rule (mean per criterion) and two checks on it:
-- the median per criterion, and z-scores per juror (which remove each juror's strictness and use of the scale)
create or replace macro application_ranking(p_programme_id, p_as_of) as table
with
criteria as (
    select criterion_id, weight_pct::double / 100 as weight
    from criterion
    where programme_id = p_programme_id
),
totals as (
    select
        cell.application_id,
        round(sum(criteria.weight * cell.mean_points), 9) as total_points,
        round(sum(criteria.weight * cell.median_points), 9) as median_total_points,
        round(sum(criteria.weight * cell.mean_z), 9) as normalised_total
    from score_cell(p_programme_id, p_as_of) as cell
    join criteria on criteria.criterion_id = cell.criterion_id
    group by cell.application_id
),
line as (
    select count(*) filter (where status = 'selected') as line_count
    from application_as_of(p_programme_id, p_as_of)
)
select
    totals.application_id,
    totals.total_points,
    rank() over (order by totals.total_points desc) as rank,
    totals.median_total_points,
    rank() over (order by totals.median_total_points desc) as median_rank,
    totals.normalised_total,
    rank() over (order by totals.normalised_total desc) as normalised_rank,
    line.line_count
from totals
cross join line;

-- The Kreise a programme's pages list: every Kreis and kreisfreie Stadt of its Land (of Germany for a federal
-- programme, land_id null), and any other region a recipient of the programme is placed in (a Kreis of another
-- Land, or the Land itself for an operation "landesweit"), so money outside the Land is listed, never dropped.
-- in_land says which is which.
create or replace macro programme_kreise(p_programme_id) as table
with
programme_land as (
    select land_id from programme where programme_id = p_programme_id
),
placed as (
    select applicant.kreis_id
    from applicant
    where applicant.applicant_id in (
        select applicant_id from project where programme_id = p_programme_id
        union all
        select applicant_id from application where programme_id = p_programme_id
    )
)
select
    region.region_id as kreis_id,
    region.name as kreis_name,
    region.kind as kreis_kind,
    region.population,
    region.lat,
    region.lon,
    (programme_land.land_id is null or left(region.region_id, 2) = programme_land.land_id) as in_land
from region
cross join programme_land
where (region.kind in ('kreis', 'kreisfreie_stadt')
       and (programme_land.land_id is null or left(region.region_id, 2) = programme_land.land_id))
   or region.region_id in (select kreis_id from placed);

-- ---------------------------------------------------------------------------------------------------------
-- recipients: one recipient's projects, as the profile's queries (queries/recipient_*.sql) read them
-- ---------------------------------------------------------------------------------------------------------

-- the projects of one recipient (applicant_id) in a programme that exist on the Stichtag (project_as_of)
create or replace macro recipient_projects(p_programme_id, p_applicant_id, p_as_of) as table
    select *
    from project_as_of(p_programme_id, p_as_of)
    where applicant_id = p_applicant_id;
