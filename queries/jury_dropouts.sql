-- Confidential (jury and admin only): why applications left the funnel, per stage and reason.
-- Applications scored but not selected have no dropout_reason: their reason is "below the funding line".
with

applications as (
    select application_id, status, dropout_reason
    from application
    where programme_id = $programme_id and received_date <= $as_of
),

scored as (
    select distinct application_id
    from score
    where not is_recused
),

dropped as (
    select
        case
            when applications.status = 'ineligible' then 'eligible'
            when scored.application_id is null then 'scored'
            else 'selected'
        end as dropout_stage,
        case
            when applications.status = 'not_selected' then 'below_line'
            when applications.status = 'withdrawn' then 'withdrawn'
            else 'ineligible'
        end as reason_kind,
        applications.dropout_reason
    from applications
    left join scored on scored.application_id = applications.application_id
    where applications.status <> 'selected'
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
