-- Confidential (jury and admin only): agreement between jurors per criterion as ICC(2,1) (Shrout & Fleiss
-- 1979; McGraw & Wong 1996 "A,1": two-way random effects, absolute agreement, single rater), from the
-- mean squares of a two-way ANOVA without replication. The ANOVA needs a full applications × jurors
-- table, so a criterion is computed on its complete cases: applications that every juror of the
-- programme scored (applications with a recusal are left out of the coefficient, not imputed).
--   ICC = (MSR − MSE) / (MSR + (k − 1)·MSE + k·(MSC − MSE) / n)
-- Sums of squares from per-cell sums (relation score_cell): SS_total = Σx² − N·x̄², SS_rows = k·Σ(row mean − x̄)²,
-- SS_columns = n·Σ(juror mean − x̄)².
with

criteria as (
    select criterion_id, sort_order, case when $lang = 'en' then label_en else label_de end as criterion_label,
        weight_pct
    from criterion
    where programme_id = $programme_id
),

juror_total as (
    select count(*) as juror_count from juror where programme_id = $programme_id
),

complete_cells as (
    select cell.*
    from score_cell_kept($programme_id, $as_of) as cell
    cross join juror_total
    where cell.rater_count = juror_total.juror_count
),

grand as (
    select
        criterion_id,
        sum(points_sum) / sum(rater_count) as grand_mean,
        sum(points_sq_sum) as sq_sum,
        sum(rater_count) as score_count,
        count(*) as n,
        any_value(rater_count) as k
    from complete_cells
    group by criterion_id
),

row_squares as (
    select complete_cells.criterion_id, sum(power(complete_cells.mean_points - grand.grand_mean, 2)) as ss
    from complete_cells
    join grand on grand.criterion_id = complete_cells.criterion_id
    group by complete_cells.criterion_id
),

column_means as (
    select valid.criterion_id, valid.juror_id, avg(valid.points) as column_mean
    from valid_score($programme_id, $as_of) as valid
    join complete_cells on complete_cells.application_id = valid.application_id
        and complete_cells.criterion_id = valid.criterion_id
    group by valid.criterion_id, valid.juror_id
),

column_squares as (
    select column_means.criterion_id, sum(power(column_means.column_mean - grand.grand_mean, 2)) as ss
    from column_means
    join grand on grand.criterion_id = column_means.criterion_id
    group by column_means.criterion_id
),

sums_of_squares as (
    select
        grand.criterion_id,
        grand.n,
        grand.k,
        grand.sq_sum - grand.score_count * power(grand.grand_mean, 2) as ss_total,
        grand.k * row_squares.ss as ss_rows,
        grand.n * column_squares.ss as ss_columns
    from grand
    join row_squares on row_squares.criterion_id = grand.criterion_id
    join column_squares on column_squares.criterion_id = grand.criterion_id
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
        -- Koo & Li (2016): below 0.5 poor, 0.5–0.75 moderate, 0.75–0.9 good, above 0.9 excellent; judged on the
        -- value as the page prints it (two decimals), so "0,75" never reads "mäßig" beside a scale where 0,75 is "gut"
        case
            when icc.icc is null then null
            when round(icc.icc, 2) < 0.5 then 'poor'
            when round(icc.icc, 2) < 0.75 then 'moderate'
            when round(icc.icc, 2) < 0.9 then 'good'
            else 'excellent'
        end as icc_band
    from criteria
    left join icc on icc.criterion_id = criteria.criterion_id
)

select * from final
order by criterion_order
