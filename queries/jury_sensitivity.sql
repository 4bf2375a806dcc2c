-- Confidential (jury and admin only): would the selection change with another method? One row per
-- variant × scored application: the weighted total and rank under that variant and whether it lands
-- above the funding line (the number of applications actually selected). Variants: 'mean' (the rule),
-- 'median' (median instead of mean per criterion), 'normalised' (z-scores per juror, see jury_ranking)
-- and 'without' one juror (left_out_juror_id: that juror's scores removed, the others averaged).
with

applications as (
    select application.application_id, application.status, applicant.name as applicant_name
    from application
    join applicant on applicant.applicant_id = application.applicant_id
    where application.programme_id = $programme_id and application.received_date <= $as_of
),

criteria as (
    select criterion_id, weight_pct::double / 100 as weight
    from criterion
    where programme_id = $programme_id
),

jurors as (
    select juror_id, short_name from juror where programme_id = $programme_id
),

valid_scores as (
    select score.application_id, score.juror_id, score.criterion_id, score.points::double as points
    from score
    join applications on applications.application_id = score.application_id
    where not score.is_recused
),

juror_scale as (
    select juror_id, avg(points) as juror_mean, stddev_samp(points) as juror_sd
    from valid_scores
    group by juror_id
),

variants as (
    select 1 as variant_order, 'mean' as variant, null::varchar as left_out_juror_id
    union all select 2, 'median', null
    union all select 3, 'normalised', null
    union all select 4, 'without', juror_id from jurors
),

variant_scores as (
    select
        variants.variant_order,
        variants.variant,
        variants.left_out_juror_id,
        valid_scores.application_id,
        valid_scores.criterion_id,
        case
            when variants.variant = 'normalised'
                then (valid_scores.points - juror_scale.juror_mean) / nullif(juror_scale.juror_sd, 0)
            else valid_scores.points
        end as value
    from variants
    join valid_scores on valid_scores.juror_id is distinct from variants.left_out_juror_id
    join juror_scale on juror_scale.juror_id = valid_scores.juror_id
),

per_criterion as (
    select
        variant_order, variant, left_out_juror_id, application_id, criterion_id,
        case when variant = 'median' then median(value) else avg(value) end as value
    from variant_scores
    group by variant_order, variant, left_out_juror_id, application_id, criterion_id
),

totals as (
    select per_criterion.variant_order, per_criterion.variant, per_criterion.left_out_juror_id,
        per_criterion.application_id, sum(criteria.weight * per_criterion.value) as total
    from per_criterion
    join criteria on criteria.criterion_id = per_criterion.criterion_id
    group by all
),

ranked as (
    select
        *,
        rank() over (partition by variant, left_out_juror_id order by total desc) as rank
    from totals
),

line as (
    select count(*) filter (where status = 'selected') as line_count from applications
),

final as (
    select
        ranked.variant_order,
        ranked.variant,
        ranked.left_out_juror_id,
        jurors.short_name as left_out_juror_name,
        ranked.application_id,
        applications.applicant_name,
        ranked.total,
        ranked.rank,
        line.line_count,
        ranked.rank <= line.line_count as is_above_line,
        applications.status = 'selected' as is_selected,
        (ranked.rank <= line.line_count) <> (applications.status = 'selected') as crosses_line
    from ranked
    join applications on applications.application_id = ranked.application_id
    cross join line
    left join jurors on jurors.juror_id = ranked.left_out_juror_id
)

select * from final
order by variant_order, left_out_juror_id, rank, application_id
