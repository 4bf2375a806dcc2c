-- Funds that will not be called, per project on the Stichtag, judged against the payment plan (the rule is in
-- monitor/relations.sql, project_state):
--   lapsed       final payment made: the rest of the grant (granted − paid) has lapsed for certain
--   at risk      open project: the planned payments that are overdue (planned before the Stichtag minus the
--                programme's grace days) and not paid; once the whole plan is overdue, all that is unpaid.
--                A payment planned for later is not at risk until it is overdue.
--   expected     granted − at risk − lapsed: what the plan still expects to be paid in the end
-- forecast_basis says which case applies: closed, plan_over, overdue, on_plan, no_plan, not_started.
with

states as (
    select * from project_state($programme_id, $as_of)
),

final as (
    select
        states.project_id,
        states.applicant_id,
        applicant.name as recipient_name,
        states.title,
        states.start_date,
        states.end_date,
        states.granted_eur,
        states.planned_due_eur,
        states.planned_total_eur,
        states.planned_until_date,
        states.paid_eur,
        states.overdue_eur,
        states.due_date,
        states.granted_eur - states.at_risk_eur - states.lapsed_eur as expected_paid_eur,
        states.at_risk_eur,
        states.lapsed_eur,
        case
            when states.is_closed then 'closed'
            when states.planned_until_date is null then 'no_plan'
            when states.due_date >= states.planned_until_date then 'plan_over'
            when states.overdue_eur > 0 then 'overdue'
            when states.is_not_started then 'not_started'
            else 'on_plan'
        end as forecast_basis
    from states
    join applicant on applicant.applicant_id = states.applicant_id
)

select * from final
order by at_risk_eur + lapsed_eur desc, overdue_eur desc, project_id
