-- The nodes of the Netzwerk: one row per funded recipient on the Stichtag (projects decided by $as_of)
-- with its grant and the goals and themes its projects serve. $lang picks the goal labels ('de' or 'en').
-- node_rank orders the recipients by grant (largest first, ties by name): the graph draws the first ones
-- (network_edges takes part with the same order).
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

recipient_goals as (
    select distinct projects.applicant_id, goals.goal_id, goals.goal_label, goals.sort_order
    from project_goal
    join projects on projects.project_id = project_goal.project_id
    join goals on goals.goal_id = project_goal.goal_id
),

recipient_themes as (
    select distinct projects.applicant_id, project_theme.theme
    from project_theme
    join projects on projects.project_id = project_theme.project_id
),

goal_lists as (
    select applicant_id, count(*) as goal_count, string_agg(goal_label, ', ' order by sort_order) as goal_list
    from recipient_goals
    group by applicant_id
),

theme_lists as (
    select applicant_id, count(*) as theme_count, string_agg(theme, ', ' order by theme) as theme_list
    from recipient_themes
    group by applicant_id
),

grants as (
    select applicant_id, count(*) as project_count, sum(granted_eur)::double as granted_eur
    from projects
    group by applicant_id
),

final as (
    select
        applicant.applicant_id,
        applicant.name as recipient_name,
        -- an enum of the schema's kinds: the page labels every recipient by seven values
        applicant.kind::enum('kreis', 'kreisfreie_stadt', 'stadt', 'gemeinde', 'amt', 'verbund', 'sonstige') as recipient_kind,
        applicant.kreis_id,
        region.name as kreis_name,
        grants.project_count,
        grants.granted_eur,
        coalesce(goal_lists.goal_count, 0) as goal_count,
        coalesce(theme_lists.theme_count, 0) as theme_count,
        goal_lists.goal_list,
        theme_lists.theme_list,
        row_number() over (order by grants.granted_eur desc, applicant.name, applicant.applicant_id) as node_rank
    from grants
    join applicant on applicant.applicant_id = grants.applicant_id
    left join region on region.region_id = applicant.kreis_id
    left join goal_lists on goal_lists.applicant_id = grants.applicant_id
    left join theme_lists on theme_lists.applicant_id = grants.applicant_id
)

select * from final
order by recipient_name
