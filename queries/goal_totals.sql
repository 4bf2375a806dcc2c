-- One row per goal of the programme (also goals no project serves, with 0) on the Stichtag:
-- projects serving it, granted money tagged (double counting) and weighted (adds up to the total grant),
-- the weighted share of all granted money, and whether few projects serve it (at most $few_max).
-- $kinds (applicant kinds) and $kreise (Kreis ids) keep only matching recipients; an empty list keeps all.
with

goals as (
    select goal_id, sort_order, case when $lang = 'en' then label_en else label_de end as goal_label
    from goal
    where programme_id = $programme_id
),

recipients as (
    select applicant_id
    from applicant
    where (len($kinds) = 0 or list_contains($kinds, kind))
      and (len($kreise) = 0 or list_contains($kreise, kreis_id))
),

projects as (
    -- a project exists from its funding decision on
    select project.project_id, project.granted_eur
    from project_as_of($programme_id, $as_of) as project
    join recipients on recipients.applicant_id = project.applicant_id
),

per_goal as (
    select
        project_goal.goal_id,
        count(distinct project_goal.project_id) as goal_projects_count,
        sum(project_goal.tagged_eur) as tagged_eur,
        sum(project_goal.weighted_eur) as weighted_eur
    from project_goal_money($programme_id, $as_of) as project_goal
    join projects on projects.project_id = project_goal.project_id
    group by project_goal.goal_id
),

granted as (
    select coalesce(sum(granted_eur), 0)::double as granted_total_eur, count(*) as projects_total_count
    from projects
),

final as (
    select
        goals.goal_id,
        goals.sort_order,
        goals.goal_label,
        coalesce(per_goal.goal_projects_count, 0) as goal_projects_count,
        coalesce(per_goal.tagged_eur, 0) as tagged_eur,
        coalesce(per_goal.weighted_eur, 0) as weighted_eur,
        100.0 * coalesce(per_goal.weighted_eur, 0) / nullif(granted.granted_total_eur, 0) as weighted_share_pct,
        granted.granted_total_eur,
        granted.projects_total_count,
        coalesce(per_goal.goal_projects_count, 0) <= $few_max as is_few
    from goals
    cross join granted
    left join per_goal on per_goal.goal_id = goals.goal_id
)

select * from final
order by sort_order
