-- Confidential (jury and admin only): the distribution of the valid points (relation valid_score) per
-- criterion, for the selected applications and the others: count, mean, quartiles and Tukey's whiskers (the
-- most extreme points within 1.5 × the interquartile range of the box) and the points beyond them.
with

criteria as (
    select criterion_id, sort_order, case when $lang = 'en' then label_en else label_de end as criterion_label,
        max_points
    from criterion
    where programme_id = $programme_id
),

points as (
    select valid.criterion_id, application.status = 'selected' as is_selected, valid.points
    from valid_score($programme_id, $as_of) as valid
    join application on application.application_id = valid.application_id
),

quartiles as (
    select
        criterion_id,
        is_selected,
        count(*) as scores_count,
        avg(points) as mean_points,
        min(points) as min_points,
        quantile_cont(points, 0.25) as q1_points,
        quantile_cont(points, 0.5) as median_points,
        quantile_cont(points, 0.75) as q3_points,
        max(points) as max_points
    from points
    group by criterion_id, is_selected
),

whiskers as (
    select
        points.criterion_id,
        points.is_selected,
        min(points.points) filter (where points.points >= quartiles.q1_points - 1.5 * (quartiles.q3_points - quartiles.q1_points))
            as lower_whisker_points,
        max(points.points) filter (where points.points <= quartiles.q3_points + 1.5 * (quartiles.q3_points - quartiles.q1_points))
            as upper_whisker_points,
        count(*) filter (where points.points < quartiles.q1_points - 1.5 * (quartiles.q3_points - quartiles.q1_points)
                            or points.points > quartiles.q3_points + 1.5 * (quartiles.q3_points - quartiles.q1_points))
            as outliers_count
    from points
    join quartiles on quartiles.criterion_id = points.criterion_id and quartiles.is_selected = points.is_selected
    group by points.criterion_id, points.is_selected
),

final as (
    select
        criteria.criterion_id,
        criteria.sort_order as criterion_order,
        criteria.criterion_label,
        criteria.max_points,
        quartiles.is_selected,
        quartiles.scores_count,
        quartiles.mean_points,
        quartiles.min_points,
        whiskers.lower_whisker_points,
        quartiles.q1_points,
        quartiles.median_points,
        quartiles.q3_points,
        whiskers.upper_whisker_points,
        quartiles.max_points,
        whiskers.outliers_count
    from quartiles
    join whiskers on whiskers.criterion_id = quartiles.criterion_id and whiskers.is_selected = quartiles.is_selected
    join criteria on criteria.criterion_id = quartiles.criterion_id
)

select * from final
order by criterion_order, is_selected desc
