-- Confidential (jury and admin only): agreement per application × criterion among the jurors who were
-- not recused: mean, median, lowest, highest, spread (highest − lowest) and standard deviation of the
-- points; discordant when the spread reaches $discordant_points. The outlier is the juror furthest from
-- the mean of the other jurors on that cell (offset = own points − mean of the others).
with

applications as (
    select application.application_id, application.status, applicant.name as applicant_name
    from application
    join applicant on applicant.applicant_id = application.applicant_id
    where application.programme_id = $programme_id and application.received_date <= $as_of
),

criteria as (
    select criterion_id, sort_order, case when $lang = 'en' then label_en else label_de end as criterion_label
    from criterion
    where programme_id = $programme_id
),

valid_scores as (
    select score.application_id, score.juror_id, score.criterion_id, score.points::double as points
    from score
    join applications on applications.application_id = score.application_id
    where not score.is_recused
),

recusals as (
    select application_id, criterion_id, count(*) as recused_count
    from score
    where is_recused
    group by application_id, criterion_id
),

cells as (
    select
        application_id,
        criterion_id,
        count(*) as rater_count,
        sum(points) as points_sum,
        avg(points) as mean_points,
        median(points) as median_points,
        min(points) as min_points,
        max(points) as max_points,
        max(points) - min(points) as spread_points,
        stddev_samp(points) as sd_points
    from valid_scores
    group by application_id, criterion_id
),

offsets as (
    select
        valid_scores.application_id,
        valid_scores.criterion_id,
        valid_scores.juror_id,
        valid_scores.points - (cells.points_sum - valid_scores.points) / (cells.rater_count - 1) as offset_points
    from valid_scores
    join cells on cells.application_id = valid_scores.application_id
        and cells.criterion_id = valid_scores.criterion_id
    where cells.rater_count >= 2
),

outliers as (
    select
        application_id,
        criterion_id,
        arg_max(juror_id, abs(offset_points)) as outlier_juror_id,
        arg_max(offset_points, abs(offset_points)) as outlier_offset_points
    from offsets
    group by application_id, criterion_id
),

final as (
    select
        cells.application_id,
        applications.applicant_name,
        applications.status = 'selected' as is_selected,
        cells.criterion_id,
        criteria.sort_order as criterion_order,
        criteria.criterion_label,
        cells.rater_count,
        coalesce(recusals.recused_count, 0) as recused_count,
        cells.mean_points,
        cells.median_points,
        cells.min_points,
        cells.max_points,
        cells.spread_points,
        cells.sd_points,
        cells.spread_points >= $discordant_points as is_discordant,
        outliers.outlier_juror_id,
        juror.short_name as outlier_juror_name,
        outliers.outlier_offset_points
    from cells
    join applications on applications.application_id = cells.application_id
    join criteria on criteria.criterion_id = cells.criterion_id
    left join recusals on recusals.application_id = cells.application_id
        and recusals.criterion_id = cells.criterion_id
    left join outliers on outliers.application_id = cells.application_id
        and outliers.criterion_id = cells.criterion_id
    left join juror on juror.juror_id = outliers.outlier_juror_id
)

select * from final
order by application_id, criterion_order
