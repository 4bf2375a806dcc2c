-- Every goal and theme the funded projects serve on the Stichtag (projects decided by $as_of), with how many
-- recipients and projects work on it and who they are: goals first (programme order), then themes by name.
-- topic_kind is 'goal' or 'theme'; topic_id is the goal_id or the theme itself. $lang picks the goal labels.
-- recipient_names lists the first ten recipients by name ("…" when there are more; recipient_count counts all).
with

projects as (
    select project_id, applicant_id, granted_eur
    from project_as_of($programme_id, $as_of)
),

goals as (
    select goal_id, sort_order, case when $lang = 'en' then label_en else label_de end as goal_label
    from goal
    where programme_id = $programme_id
),

project_topics as (
    select project_goal.project_id, 'goal' as topic_kind, goals.goal_id as topic_id,
        goals.goal_label as topic_label, goals.sort_order
    from project_goal
    join goals on goals.goal_id = project_goal.goal_id
    union all
    select project_id, 'theme' as topic_kind, theme as topic_id, theme as topic_label, 0 as sort_order
    from project_theme
),

final as (
    select
        project_topics.topic_kind,
        project_topics.topic_id,
        project_topics.topic_label,
        count(distinct projects.applicant_id) as recipient_count,
        count(*) as topic_projects_count,
        sum(projects.granted_eur)::double as tagged_eur,
        array_to_string(list_slice(list(distinct applicant.name order by applicant.name), 1, 10), ', ')
            || case when count(distinct projects.applicant_id) > 10 then ', …' else '' end as recipient_names,
        min(project_topics.sort_order) as sort_order
    from project_topics
    join projects on projects.project_id = project_topics.project_id
    join applicant on applicant.applicant_id = projects.applicant_id
    group by project_topics.topic_kind, project_topics.topic_id, project_topics.topic_label
)

select * from final
order by topic_kind, sort_order, topic_label
