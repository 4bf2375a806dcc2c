-- Confidential (jury and admin only): leniency per juror and criterion: the juror's average difference from
-- the mean of the other (non-recused) jurors on the same application and criterion, for cells with at least
-- two valid scores (offset = own − mean of the others = n/(n−1) × (own − mean); relations valid_score,
-- score_cell). Negative = stricter, positive = more lenient than the rest of the jury.
with

criteria as (
    select criterion_id, sort_order, case when $lang = 'en' then label_en else label_de end as criterion_label
    from criterion
    where programme_id = $programme_id
),

offsets as (
    select
        valid.juror_id,
        valid.criterion_id,
        valid.points - mean_of_others(cell.points_sum, valid.points, cell.rater_count) as offset_points
    from valid_score($programme_id, $as_of) as valid
    join score_cell_kept($programme_id, $as_of) as cell
        on cell.application_id = valid.application_id and cell.criterion_id = valid.criterion_id
    where cell.rater_count >= 2
),

final as (
    select
        offsets.juror_id,
        juror.short_name as juror_name,
        offsets.criterion_id,
        criteria.sort_order as criterion_order,
        criteria.criterion_label,
        count(*) as scores_count,
        avg(offsets.offset_points) as offset_points
    from offsets
    join juror on juror.juror_id = offsets.juror_id
    join criteria on criteria.criterion_id = offsets.criterion_id
    group by offsets.juror_id, juror.short_name, offsets.criterion_id, criteria.sort_order, criteria.criterion_label
)

select * from final
order by juror_id, criterion_order
