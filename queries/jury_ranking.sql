-- Confidential (jury and admin only): the weighted total and rank of every scored application, best first,
-- from the relation application_ranking (monitor/relations.sql): total_points = Σ weight_pct/100 × mean
-- points of the non-recused jurors per criterion (0 … max_points); median_rank ranks on the median per
-- criterion instead, normalised_total / normalised_rank use z-scores per juror. Ranks: 1 = best; equal totals
-- share a rank. line_count is the funding line (the number of applications actually selected).
with

ranking as (
    select * from application_ranking_kept($programme_id, $as_of)
),

applications as (
    select application_id, applicant_id, requested_eur, status
    from application_as_of($programme_id, $as_of)
),

recused as (
    select score.application_id, string_agg(distinct juror.short_name, ', ' order by juror.short_name) as recused_jurors
    from score
    join juror on juror.juror_id = score.juror_id
    join applications on applications.application_id = score.application_id
    where score.is_recused
    group by score.application_id
),

granted as (
    select application_id, granted_eur
    from project_as_of($programme_id, $as_of)
),

final as (
    select
        ranking.application_id,
        applicant.name as applicant_name,
        -- an enum of the schema's kinds: the page labels 400,000 rows by their six values
        applicant.kind::enum('kreis', 'kreisfreie_stadt', 'stadt', 'gemeinde', 'amt', 'verbund', 'sonstige') as applicant_kind,
        applicant.kreis_id,
        kreis.name as kreis_name,
        applications.requested_eur::double as requested_eur,
        granted.granted_eur::double as granted_eur,
        applications.status = 'selected' as is_selected,
        ranking.total_points,
        ranking.rank::integer as rank,
        ranking.median_rank::integer as median_rank,
        ranking.normalised_total,
        ranking.normalised_rank::integer as normalised_rank,
        recused.recused_jurors,
        ranking.line_count::integer as line_count
    from ranking
    join applications on applications.application_id = ranking.application_id
    join applicant on applicant.applicant_id = applications.applicant_id
    join region as kreis on kreis.region_id = applicant.kreis_id
    left join recused on recused.application_id = ranking.application_id
    left join granted on granted.application_id = ranking.application_id
)

select * from final
order by rank, application_id
