-- Confidential (jury and admin only): who recused from which application (a recused juror scores no
-- criterion of it and counts in no average), at most $row_limit rows in application order; the *_count
-- columns count every recusal, the recused cells (juror × criterion) and all score rows of the Stichtag.
with

applications as (
    select application.application_id, applicant.name as applicant_name
    from application_as_of($programme_id, $as_of) as application
    join applicant on applicant.applicant_id = application.applicant_id
),

scores as (
    select score.application_id, score.juror_id, score.is_recused
    from score
    join applications on applications.application_id = score.application_id
),

recusals as (
    select application_id, juror_id, count(*) as recused_cells_count
    from scores
    where is_recused
    group by application_id, juror_id
),

totals as (
    select
        (select count(*) from recusals) as recusals_count,
        (select count(distinct application_id) from recusals) as recused_applications_count,
        (select count(*) from scores where is_recused) as recused_cells_count,
        (select count(*) from scores) as scores_count
),

final as (
    select
        recusals.application_id,
        applications.applicant_name,
        juror.short_name as juror_name,
        totals.recusals_count,
        totals.recused_applications_count,
        totals.recused_cells_count,
        totals.scores_count
    from totals
    left join recusals on true
    left join applications on applications.application_id = recusals.application_id
    left join juror on juror.juror_id = recusals.juror_id
    order by recusals.application_id, juror.short_name
    limit $row_limit
)

select * from final
