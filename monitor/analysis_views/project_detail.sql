-- Funded projects with their recipient's name, kind and Kreis, term length and number of goals and themes.
with projects as (
    select * from project
),

recipients as (
    select applicant_id, name, kind, kreis_id from applicant
),

kreise as (
    select region_id, name from region
),

goals as (
    select project_id, count(*) as goal_count from project_goal group by project_id
),

themes as (
    select project_id, count(*) as theme_count from project_theme group by project_id
),

final as (
    select
        projects.project_id,
        projects.title,
        recipients.name as recipient_name,
        recipients.kind as recipient_kind,
        kreise.name as kreis_name,
        projects.granted_eur,
        projects.own_funds_pct,
        projects.start_date,
        projects.end_date,
        datediff('day', projects.start_date, projects.end_date) as term_days,
        coalesce(goals.goal_count, 0) as goal_count,
        coalesce(themes.theme_count, 0) as theme_count
    from projects
    left join recipients on recipients.applicant_id = projects.applicant_id
    left join kreise on kreise.region_id = recipients.kreis_id
    left join goals on goals.project_id = projects.project_id
    left join themes on themes.project_id = projects.project_id
)

select * from final
