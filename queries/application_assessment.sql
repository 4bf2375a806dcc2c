-- Confidential (jury and admin only; pages/profil.py runs it for those roles alone): the jury's verdict on one
-- recipient's applications to the programme, one row per application and criterion: the application, its
-- weighted total and rank among the scored applications and the funding line (relation application_ranking),
-- and per criterion the mean, lowest and highest valid points and how many jurors scored it (relation
-- score_cell). Recused jurors are named per application. An application without valid scores has one row
-- with empty criterion columns.
with

applications as (
    select application_id, applicant_id, title, received_date, requested_eur, status
    from application_as_of($programme_id, $as_of)
    where applicant_id = $applicant_id
),

ranking as (
    select * from application_ranking_kept($programme_id, $as_of)
),

ranked as (
    select count(*) as ranked_count from ranking
),

cells as (
    select cell.*
    from score_cell_kept($programme_id, $as_of) as cell
    join applications on applications.application_id = cell.application_id
),

criteria as (
    select
        criterion_id,
        sort_order,
        case when $lang = 'en' then label_en else label_de end as criterion_label,
        weight_pct::double as weight_pct,
        max_points::double as max_points
    from criterion
    where programme_id = $programme_id
),

recused as (
    select score.application_id, string_agg(distinct juror.short_name, ', ' order by juror.short_name) as recused_jurors
    from score
    join juror on juror.juror_id = score.juror_id
    join applications on applications.application_id = score.application_id
    where score.is_recused
    group by score.application_id
),

final as (
    select
        applications.application_id,
        applications.title,
        applications.received_date,
        applications.requested_eur::double as requested_eur,
        applications.status,
        ranking.total_points,
        ranking.rank::integer as rank,
        ranked.ranked_count::integer as ranked_count,
        ranking.line_count::integer as line_count,
        recused.recused_jurors,
        criteria.criterion_id,
        criteria.criterion_label,
        criteria.sort_order,
        criteria.weight_pct,
        criteria.max_points,
        cells.rater_count::integer as rater_count,
        cells.mean_points,
        cells.min_points as lowest_points,
        cells.max_points as highest_points
    from applications
    cross join ranked
    left join ranking on ranking.application_id = applications.application_id
    left join recused on recused.application_id = applications.application_id
    left join cells on cells.application_id = applications.application_id
    left join criteria on criteria.criterion_id = cells.criterion_id
)

select * from final
order by received_date, application_id, sort_order nulls last
