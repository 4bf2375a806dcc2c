-- Reported progress up to the Stichtag, bounded for the chart: every report of the $limit projects that fare
-- worst on the Stichtag (ranked as the Übersicht ranks them: light, lag behind the plan, lapsed money), and for
-- all other projects one row per month: the median reported progress and its middle half (25 % to 75 %),
-- with how many reports and projects it summarises (is_rest = true, project_id null).
with

states as (
    select project_id, applicant_id, light_rank, lag_pct, lapsed_eur
    from project_state($programme_id, $as_of)
),

ranked as (
    select
        project_id,
        applicant_id,
        row_number() over (order by light_rank, lag_pct desc nulls last, lapsed_eur desc, project_id) as worst_rank
    from states
),

reports as (
    select
        progress_report.report_id,
        progress_report.project_id,
        progress_report.report_date,
        progress_report.progress_pct::double as progress_pct,
        progress_report.status,
        progress_report.summary,
        ranked.applicant_id,
        ranked.worst_rank
    from progress_report
    join ranked on ranked.project_id = progress_report.project_id
    where progress_report.report_date <= $as_of
),

shown as (
    select
        reports.project_id,
        reports.applicant_id,
        applicant.name as recipient_name,
        reports.worst_rank,
        reports.report_date as reported_date,
        reports.progress_pct,
        null::double as progress_low_pct,
        null::double as progress_high_pct,
        reports.status as report_status,
        reports.summary as report_summary,
        1::bigint as report_count,
        1::bigint as project_count,
        false as is_rest
    from reports
    join applicant on applicant.applicant_id = reports.applicant_id
    where reports.worst_rank <= $limit
),

rest as (
    select
        null::varchar as project_id,
        null::varchar as applicant_id,
        null::varchar as recipient_name,
        null::bigint as worst_rank,
        last_day(report_date)::date as reported_date,
        median(progress_pct) as progress_pct,
        quantile_cont(progress_pct, 0.25) as progress_low_pct,
        quantile_cont(progress_pct, 0.75) as progress_high_pct,
        null::varchar as report_status,
        null::varchar as report_summary,
        count(*) as report_count,
        count(distinct project_id) as project_count,
        true as is_rest
    from reports
    where worst_rank > $limit
    group by last_day(report_date)
),

final as (
    select * from shown
    union all
    select * from rest
)

select * from final
order by is_rest, worst_rank, reported_date
