-- Who works on a topic: one row per project decided by $as_of that serves the goal or theme
-- ($topic_kind 'goal' with a goal_id, or 'theme' with the theme as $topic_id), with the milestones it had
-- completed by the Stichtag (done_date <= $as_of). Projects with the larger grant first.
with

projects as (
    select project_id, applicant_id, title, granted_eur
    from project
    where programme_id = $programme_id and decision_date <= $as_of
),

on_topic as (
    select project_id, weight_pct::double as goal_weight_pct
    from project_goal
    where $topic_kind = 'goal' and goal_id = $topic_id
    union all
    select project_id, null as goal_weight_pct
    from project_theme
    where $topic_kind = 'theme' and theme = $topic_id
),

done_milestones as (
    select
        project_id,
        count(*) as milestones_done_count,
        string_agg(title, '; ' order by done_date, milestone_id) as done_milestones,
        max(done_date) as last_done_date
    from milestone
    where done_date <= $as_of
    group by project_id
),

final as (
    select
        projects.project_id,
        projects.applicant_id,
        applicant.name as recipient_name,
        applicant.kind as recipient_kind,
        region.name as kreis_name,
        projects.title,
        projects.granted_eur::double as granted_eur,
        on_topic.goal_weight_pct,
        coalesce(done_milestones.milestones_done_count, 0) as milestones_done_count,
        done_milestones.done_milestones,
        done_milestones.last_done_date
    from on_topic
    join projects on projects.project_id = on_topic.project_id
    join applicant on applicant.applicant_id = projects.applicant_id
    left join region on region.region_id = applicant.kreis_id
    left join done_milestones on done_milestones.project_id = projects.project_id
)

select * from final
order by granted_eur desc, recipient_name, project_id
