-- Confidential (jury and admin only): the weighted total and rank of every scored application.
-- total_points = Σ weight_pct/100 × mean points of the non-recused jurors per criterion (0 … max_points);
-- median_points uses the median instead of the mean; normalised_total uses z-scores per juror
-- ((points − juror's mean) / juror's standard deviation over all their scores), which removes
-- each juror's strictness and use of the scale. Ranks: 1 = best; equal totals share a rank.
-- The funding line is the number of applications actually selected.
with

applications as (
    select application.*, applicant.name as applicant_name, applicant.kind as applicant_kind,
        applicant.kreis_id, kreis.name as kreis_name
    from application
    join applicant on applicant.applicant_id = application.applicant_id
    join region as kreis on kreis.region_id = applicant.kreis_id
    where application.programme_id = $programme_id and application.received_date <= $as_of
),

criteria as (
    select criterion_id, weight_pct::double / 100 as weight
    from criterion
    where programme_id = $programme_id
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

per_criterion as (
    select
        valid_scores.application_id,
        valid_scores.criterion_id,
        avg(valid_scores.points) as mean_points,
        median(valid_scores.points) as median_points,
        avg((valid_scores.points - juror_scale.juror_mean) / nullif(juror_scale.juror_sd, 0)) as mean_z
    from valid_scores
    join juror_scale on juror_scale.juror_id = valid_scores.juror_id
    group by valid_scores.application_id, valid_scores.criterion_id
),

totals as (
    select
        per_criterion.application_id,
        sum(criteria.weight * per_criterion.mean_points) as total_points,
        sum(criteria.weight * per_criterion.median_points) as median_total_points,
        sum(criteria.weight * per_criterion.mean_z) as normalised_total
    from per_criterion
    join criteria on criteria.criterion_id = per_criterion.criterion_id
    group by per_criterion.application_id
),

recused as (
    select score.application_id, string_agg(distinct juror.short_name, ', ' order by juror.short_name) as recused_jurors
    from score
    join juror on juror.juror_id = score.juror_id
    where score.is_recused
    group by score.application_id
),

line as (
    select count(*) filter (where status = 'selected') as line_count from applications
),

granted as (
    select application_id, granted_eur
    from project
    where programme_id = $programme_id and decision_date <= $as_of
),

final as (
    select
        totals.application_id,
        applications.applicant_name,
        applications.applicant_kind,
        applications.kreis_id,
        applications.kreis_name,
        applications.title,
        applications.requested_eur::double as requested_eur,
        granted.granted_eur::double as granted_eur,
        applications.status = 'selected' as is_selected,
        totals.total_points,
        rank() over (order by totals.total_points desc) as rank,
        totals.median_total_points,
        rank() over (order by totals.median_total_points desc) as median_rank,
        totals.normalised_total,
        rank() over (order by totals.normalised_total desc) as normalised_rank,
        recused.recused_jurors,
        line.line_count
    from totals
    join applications on applications.application_id = totals.application_id
    cross join line
    left join recused on recused.application_id = totals.application_id
    left join granted on granted.application_id = totals.application_id
)

select * from final
order by rank, application_id
