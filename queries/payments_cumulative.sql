-- Cumulative planned and paid money over the whole term, one row per day on which something changes.
-- Planned payments count over the whole term; actual payments only up to the Stichtag (cum_paid_eur is
-- null after it). Rows at the funding decision, the Stichtag and the last project end let the lines
-- start at 0, show the value on the Stichtag, and run to the end of the term.
-- $applicant_id: one recipient's projects, or '' for the whole programme.
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

projects as (
    select project_id, end_date
    from project_as_of($programme_id, $as_of)
    where $applicant_id = '' or applicant_id = $applicant_id
),

planned_events as (
    select planned_date as timeline_date, amount_eur as planned_eur, 0 as paid_eur
    from planned_payment
    where project_id in (select project_id from projects)
),

paid_events as (
    select payment_date as timeline_date, 0 as planned_eur, amount_eur as paid_eur
    from payment
    where project_id in (select project_id from projects) and payment_date <= $as_of
),

axis_events as (
    select decision_date as timeline_date, 0 as planned_eur, 0 as paid_eur from programme_row
    union all
    select $as_of::date, 0, 0
    union all
    select max(end_date), 0, 0 from projects having count(*) > 0
),

daily as (
    select timeline_date, sum(planned_eur) as planned_eur, sum(paid_eur) as paid_eur
    from (
        select * from planned_events
        union all
        select * from paid_events
        union all
        select * from axis_events
    )
    group by timeline_date
),

final as (
    select
        timeline_date,
        sum(planned_eur) over (order by timeline_date)::double as cum_planned_eur,
        case when timeline_date <= $as_of then sum(paid_eur) over (order by timeline_date) end::double as cum_paid_eur,
        timeline_date = $as_of as is_stichtag
    from daily
)

select * from final
order by timeline_date
