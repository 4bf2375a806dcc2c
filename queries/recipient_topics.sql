-- The goals (with the money and share of the recipient's grant each carries by its weight, from the relation project_goal_money) and the themes of
-- one recipient's projects decided by the Stichtag. topic_kind: 'goal' or 'theme'; $lang picks goal labels.
with

projects as (
    select project_id, granted_eur
    from recipient_projects($programme_id, $applicant_id, $as_of)
),

granted as (
    select sum(granted_eur) as granted_eur from projects
),

goal_money as (
    select money.goal_id, sum(money.weighted_eur) as weighted_eur
    from project_goal_money($programme_id, $as_of) as money
    join projects on projects.project_id = money.project_id
    group by money.goal_id
),

goals as (
    select
        'goal' as topic_kind,
        goal.goal_id as topic_id,
        case when $lang = 'en' then goal.label_en else goal.label_de end as topic_label,
        goal.sort_order,
        goal_money.weighted_eur::double as weighted_eur,
        100.0 * goal_money.weighted_eur / nullif(granted.granted_eur, 0) as grant_share_pct
    from goal_money
    join goal on goal.goal_id = goal_money.goal_id
    cross join granted
),

themes as (
    select distinct
        'theme' as topic_kind,
        project_theme.theme as topic_id,
        project_theme.theme as topic_label,
        0 as sort_order,
        null::double as weighted_eur,
        null::double as grant_share_pct
    from project_theme
    join projects on projects.project_id = project_theme.project_id
),

final as (
    select * from goals
    union all
    select * from themes
)

select * from final
order by topic_kind, sort_order, topic_label
