-- Confidential (jury and admin only): agreement between jurors per criterion as ICC(2,1) (Shrout & Fleiss
-- 1979; McGraw & Wong 1996 "A,1": two-way random effects, absolute agreement, single rater), from the
-- mean squares of a two-way ANOVA without replication. The ANOVA needs a full applications × jurors
-- table, so a criterion is computed on its complete cases: applications that every juror of the
-- programme scored (applications with a recusal are left out of the coefficient, not imputed).
--   ICC = (MSR − MSE) / (MSR + (k − 1)·MSE + k·(MSC − MSE) / n)
with

applications as (
    select application_id
    from application
    where programme_id = $programme_id and received_date <= $as_of
),

criteria as (
    select criterion_id, sort_order, case when $lang = 'en' then label_en else label_de end as criterion_label,
        weight_pct
    from criterion
    where programme_id = $programme_id
),

juror_total as (
    select count(*) as juror_count from juror where programme_id = $programme_id
),

valid_scores as (
    select score.application_id, score.juror_id, score.criterion_id, score.points::double as points
    from score
    join applications on applications.application_id = score.application_id
    where not score.is_recused
),

complete_cases as (
    select valid_scores.application_id, valid_scores.criterion_id
    from valid_scores
    cross join juror_total
    group by valid_scores.application_id, valid_scores.criterion_id, juror_total.juror_count
    having count(*) = juror_total.juror_count
),

cells as (
    select valid_scores.*
    from valid_scores
    join complete_cases on complete_cases.application_id = valid_scores.application_id
        and complete_cases.criterion_id = valid_scores.criterion_id
),

grand as (
    select
        criterion_id,
        avg(points) as grand_mean,
        count(distinct application_id) as n,
        count(distinct juror_id) as k
    from cells
    group by criterion_id
),

row_means as (
    select criterion_id, application_id, avg(points) as row_mean
    from cells
    group by criterion_id, application_id
),

column_means as (
    select criterion_id, juror_id, avg(points) as column_mean
    from cells
    group by criterion_id, juror_id
),

sums_of_squares as (
    select
        grand.criterion_id,
        grand.n,
        grand.k,
        (select sum(power(cells.points - grand.grand_mean, 2)) from cells
         where cells.criterion_id = grand.criterion_id) as ss_total,
        grand.k * (select sum(power(row_means.row_mean - grand.grand_mean, 2)) from row_means
                   where row_means.criterion_id = grand.criterion_id) as ss_rows,
        grand.n * (select sum(power(column_means.column_mean - grand.grand_mean, 2)) from column_means
                   where column_means.criterion_id = grand.criterion_id) as ss_columns
    from grand
),

mean_squares as (
    select
        criterion_id,
        n,
        k,
        ss_rows / (n - 1) as ms_rows,
        ss_columns / (k - 1) as ms_columns,
        (ss_total - ss_rows - ss_columns) / ((n - 1) * (k - 1)) as ms_error
    from sums_of_squares
    where n >= 2 and k >= 2
),

icc as (
    select
        *,
        (ms_rows - ms_error) / (ms_rows + (k - 1) * ms_error + k * (ms_columns - ms_error) / n) as icc
    from mean_squares
),

final as (
    select
        criteria.criterion_id,
        criteria.sort_order as criterion_order,
        criteria.criterion_label,
        criteria.weight_pct::double as weight_pct,
        icc.n as complete_applications_count,
        icc.k as jurors_count,
        icc.ms_rows,
        icc.ms_columns,
        icc.ms_error,
        icc.icc,
        -- Koo & Li (2016): below 0.5 poor, 0.5–0.75 moderate, 0.75–0.9 good, above 0.9 excellent
        case
            when icc.icc is null then null
            when icc.icc < 0.5 then 'poor'
            when icc.icc < 0.75 then 'moderate'
            when icc.icc < 0.9 then 'good'
            else 'excellent'
        end as icc_band
    from criteria
    left join icc on icc.criterion_id = criteria.criterion_id
)

select * from final
order by criterion_order
