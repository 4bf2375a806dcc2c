-- Payments with the project's title and the recipient's name and Kreis.
with payments as (
    select * from payment
),

projects as (
    select project_id, title, applicant_id from project
),

recipients as (
    select applicant_id, name, kreis_id from applicant
),

kreise as (
    select region_id, name from region
),

final as (
    select
        payments.payment_id,
        payments.payment_date,
        payments.amount_eur,
        payments.kind,
        payments.project_id,
        projects.title,
        recipients.name as recipient_name,
        kreise.name as kreis_name
    from payments
    left join projects on projects.project_id = payments.project_id
    left join recipients on recipients.applicant_id = projects.applicant_id
    left join kreise on kreise.region_id = recipients.kreis_id
)

select * from final
