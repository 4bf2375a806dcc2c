-- Confidential (jury and admin only): how strict or lenient each juror scored. offset_points = the juror's
-- average difference from the mean of the other (non-recused) jurors on the same application and
-- criterion (cells with at least two valid scores; relations valid_score, score_cell): negative = stricter,
-- positive = more lenient than the rest of the jury.
with

offsets as (
    select
        valid.juror_id,
        valid.points,
        valid.points - mean_of_others(cell.points_sum, valid.points, cell.rater_count) as offset_points
    from valid_score($programme_id, $as_of) as valid
    join score_cell_kept($programme_id, $as_of) as cell
        on cell.application_id = valid.application_id and cell.criterion_id = valid.criterion_id
    where cell.rater_count >= 2
),

recusals as (
    select score.juror_id, count(distinct score.application_id) as recused_count
    from score
    join application_as_of($programme_id, $as_of) as applications
        on applications.application_id = score.application_id
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
