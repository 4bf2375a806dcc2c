-- Confidential (jury and admin only): the funnel received -> formally eligible -> scored -> selected,
-- one row per stage with how many applications reached it and how many dropped out on the way there.
-- The stages are the relation application_stage (monitor/relations.sql).
with

stages as (
    select * from application_stage($programme_id, $as_of)
),

counts as (
    select 1 as stage_order, 'received' as stage, count(*) as application_count from stages
    union all
    select 2, 'eligible', count(*) filter (where is_eligible) from stages
    union all
    select 3, 'scored', count(*) filter (where is_scored) from stages
    union all
    select 4, 'selected', count(*) filter (where is_selected) from stages
),

final as (
    select
        stage_order,
        stage,
        application_count,
        coalesce(lag(application_count) over (order by stage_order) - application_count, 0) as dropped_count,
        100.0 * application_count / nullif(first_value(application_count) over (order by stage_order), 0)
            as received_pct
    from counts
)

select * from final
order by stage_order
