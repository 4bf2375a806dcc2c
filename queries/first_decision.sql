-- When the programme's first funding decision was (or will be) taken, for "no projects yet" messages: the date
-- comes from the projects, not from the programme's announcement.
with

all_projects as (
    select min(decision_date) as first_decision_date, count(*) as project_total_count
    from project
    where programme_id = $programme_id
),

decided as (
    select count(*) as project_count
    from project_as_of($programme_id, $as_of)
),

final as (
    select all_projects.first_decision_date, all_projects.project_total_count, decided.project_count
    from all_projects
    cross join decided
)

select * from final
