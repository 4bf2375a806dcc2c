-- What each project has achieved with its indicators by the Stichtag: the agreed baseline and target (if any),
-- the latest value reported by then, with date, precision and source, and how far from baseline to target it
-- has come (target_reached_pct). Values dated after the Stichtag do not exist yet.
--   target_state  reached  the latest value meets the target (≥ 100 %)
--                 open     below the target, the target date not yet passed
--                 missed   below the target and the target date passed
--                 no_value a target, but no value reported yet
--                 no_target a value, but no target agreed
with

projects as (
    select project_id, applicant_id
    from project_as_of($programme_id, $as_of)
),

known_values as (
    select
        indicator_value.*,
        count(*) over (partition by project_id, indicator_id) as value_count,
        row_number() over (partition by project_id, indicator_id order by value_date desc) as recency
    from indicator_value
    where value_date <= $as_of
      and project_id in (select project_id from projects)
),

latest as (
    select * from known_values where recency = 1
),

targets as (
    select *
    from indicator_target
    where project_id in (select project_id from projects)
),

pairs as (
    select project_id, indicator_id from latest
    union
    select project_id, indicator_id from targets
),

measures as (
    select
        pairs.project_id,
        projects.applicant_id,
        pairs.indicator_id,
        targets.baseline_value::double as baseline_value,
        targets.target_value::double as target_value,
        targets.target_date,
        targets.is_illustrative as is_target_illustrative,
        targets.source as target_source,
        latest.value::double as reported_value,
        latest.qualifier,
        latest.value_date as reported_date,
        latest.is_illustrative as is_value_illustrative,
        latest.source as value_source,
        coalesce(latest.value_count, 0) as value_count,
        100.0 * (latest.value - targets.baseline_value) / (targets.target_value - targets.baseline_value)
            as target_reached_pct
    from pairs
    join projects on projects.project_id = pairs.project_id
    left join targets on targets.project_id = pairs.project_id and targets.indicator_id = pairs.indicator_id
    left join latest on latest.project_id = pairs.project_id and latest.indicator_id = pairs.indicator_id
),

final as (
    select
        measures.project_id,
        measures.applicant_id,
        applicant.name as recipient_name,
        measures.indicator_id,
        indicator.label_de as indicator_label_de,
        indicator.label_en as indicator_label_en,
        indicator.unit_de,
        indicator.unit_en,
        measures.baseline_value,
        measures.target_value,
        measures.target_date,
        measures.is_target_illustrative,
        measures.target_source,
        measures.reported_value,
        measures.qualifier,
        measures.reported_date,
        measures.is_value_illustrative,
        measures.value_source,
        measures.value_count,
        measures.target_reached_pct,
        case
            when measures.target_value is null then 'no_target'
            when measures.reported_value is null then 'no_value'
            when measures.target_reached_pct >= 100 then 'reached'
            when measures.target_date < $as_of then 'missed'
            else 'open'
        end as target_state
    from measures
    join indicator on indicator.indicator_id = measures.indicator_id
    join applicant on applicant.applicant_id = measures.applicant_id
)

select * from final
order by indicator_id,
         case target_state when 'missed' then 0 when 'no_value' then 1 when 'open' then 2 when 'reached' then 3 else 4 end,
         target_reached_pct nulls last, project_id
