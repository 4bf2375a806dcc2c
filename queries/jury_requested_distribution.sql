-- Confidential (jury and admin only): the amounts requested per status (selected, not selected, ineligible,
-- withdrawn): count, sum, mean, quartiles and Tukey's whiskers (the most extreme amounts within 1.5 × the
-- interquartile range of the box).
with

applications as (
    select status, requested_eur::double as requested_eur
    from application_as_of($programme_id, $as_of)
),

quartiles as (
    select
        status,
        count(*) as application_count,
        sum(requested_eur) as requested_eur,
        avg(requested_eur) as mean_requested_eur,
        min(requested_eur) as min_requested_eur,
        quantile_cont(requested_eur, 0.25) as q1_requested_eur,
        quantile_cont(requested_eur, 0.5) as median_requested_eur,
        quantile_cont(requested_eur, 0.75) as q3_requested_eur,
        max(requested_eur) as max_requested_eur
    from applications
    group by status
),

whiskers as (
    select
        applications.status,
        min(applications.requested_eur) filter (where applications.requested_eur
            >= quartiles.q1_requested_eur - 1.5 * (quartiles.q3_requested_eur - quartiles.q1_requested_eur))
            as lower_whisker_eur,
        max(applications.requested_eur) filter (where applications.requested_eur
            <= quartiles.q3_requested_eur + 1.5 * (quartiles.q3_requested_eur - quartiles.q1_requested_eur))
            as upper_whisker_eur
    from applications
    join quartiles on quartiles.status = applications.status
    group by applications.status
),

final as (
    select
        quartiles.*,
        whiskers.lower_whisker_eur,
        whiskers.upper_whisker_eur,
        case quartiles.status when 'selected' then 1 when 'not_selected' then 2 when 'ineligible' then 3 else 4 end
            as status_order
    from quartiles
    join whiskers on whiskers.status = quartiles.status
)

select * from final
order by status_order
