-- Every progress report up to the Stichtag: reported progress (%) and the status the project gave itself.
with

projects as (
    select project_id, applicant_id
    from project
    where programme_id = $programme_id and decision_date <= $as_of
),

final as (
    select
        progress_report.report_id,
        progress_report.project_id,
        applicant.name as recipient_name,
        progress_report.report_date as reported_date,
        progress_report.progress_pct::double as progress_pct,
        progress_report.status as report_status,
        progress_report.summary as report_summary
    from progress_report
    join projects on projects.project_id = progress_report.project_id
    join applicant on applicant.applicant_id = projects.applicant_id
    where progress_report.report_date <= $as_of
)

select * from final
order by project_id, reported_date
