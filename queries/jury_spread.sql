-- Confidential (jury and admin only): agreement per application × criterion among the jurors who were not
-- recused (relation score_cell): mean, median, lowest, highest, spread (highest − lowest) and standard
-- deviation of the points; discordant when the spread reaches $discordant_points. The outlier is the juror
-- furthest from the mean of the other jurors on that cell (offset = own points − mean of the others).
-- Bounded: the cells of the $row_limit applications with the widest spread (all criteria of each), in
-- application order; the *_count columns describe every scored application.
with

applications as (
    select application.application_id, application.status, applicant.name as applicant_name
    from application_as_of($programme_id, $as_of) as application
    join applicant on applicant.applicant_id = application.applicant_id
),

criteria as (
    select criterion_id, sort_order, case when $lang = 'en' then label_en else label_de end as criterion_label
    from criterion
    where programme_id = $programme_id
),

cells as (
    select *, spread_points >= $discordant_points as is_discordant
    from score_cell_kept($programme_id, $as_of)
),

recusals as (
    select score.application_id, score.criterion_id, count(*) as recused_count
    from score
    join applications on applications.application_id = score.application_id
    where score.is_recused
    group by score.application_id, score.criterion_id
),

per_application as (
    select
        application_id,
        max(spread_points) as max_spread_points,
        bool_or(is_discordant) as has_discordant
    from cells
    group by application_id
),

totals as (
    select
        (select count(*) from per_application) as applications_count,
        (select count(*) from per_application where has_discordant) as discordant_applications_count,
        (select count(*) from cells) as cells_count,
        (select count(*) from cells where is_discordant) as discordant_cells_count
),

shown as (
    select application_id
    from per_application
    order by max_spread_points desc, application_id
    limit $row_limit
),

offsets as (
    select
        valid.application_id,
        valid.criterion_id,
        valid.juror_id,
        valid.points,
        valid.points - mean_of_others(cells.points_sum, valid.points, cells.rater_count) as offset_points
    from valid_score($programme_id, $as_of) as valid
    join shown on shown.application_id = valid.application_id
    join cells on cells.application_id = valid.application_id and cells.criterion_id = valid.criterion_id
    where cells.rater_count >= 2
),

outliers as (
    select
        application_id,
        criterion_id,
        arg_max(juror_id, (abs(offset_points), points, juror_id)) as outlier_juror_id,
        arg_max(offset_points, (abs(offset_points), points, juror_id)) as outlier_offset_points
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
        cells.is_discordant,
        outliers.outlier_juror_id,
        juror.short_name as outlier_juror_name,
        outliers.outlier_offset_points,
        totals.applications_count,
        totals.discordant_applications_count,
        totals.cells_count,
        totals.discordant_cells_count
    from cells
    join shown on shown.application_id = cells.application_id
    join applications on applications.application_id = cells.application_id
    join criteria on criteria.criterion_id = cells.criterion_id
    cross join totals
    left join recusals on recusals.application_id = cells.application_id
        and recusals.criterion_id = cells.criterion_id
    left join outliers on outliers.application_id = cells.application_id
        and outliers.criterion_id = cells.criterion_id
    left join juror on juror.juror_id = outliers.outlier_juror_id
)

select * from final
order by application_id, criterion_order
