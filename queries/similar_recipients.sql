-- Whom a recipient can learn from: every other funded recipient (projects decided by $as_of) that shares
-- goals or themes with $applicant_id, most similar first. similarity_pct is the Jaccard index over goals
-- and themes together (shared / all distinct ones of the two, in %). $lang picks the goal labels.
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

topic_counts as (
    select applicant_id, count(*) as topic_count
    from recipient_topics
    group by applicant_id
),

chosen as (
    select * from recipient_topics where applicant_id = $applicant_id
),

shared as (
    select
        other.applicant_id,
        count(*) filter (where other.topic_kind = 'goal') as shared_goals_count,
        count(*) filter (where other.topic_kind = 'theme') as shared_themes_count,
        count(*) as shared_count,
        string_agg(other.topic_label, ', ' order by other.sort_order) filter (where other.topic_kind = 'goal')
            as shared_goals,
        string_agg(other.topic_label, ', ' order by other.topic_label) filter (where other.topic_kind = 'theme')
            as shared_themes
    from recipient_topics as other
    join chosen on chosen.topic_kind = other.topic_kind and chosen.topic_id = other.topic_id
    where other.applicant_id <> $applicant_id
    group by other.applicant_id
),

final as (
    select
        shared.applicant_id,
        applicant.name as recipient_name,
        applicant.kind as recipient_kind,
        region.name as kreis_name,
        shared.shared_count,
        shared.shared_goals_count,
        shared.shared_themes_count,
        100.0 * shared.shared_count
            / (chosen_count.topic_count + other_count.topic_count - shared.shared_count) as similarity_pct,
        shared.shared_goals,
        shared.shared_themes
    from shared
    join applicant on applicant.applicant_id = shared.applicant_id
    left join region on region.region_id = applicant.kreis_id
    join topic_counts as other_count on other_count.applicant_id = shared.applicant_id
    join topic_counts as chosen_count on chosen_count.applicant_id = $applicant_id
)

select * from final
order by similarity_pct desc, shared_count desc, recipient_name
