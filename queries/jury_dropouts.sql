-- Confidential (jury and admin only): why applications left the funnel, per stage and reason (the stages are
-- the relation application_stage). Applications scored but not selected have no dropout_reason: their
-- reason is "below the funding line".
with

dropped as (
    select
        dropout_stage,
        case
            when status = 'not_selected' then 'below_line'
            when status = 'withdrawn' then 'withdrawn'
            else 'ineligible'
        end as reason_kind,
        dropout_reason
    from application_stage($programme_id, $as_of)
    where not is_selected
),

final as (
    select
        dropout_stage,
        case dropout_stage when 'eligible' then 2 when 'scored' then 3 else 4 end as stage_order,
        reason_kind,
        dropout_reason,
        count(*) as application_count
    from dropped
    group by dropout_stage, reason_kind, dropout_reason
)

select * from final
order by stage_order, application_count desc, dropout_reason
