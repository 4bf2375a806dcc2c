-- Funds at risk of lapsing, per project on the Stichtag: at the rate observed so far, how much of the
-- grant will not be called before the project's term ends.
--   observed rate       = paid by the Stichtag / days elapsed since the project's start
--   projected paid      = least(granted, paid + rate × days remaining until the end date)
--   at risk             = granted − projected paid
-- Special cases (forecast_basis):
--   done          final payment made: nothing more will be paid; the rest (granted − paid) has lapsed
--                 (lapsed_eur), at_risk_eur is 0
--   ended         term over without final payment: the whole rest is at risk
--   not_started   Stichtag on or before the start: no day elapsed, so no rate; nothing counted at risk
--   rate          otherwise (a running project with nothing paid yet has rate 0: all of it at risk)
-- planned_eur and behind_plan_eur (planned − paid, negative = ahead) show the lag against the plan.
with

projects as (
    -- a project exists from its funding decision on
    select project_id, applicant_id, title, granted_eur::double as granted_eur, start_date, end_date
    from project
    where programme_id = $programme_id and decision_date <= $as_of
),

payments as (
    select
        project_id,
        sum(amount_eur)::double as paid_eur,
        min(payment_date) filter (where kind = 'schlusszahlung') as final_payment_date
    from payment
    where payment_date <= $as_of
    group by project_id
),

planned as (
    select project_id, sum(amount_eur)::double as planned_eur
    from planned_payment
    where planned_date <= $as_of
    group by project_id
),

measures as (
    select
        projects.project_id,
        projects.applicant_id,
        applicant.name as recipient_name,
        projects.title,
        projects.start_date,
        projects.end_date,
        projects.granted_eur,
        coalesce(planned.planned_eur, 0) as planned_eur,
        coalesce(payments.paid_eur, 0) as paid_eur,
        payments.final_payment_date,
        greatest(0, date_diff('day', projects.start_date, $as_of::date)) as elapsed_days,
        greatest(0, date_diff('day', $as_of::date, projects.end_date)) as remaining_days,
        case
            when payments.final_payment_date is not null then 'done'
            when $as_of::date <= projects.start_date then 'not_started'
            when $as_of::date >= projects.end_date then 'ended'
            else 'rate'
        end as forecast_basis
    from projects
    join applicant on applicant.applicant_id = projects.applicant_id
    left join payments on payments.project_id = projects.project_id
    left join planned on planned.project_id = projects.project_id
),

forecast as (
    select
        *,
        case when forecast_basis = 'rate' then paid_eur / nullif(elapsed_days, 0) end as daily_rate_eur,
        case forecast_basis
            when 'done' then paid_eur
            when 'ended' then paid_eur
            when 'not_started' then granted_eur
            else least(granted_eur, paid_eur + coalesce(paid_eur / nullif(elapsed_days, 0), 0) * remaining_days)
        end as projected_paid_eur
    from measures
),

final as (
    select
        project_id,
        applicant_id,
        recipient_name,
        title,
        start_date,
        end_date,
        granted_eur,
        planned_eur,
        paid_eur,
        planned_eur - paid_eur as behind_plan_eur,
        elapsed_days,
        remaining_days,
        daily_rate_eur,
        projected_paid_eur,
        case when forecast_basis = 'done' then 0 else granted_eur - projected_paid_eur end as at_risk_eur,
        case when forecast_basis = 'done' then granted_eur - paid_eur else 0 end as lapsed_eur,
        forecast_basis
    from forecast
)

select * from final
order by at_risk_eur desc, project_id
