-- Confidential (jury and admin only): the funnel received -> formally eligible -> scored -> selected,
-- one row per stage with how many applications reached it and how many dropped out on the way there.
-- Ineligible applications drop at the formal check; withdrawn ones (and any without scores) before scoring.
with

applications as (
    select application_id, status
    from application
    where programme_id = $programme_id and received_date <= $as_of
),

scored as (
    select distinct application_id
    from score
    where not is_recused
),

flags as (
    select
        applications.application_id,
        applications.status <> 'ineligible' as is_eligible,
        applications.status <> 'ineligible' and scored.application_id is not null as is_scored,
        applications.status = 'selected' as is_selected
    from applications
    left join scored on scored.application_id = applications.application_id
),

stages as (
    select 1 as stage_order, 'received' as stage, count(*) as application_count from flags
    union all
    select 2, 'eligible', count(*) filter (where is_eligible) from flags
    union all
    select 3, 'scored', count(*) filter (where is_scored) from flags
    union all
    select 4, 'selected', count(*) filter (where is_selected) from flags
),

final as (
    select
        stage_order,
        stage,
        application_count,
        coalesce(lag(application_count) over (order by stage_order) - application_count, 0) as dropped_count,
        100.0 * application_count / nullif(first_value(application_count) over (order by stage_order), 0)
            as received_pct
    from stages
)

select * from final
order by stage_order
