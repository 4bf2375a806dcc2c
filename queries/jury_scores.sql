-- Confidential (jury and admin only): every individual score, one row per application × juror × criterion
-- (the raw data behind every figure of the page; offered as a download, never drawn whole).
-- A recused juror's row has no points and is_recused = true; it counts in no average (relation valid_score).
with

applications as (
    select application.application_id, application.status, applicant.name as applicant_name
    from application_as_of($programme_id, $as_of) as application
    join applicant on applicant.applicant_id = application.applicant_id
),

criteria as (
    select criterion_id, sort_order, case when $lang = 'en' then label_en else label_de end as criterion_label,
        weight_pct, max_points
    from criterion
    where programme_id = $programme_id
),

jurors as (
    select juror_id, short_name as juror_name
    from juror
    where programme_id = $programme_id
),

final as (
    select
        score.application_id,
        applications.applicant_name,
        applications.status = 'selected' as is_selected,
        score.criterion_id,
        criteria.sort_order as criterion_order,
        criteria.criterion_label,
        score.juror_id,
        jurors.juror_name,
        score.points::double as points,
        score.is_recused
    from score
    join applications on applications.application_id = score.application_id
    join criteria on criteria.criterion_id = score.criterion_id
    join jurors on jurors.juror_id = score.juror_id
)

select * from final
order by application_id, criterion_order, juror_id
