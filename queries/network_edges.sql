-- The edges of the Netzwerk: one row per pair of funded recipients (projects decided by $as_of) that share
-- at least $min_shared goals and/or themes. $basis chooses what counts: 'goals', 'themes' or 'both'
-- (anything else counts both). shared_count is the edge weight; similarity_pct is the Jaccard index
-- on the same basis (shared / all distinct ones of the two, in %). $lang picks the goal labels.
with

projects as (
    select project_id, applicant_id
    from project
    where programme_id = $programme_id and decision_date <= $as_of
),

goals as (
    select goal_id, sort_order, case when $lang = 'en' then label_en else label_de end as goal_label
    from goal
    where programme_id = $programme_id
),

recipient_topics as (
    -- a recipient serves a topic when any of its projects does
    select distinct projects.applicant_id, 'goal' as topic_kind, goals.goal_id as topic_id,
        goals.goal_label as topic_label, goals.sort_order
    from project_goal
    join projects on projects.project_id = project_goal.project_id
    join goals on goals.goal_id = project_goal.goal_id
    union all
    select distinct projects.applicant_id, 'theme' as topic_kind, project_theme.theme as topic_id,
        project_theme.theme as topic_label, 0 as sort_order
    from project_theme
    join projects on projects.project_id = project_theme.project_id
),

counted_topics as (
    select * from recipient_topics
    where $basis not in ('goals', 'themes')
       or (topic_kind = 'goal' and $basis = 'goals')
       or (topic_kind = 'theme' and $basis = 'themes')
),

topic_counts as (
    select applicant_id, count(*) as topic_count
    from counted_topics
    group by applicant_id
),

pairs as (
    select
        source.applicant_id as source_id,
        target.applicant_id as target_id,
        count(*) filter (where source.topic_kind = 'goal') as shared_goals_count,
        count(*) filter (where source.topic_kind = 'theme') as shared_themes_count,
        count(*) as shared_count,
        string_agg(source.topic_label, ', ' order by source.sort_order) filter (where source.topic_kind = 'goal')
            as shared_goals,
        string_agg(source.topic_label, ', ' order by source.topic_label) filter (where source.topic_kind = 'theme')
            as shared_themes
    from counted_topics as source
    join counted_topics as target
        on target.topic_kind = source.topic_kind
        and target.topic_id = source.topic_id
        and target.applicant_id > source.applicant_id
    group by source.applicant_id, target.applicant_id
),

final as (
    select
        pairs.source_id,
        source_applicant.name as source_name,
        pairs.target_id,
        target_applicant.name as target_name,
        pairs.shared_count,
        pairs.shared_goals_count,
        pairs.shared_themes_count,
        100.0 * pairs.shared_count
            / (source_counts.topic_count + target_counts.topic_count - pairs.shared_count) as similarity_pct,
        pairs.shared_goals,
        pairs.shared_themes
    from pairs
    join applicant as source_applicant on source_applicant.applicant_id = pairs.source_id
    join applicant as target_applicant on target_applicant.applicant_id = pairs.target_id
    join topic_counts as source_counts on source_counts.applicant_id = pairs.source_id
    join topic_counts as target_counts on target_counts.applicant_id = pairs.target_id
    where pairs.shared_count >= $min_shared
)

select * from final
order by shared_count desc, similarity_pct desc, source_name, target_name
