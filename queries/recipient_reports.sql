-- One recipient's progress reports up to the Stichtag (later ones do not exist yet), newest first.
with

projects as (
    select project_id
    from recipient_projects($programme_id, $applicant_id, $as_of)
),

final as (
    select
        progress_report.project_id,
        progress_report.report_id,
        progress_report.report_date,
        progress_report.progress_pct::double as progress_pct,
        progress_report.status,
        progress_report.summary
    from progress_report
    join projects on projects.project_id = progress_report.project_id
    where progress_report.report_date <= $as_of
)

select * from final
order by report_date desc, project_id, report_id
