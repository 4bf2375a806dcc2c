-- Confidential (jury and admin only): each juror's average offset from the other jurors per criterion
-- (own points − mean of the other non-recused jurors on the same application), for the heatmap.
with

applications as (
    select application_id
    from application
    where programme_id = $programme_id and received_date <= $as_of
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

cells as (
    select application_id, criterion_id, count(*) as rater_count, sum(points) as points_sum
    from valid_scores
    group by application_id, criterion_id
),

offsets as (
    select
        valid_scores.juror_id,
        valid_scores.criterion_id,
        valid_scores.points - (cells.points_sum - valid_scores.points) / (cells.rater_count - 1) as offset_points
    from valid_scores
    join cells on cells.application_id = valid_scores.application_id
        and cells.criterion_id = valid_scores.criterion_id
    where cells.rater_count >= 2
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
