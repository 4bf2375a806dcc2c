-- Who works on a topic: one row per project decided by $as_of that serves the goal or theme
-- ($topic_kind 'goal' with a goal_id, or 'theme' with the theme as $topic_id), with the milestones it had
-- completed by the Stichtag (done_date <= $as_of) and its traffic light and reported progress (relation
-- project_state). Whom to ask first: most milestones reached, then the larger grant. At most $row_limit rows;
-- projects_count and recipients_count count everyone on the topic.
with

projects as (
    select project_id, applicant_id, title, granted_eur
    from project_as_of($programme_id, $as_of)
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

topic_projects as (
    select projects.*, on_topic.goal_weight_pct
    from on_topic
    join projects on projects.project_id = on_topic.project_id
),

totals as (
    select count(*) as projects_count, count(distinct applicant_id) as recipients_count
    from topic_projects
),

done_milestones as (
    select
        milestone.project_id,
        count(*) as milestones_done_count,
        string_agg(milestone.title, '; ' order by milestone.done_date, milestone.milestone_id) as done_milestones,
        max(milestone.done_date) as last_done_date
    from milestone
    join topic_projects on topic_projects.project_id = milestone.project_id
    where milestone.done_date <= $as_of
    group by milestone.project_id
),

shown as (
    select topic_projects.*, coalesce(done_milestones.milestones_done_count, 0) as milestones_done_count,
        done_milestones.done_milestones, done_milestones.last_done_date
    from topic_projects
    left join done_milestones on done_milestones.project_id = topic_projects.project_id
    order by milestones_done_count desc, topic_projects.granted_eur desc, topic_projects.project_id
    limit $row_limit
),

final as (
    select
        shown.project_id,
        shown.applicant_id,
        applicant.name as recipient_name,
        applicant.kind as recipient_kind,
        region.name as kreis_name,
        shown.title,
        shown.granted_eur::double as granted_eur,
        shown.goal_weight_pct,
        shown.milestones_done_count,
        shown.done_milestones,
        shown.last_done_date,
        states.light,
        states.progress_pct::double as progress_pct,
        totals.projects_count,
        totals.recipients_count
    from shown
    cross join totals
    join applicant on applicant.applicant_id = shown.applicant_id
    left join region on region.region_id = applicant.kreis_id
    left join project_state($programme_id, $as_of) as states on states.project_id = shown.project_id
)

select * from final
order by milestones_done_count desc, granted_eur desc, recipient_name, project_id
