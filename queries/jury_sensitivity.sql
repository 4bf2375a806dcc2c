-- Confidential (jury and admin only): would the selection change with another method? Variants: 'mean' (the
-- rule, relation application_ranking), 'median' (median instead of mean per criterion), 'normalised'
-- (z-scores per juror) and 'without' one juror (left_out_juror_id: that juror's scores removed, the others
-- averaged; a cell only that juror scored drops out). Each variant ranks every scored application; above the
-- line = rank ≤ line_count (the number actually selected); crosses_line = above the line in this variant but
-- not selected, or selected but below it.
-- Bounded: one row per variant for each of at most $row_limit applications near the line (best rank at most
-- 3 below it and worst rank at most 12 above it; the closest to the line by the rule's rank first).
-- moved_up_count / moved_down_count count the crossings of the variant over every scored application.
with

applications as (
    select application.application_id, application.status, applicant.name as applicant_name
    from application_as_of($programme_id, $as_of) as application
    join applicant on applicant.applicant_id = application.applicant_id
),

criteria as (
    select criterion_id, weight_pct::double / 100 as weight
    from criterion
    where programme_id = $programme_id
),

jurors as (
    select juror_id, short_name from juror where programme_id = $programme_id
),

ranking as (
    select * from application_ranking_kept($programme_id, $as_of)
),

cells as (
    select * from score_cell_kept($programme_id, $as_of)
),

mean_totals as (
    select cells.application_id, sum(criteria.weight * cells.mean_points) as total, count(*) as cell_count
    from cells
    join criteria on criteria.criterion_id = cells.criterion_id
    group by cells.application_id
),

-- what leaving juror j out changes on each application j scored (cells j did not score keep their mean)
without_changes as (
    select
        valid.application_id,
        valid.juror_id,
        sum(criteria.weight * (case when cells.rater_count >= 2
                                    then mean_of_others(cells.points_sum, valid.points, cells.rater_count)
                                    else 0 end - cells.mean_points)) as delta,
        count(*) filter (where cells.rater_count = 1) as dropped_count
    from valid_score($programme_id, $as_of) as valid
    join cells on cells.application_id = valid.application_id and cells.criterion_id = valid.criterion_id
    join criteria on criteria.criterion_id = valid.criterion_id
    group by valid.application_id, valid.juror_id
),

variant_totals as (
    select 1 as variant_order, 'mean' as variant, null::varchar as left_out_juror_id, application_id,
        total_points as total
    from ranking
    union all
    select 2, 'median', null, application_id, median_total_points from ranking
    union all
    select 3, 'normalised', null, application_id, normalised_total from ranking
    union all
    select 4, 'without', jurors.juror_id, mean_totals.application_id,
        round(mean_totals.total + coalesce(without_changes.delta, 0), 9)
    from mean_totals
    cross join jurors
    left join without_changes on without_changes.application_id = mean_totals.application_id
        and without_changes.juror_id = jurors.juror_id
    where mean_totals.cell_count > coalesce(without_changes.dropped_count, 0)
),

line as (
    select count(*) filter (where status = 'selected') as line_count from applications
),

ranked as (
    select
        variant_totals.*,
        rank() over (partition by variant_order, left_out_juror_id order by total desc) as rank,
        line.line_count
    from variant_totals
    cross join line
),

flagged as (
    select
        ranked.*,
        ranked.rank <= ranked.line_count as is_above_line,
        applications.status = 'selected' as is_selected,
        (ranked.rank <= ranked.line_count) <> (applications.status = 'selected') as crosses_line
    from ranked
    join applications on applications.application_id = ranked.application_id
),

moves as (
    select
        variant_order,
        left_out_juror_id,
        count(*) filter (where crosses_line and not is_selected) as moved_up_count,
        count(*) filter (where crosses_line and is_selected) as moved_down_count
    from flagged
    group by variant_order, left_out_juror_id
),

near_line as (
    select
        flagged.application_id,
        min(flagged.rank) as best_rank,
        max(flagged.rank) as worst_rank,
        any_value(ranking.rank) as base_rank,
        any_value(flagged.line_count) as line_count
    from flagged
    join ranking on ranking.application_id = flagged.application_id
    group by flagged.application_id
    having min(flagged.rank) <= any_value(flagged.line_count) + 3
       and max(flagged.rank) >= any_value(flagged.line_count) - 12
),

shown as (
    select application_id, base_rank
    from near_line
    order by abs(base_rank - line_count - 0.5), application_id
    limit $row_limit
),

final as (
    select
        flagged.variant_order,
        flagged.variant,
        flagged.left_out_juror_id,
        jurors.short_name as left_out_juror_name,
        flagged.application_id,
        applications.applicant_name,
        flagged.total,
        flagged.rank,
        shown.base_rank,
        flagged.line_count,
        flagged.is_above_line,
        flagged.is_selected,
        flagged.crosses_line,
        moves.moved_up_count,
        moves.moved_down_count
    from flagged
    join shown on shown.application_id = flagged.application_id
    join applications on applications.application_id = flagged.application_id
    join moves on moves.variant_order = flagged.variant_order
        and moves.left_out_juror_id is not distinct from flagged.left_out_juror_id
    left join jurors on jurors.juror_id = flagged.left_out_juror_id
)

select * from final
order by variant_order, left_out_juror_id, rank, application_id
