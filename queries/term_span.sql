-- The programme's time axis: from the funding decision to the end of the last project (or the last
-- planned payment, or the Stichtag, whichever is later), so every chart of the term shares one axis.
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

projects as (
    select project_id, end_date from project where programme_id = $programme_id
),

ends as (
    select end_date as end_date from projects
    union all
    select planned_date from planned_payment where project_id in (select project_id from projects)
    union all
    select planned_date from milestone where project_id in (select project_id from projects)
    union all
    select $as_of::date
),

final as (
    select
        programme_row.decision_date as axis_start_date,
        greatest(programme_row.term_end_date, (select max(end_date) from ends)) as axis_end_date
    from programme_row
)

select * from final
