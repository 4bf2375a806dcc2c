-- Confidential (jury and admin only): every application received by the Stichtag with its applicant,
-- Kreis, requested and granted amount, status and the stage it did not reach (relation application_stage:
-- received -> formally eligible -> scored -> selected). Granted = project.granted_eur once decided.
-- At most $row_limit rows in application order (null: all, for the download).
with

stages as (
    select * from application_stage($programme_id, $as_of)
),

granted as (
    select application_id, granted_eur
    from project_as_of($programme_id, $as_of)
),

final as (
    select
        stages.application_id,
        applicant.name as applicant_name,
        applicant.kind as applicant_kind,
        kreis.name as kreis_name,
        stages.title,
        stages.received_date,
        stages.requested_eur::double as requested_eur,
        granted.granted_eur::double as granted_eur,
        stages.status,
        stages.dropout_reason,
        stages.is_selected,
        stages.dropout_stage
    from stages
    join applicant on applicant.applicant_id = stages.applicant_id
    join region as kreis on kreis.region_id = applicant.kreis_id
    left join granted on granted.application_id = stages.application_id
)

select * from final
order by application_id
limit $row_limit
