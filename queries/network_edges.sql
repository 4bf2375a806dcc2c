-- The edges of the Netzwerk graph: pairs of funded recipients (projects decided by $as_of) that share at least
-- $min_shared goals and/or themes. $basis chooses what counts: 'goals', 'themes' or 'both' (anything else
-- counts both). shared_count is the edge weight; similarity_pct is the Jaccard index on the same basis
-- (shared / all distinct ones of the two, in %). $lang picks the goal labels.
-- Bounded, so the graph stays readable at any size: only the $max_nodes recipients with the largest grant
-- (ties by name) take part (node_rank, as in network_nodes), and when their pairs number more than
-- $max_edges, each recipient keeps its k strongest links (k as large as $max_edges allows; an edge stays
-- when it is among the k strongest of either end). candidate_count = the pairs before that cut,
-- neighbour_limit = k (null when nothing was cut).
with

projects as (
    select project_id, applicant_id, granted_eur
    from project_as_of($programme_id, $as_of)
),

drawn_recipients as (
    select applicant_id
    from (
        select projects.applicant_id, row_number() over (order by sum(projects.granted_eur) desc, any_value(applicant.name),
            projects.applicant_id) as node_rank
        from projects
        join applicant on applicant.applicant_id = projects.applicant_id
        group by projects.applicant_id
    )
    where node_rank <= $max_nodes
),

drawn_projects as (
    select projects.project_id, projects.applicant_id
    from projects
    join drawn_recipients on drawn_recipients.applicant_id = projects.applicant_id
),

goals as (
    select goal_id, sort_order, case when $lang = 'en' then label_en else label_de end as goal_label
    from goal
    where programme_id = $programme_id
),

recipient_topics as (
    -- a recipient serves a topic when any of its projects does
    select distinct drawn_projects.applicant_id, 'goal' as topic_kind, goals.goal_id as topic_id,
        goals.goal_label as topic_label, goals.sort_order
    from project_goal
    join drawn_projects on drawn_projects.project_id = project_goal.project_id
    join goals on goals.goal_id = project_goal.goal_id
    union all
    select distinct drawn_projects.applicant_id, 'theme' as topic_kind, project_theme.theme as topic_id,
        project_theme.theme as topic_label, 0 as sort_order
    from project_theme
    join drawn_projects on drawn_projects.project_id = project_theme.project_id
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
    having count(*) >= $min_shared
),

weighted as (
    select
        pairs.*,
        100.0 * pairs.shared_count
            / (source_counts.topic_count + target_counts.topic_count - pairs.shared_count) as similarity_pct
    from pairs
    join topic_counts as source_counts on source_counts.applicant_id = pairs.source_id
    join topic_counts as target_counts on target_counts.applicant_id = pairs.target_id
),

-- each edge seen from both ends, ranked among that end's edges (strongest first)
ends as (
    select source_id as end_id, target_id as other_id, source_id, target_id, shared_count, similarity_pct
    from weighted
    union all
    select target_id, source_id, source_id, target_id, shared_count, similarity_pct
    from weighted
),

edge_ranks as (
    select source_id, target_id, min(end_rank) as edge_rank
    from (
        select source_id, target_id,
            row_number() over (partition by end_id order by shared_count desc, similarity_pct desc, other_id)
                as end_rank
        from ends
    )
    group by source_id, target_id
),

per_rank as (
    select edge_rank, sum(count(*)) over (order by edge_rank) as edges_up_to
    from edge_ranks
    group by edge_rank
),

neighbour_limit as (
    select
        (select count(*) from weighted) as candidate_count,
        case when (select count(*) from weighted) <= $max_edges then null
             else coalesce((select max(edge_rank) from per_rank where edges_up_to <= $max_edges), 0) end as k
),

final as (
    select
        weighted.source_id,
        source_applicant.name as source_name,
        weighted.target_id,
        target_applicant.name as target_name,
        weighted.shared_count,
        weighted.shared_goals_count,
        weighted.shared_themes_count,
        weighted.similarity_pct,
        weighted.shared_goals,
        weighted.shared_themes,
        neighbour_limit.candidate_count,
        neighbour_limit.k as neighbour_limit
    from weighted
    join edge_ranks on edge_ranks.source_id = weighted.source_id and edge_ranks.target_id = weighted.target_id
    cross join neighbour_limit
    join applicant as source_applicant on source_applicant.applicant_id = weighted.source_id
    join applicant as target_applicant on target_applicant.applicant_id = weighted.target_id
    where neighbour_limit.k is null or edge_ranks.edge_rank <= neighbour_limit.k
)

select * from final
order by shared_count desc, similarity_pct desc, source_name, target_name
