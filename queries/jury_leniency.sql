-- Confidential (jury and admin only): how strict or lenient each juror scored. offset_points = the juror's
-- average difference from the mean of the other (non-recused) jurors on the same application and
-- criterion: negative = stricter, positive = more lenient than the rest of the jury.
with

applications as (
    select application_id
    from application
    where programme_id = $programme_id and received_date <= $as_of
),

valid_scores as (
    select score.application_id, score.juror_id, score.criterion_id, score.points::double as points
    from score
    join applications on applications.application_id = score.application_id
    where not score.is_recused
),

cells as (
    select application_id, criterion_id, count(*) as rater_count, sum(points) as points_sum
    from valid_scores
    group by application_id, criterion_id
),

offsets as (
    select
        valid_scores.juror_id,
        valid_scores.points,
        valid_scores.points - (cells.points_sum - valid_scores.points) / (cells.rater_count - 1) as offset_points
    from valid_scores
    join cells on cells.application_id = valid_scores.application_id
        and cells.criterion_id = valid_scores.criterion_id
    where cells.rater_count >= 2
),

recusals as (
    select score.juror_id, count(distinct score.application_id) as recused_count
    from score
    join applications on applications.application_id = score.application_id
    where score.is_recused
    group by score.juror_id
),

per_juror as (
    select
        juror_id,
        count(*) as scores_count,
        avg(points) as mean_points,
        stddev_samp(points) as sd_points,
        avg(offset_points) as offset_points
    from offsets
    group by juror_id
),

final as (
    select
        juror.juror_id,
        juror.short_name as juror_name,
        juror.institution,
        juror.is_chair,
        coalesce(per_juror.scores_count, 0) as scores_count,
        coalesce(recusals.recused_count, 0) as recused_count,
        per_juror.mean_points,
        per_juror.sd_points,
        per_juror.offset_points
    from juror
    left join per_juror on per_juror.juror_id = juror.juror_id
    left join recusals on recusals.juror_id = juror.juror_id
    where juror.programme_id = $programme_id
)

select * from final
order by offset_points, juror_id
