-- The days a Stichtag may take, and the default: from the programme's launch to today, for a programme whose
-- term ended more than a year ago to the term's end plus a year (never before the last data date). After the
-- last data date the pages say that nothing newer has been recorded; overdue reports and milestones still show.
-- The default is the last data date, or today while the term is running. A funding decision is data too: a
-- programme of grants only (no payments, milestones or reports) has data up to its latest decision.
with

programme_row as (
    select * from programme where programme_id = $programme_id
),

projects as (
    select project_id from project where programme_id = $programme_id
),

event_dates as (
    select decision_date as event_date from project where programme_id = $programme_id
    union all
    select payment_date from payment where project_id in (select project_id from projects)
    union all
    select done_date from milestone where project_id in (select project_id from projects) and done_date is not null
    union all
    select report_date from progress_report where project_id in (select project_id from projects)
),

span as (
    select
        programme_row.launch_date as first_date,
        greatest(coalesce(max(event_dates.event_date), programme_row.decision_date), programme_row.decision_date)
            as last_data_date,
        programme_row.term_end_date,
        (programme_row.term_end_date + interval 1 year)::date as term_end_plus_year_date
    from programme_row
    left join event_dates on true
    group by programme_row.launch_date, programme_row.decision_date, programme_row.term_end_date
),

final as (
    select
        first_date,
        last_data_date,
        greatest(last_data_date,
                 case when term_end_plus_year_date < $today then term_end_plus_year_date else $today::date end
        ) as last_date,
        case when $today::date between first_date and term_end_date then $today::date else last_data_date end
            as default_date
    from span
)

select * from final
