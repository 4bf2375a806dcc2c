-- Applications with the applicant's name, kind and Kreis, number of goals, and the grant if funded (no scores).
with applications as (
    select * from application
),

applicants as (
    select applicant_id, name, kind, kreis_id from applicant
),

kreise as (
    select region_id, name from region
),

goals as (
    select application_id, count(*) as goal_count from application_goal group by application_id
),

projects as (
    select application_id, granted_eur from project
),

final as (
    select
        applications.application_id,
        applications.title,
        applicants.name as applicant_name,
        applicants.kind as applicant_kind,
        kreise.name as kreis_name,
        applications.received_date,
        applications.requested_eur,
        applications.status,
        applications.dropout_reason,
        coalesce(goals.goal_count, 0) as goal_count,
        projects.granted_eur
    from applications
    left join applicants on applicants.applicant_id = applications.applicant_id
    left join kreise on kreise.region_id = applicants.kreis_id
    left join goals on goals.application_id = applications.application_id
    left join projects on projects.application_id = applications.application_id
)

select * from final
