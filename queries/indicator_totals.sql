-- The programme's results per indicator on the Stichtag, from each project's latest value reported by then
-- (as in indicator_progress): for the projects with an agreed target the sums of baselines, targets and reported
-- values and how many reached their target; for all projects what was reported and by how many. A sum takes the
-- loosest precision of its parts: any "more than" makes it "more than", else any "about" makes it "about".
-- Indicators with agreed targets come first.
with

projects as (
    select project_id
    from project_as_of($programme_id, $as_of)
),

latest as (
    select project_id, indicator_id, value::double as reported_value, qualifier, value_date
    from indicator_value
    where value_date <= $as_of
      and project_id in (select project_id from projects)
    qualify row_number() over (partition by project_id, indicator_id order by value_date desc) = 1
),

targets as (
    select project_id, indicator_id, baseline_value::double as baseline_value, target_value::double as target_value,
           target_date, is_illustrative
    from indicator_target
    where project_id in (select project_id from projects)
),

pairs as (
    select
        coalesce(latest.indicator_id, targets.indicator_id) as indicator_id,
        latest.reported_value,
        latest.qualifier,
        latest.value_date,
        targets.baseline_value,
        targets.target_value,
        targets.is_illustrative as is_target_illustrative,
        targets.project_id is not null as has_target,
        latest.project_id is not null as has_value,
        -- reached as in indicator_progress: at least 100 % of the way from baseline to target (a target may fall)
        (latest.reported_value - targets.baseline_value) / (targets.target_value - targets.baseline_value) >= 1
            as is_reached
    from latest
    full join targets on targets.project_id = latest.project_id and targets.indicator_id = latest.indicator_id
),

final as (
    select
        indicator.indicator_id,
        indicator.label_de as indicator_label_de,
        indicator.label_en as indicator_label_en,
        indicator.unit_de,
        indicator.unit_en,
        count(*) filter (where has_target) as target_project_count,
        sum(baseline_value) filter (where has_target) as baseline_value,
        sum(target_value) filter (where has_target) as target_value,
        coalesce(bool_or(is_target_illustrative), false) as is_target_illustrative,
        count(*) filter (where has_target and has_value) as target_reporting_count,
        sum(reported_value) filter (where has_target and has_value) as target_reported_value,
        case when bool_or(qualifier = '>') filter (where has_target) then '>'
             when bool_or(qualifier = '~') filter (where has_target) then '~'
             when count(reported_value) filter (where has_target) > 0 then '=' end as target_qualifier,
        count(*) filter (where is_reached) as reached_count,
        count(*) filter (where has_value) as reporting_project_count,
        sum(reported_value) as reported_value,
        case when bool_or(qualifier = '>') then '>' when bool_or(qualifier = '~') then '~'
             when count(reported_value) > 0 then '=' end as qualifier,
        max(value_date) as last_reported_date
    from pairs
    join indicator on indicator.indicator_id = pairs.indicator_id
    group by all
)

select * from final
order by target_project_count desc, reporting_project_count desc, indicator_id
