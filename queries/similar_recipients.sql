-- Whom a recipient can learn from: other funded recipients (projects decided by $as_of) that share goals or
-- themes with $applicant_id, most similar first, at most $row_limit of them. similarity_pct is the Jaccard
-- index over goals and themes together (shared / all distinct ones of the two, in %). light is the most
-- urgent traffic light of the recipient's projects, progress_pct their mean reported progress (relation
-- project_state). $lang picks the goal labels.
with

projects as (
    select project_id, applicant_id
    from project_as_of($programme_id, $as_of)
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
    select other.applicant_id, count(*) as shared_count
    from recipient_topics as other
    join chosen on chosen.topic_kind = other.topic_kind and chosen.topic_id = other.topic_id
    where other.applicant_id <> $applicant_id
    group by other.applicant_id
),

best as (
    select
        shared.applicant_id,
        shared.shared_count,
        100.0 * shared.shared_count
            / (chosen_count.topic_count + other_count.topic_count - shared.shared_count) as similarity_pct,
        applicant.name as recipient_name
    from shared
    join applicant on applicant.applicant_id = shared.applicant_id
    join topic_counts as other_count on other_count.applicant_id = shared.applicant_id
    join topic_counts as chosen_count on chosen_count.applicant_id = $applicant_id
    order by similarity_pct desc, shared.shared_count desc, recipient_name, shared.applicant_id
    limit $row_limit
),

shared_lists as (
    select
        other.applicant_id,
        count(*) filter (where other.topic_kind = 'goal') as shared_goals_count,
        count(*) filter (where other.topic_kind = 'theme') as shared_themes_count,
        string_agg(other.topic_label, ', ' order by other.sort_order) filter (where other.topic_kind = 'goal')
            as shared_goals,
        string_agg(other.topic_label, ', ' order by other.topic_label) filter (where other.topic_kind = 'theme')
            as shared_themes
    from recipient_topics as other
    join best on best.applicant_id = other.applicant_id
    join chosen on chosen.topic_kind = other.topic_kind and chosen.topic_id = other.topic_id
    group by other.applicant_id
),

states as (
    select
        projects.applicant_id,
        arg_min(state.light, (state.light_rank, state.project_id)) as light,
        avg(state.progress_pct)::double as progress_pct,
        max(state.last_report_date) as last_report_date
    from project_state($programme_id, $as_of) as state
    join projects on projects.project_id = state.project_id
    join best on best.applicant_id = projects.applicant_id
    group by projects.applicant_id
),

final as (
    select
        best.applicant_id,
        best.recipient_name,
        applicant.kind as recipient_kind,
        region.name as kreis_name,
        best.shared_count,
        shared_lists.shared_goals_count,
        shared_lists.shared_themes_count,
        best.similarity_pct,
        shared_lists.shared_goals,
        shared_lists.shared_themes,
        states.light,
        states.progress_pct,
        states.last_report_date
    from best
    join applicant on applicant.applicant_id = best.applicant_id
    left join region on region.region_id = applicant.kreis_id
    join shared_lists on shared_lists.applicant_id = best.applicant_id
    left join states on states.applicant_id = best.applicant_id
)

select * from final
order by similarity_pct desc, shared_count desc, recipient_name, applicant_id
