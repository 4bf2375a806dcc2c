-- Granted money per funded recipient and goal on the Stichtag, counted two ways:
--   tagged_eur   the whole grant counts for every goal the project serves (goals double count)
--   weighted_eur the grant split by the goals' weights, so they add up to it (relation project_goal_money)
-- Every goal appears for every recipient (0 where the recipient serves none), so the grid is complete.
-- $kinds (applicant kinds) and $kreise (Kreis ids) keep only matching recipients; an empty list keeps all.
-- $lang picks the goal label ('de' or 'en').
with

goals as (
    select goal_id, sort_order, case when $lang = 'en' then label_en else label_de end as goal_label
    from goal
    where programme_id = $programme_id
),

recipients as (
    select
        applicant.applicant_id,
        applicant.name as recipient_name,
        applicant.kind as recipient_kind,
        applicant.kreis_id,
        region.name as kreis_name
    from applicant
    left join region on region.region_id = applicant.kreis_id
    where (len($kinds) = 0 or list_contains($kinds, applicant.kind))
      and (len($kreise) = 0 or list_contains($kreise, applicant.kreis_id))
),

projects as (
    -- a project exists from its funding decision on
    select project.project_id, project.applicant_id, project.granted_eur
    from project_as_of($programme_id, $as_of) as project
    join recipients on recipients.applicant_id = project.applicant_id
),

per_recipient_goal as (
    select
        projects.applicant_id,
        project_goal.goal_id,
        count(*) as goal_projects_count,
        sum(project_goal.tagged_eur) as tagged_eur,
        sum(project_goal.weighted_eur) as weighted_eur
    from project_goal_money($programme_id, $as_of) as project_goal
    join projects on projects.project_id = project_goal.project_id
    group by projects.applicant_id, project_goal.goal_id
),

funded_recipients as (
    select * from recipients
    where applicant_id in (select applicant_id from projects)
),

final as (
    select
        funded_recipients.applicant_id,
        funded_recipients.recipient_name,
        funded_recipients.recipient_kind,
        funded_recipients.kreis_id,
        funded_recipients.kreis_name,
        goals.goal_id,
        goals.sort_order,
        goals.goal_label,
        coalesce(per_recipient_goal.goal_projects_count, 0) as goal_projects_count,
        coalesce(per_recipient_goal.tagged_eur, 0) as tagged_eur,
        coalesce(per_recipient_goal.weighted_eur, 0) as weighted_eur
    from funded_recipients
    cross join goals
    left join per_recipient_goal
        on per_recipient_goal.applicant_id = funded_recipients.applicant_id
        and per_recipient_goal.goal_id = goals.goal_id
)

select * from final
order by recipient_name, sort_order
