-- What undoing an import batch would do, per table: rows it removes (inserted by the batch), resets (updated)
-- and restores (deleted); for payments also the money removed.
with

changes as (
    select * from import_change
    where import_batch_id = $import_batch_id
),

payments as (
    select * from payment
),

removed_money as (
    select sum(payments.amount_eur) as payment_removed_eur
    from changes
    join payments on payments.payment_id = changes.row_key
    where changes.table_name = 'payment' and changes.action = 'insert'
),

per_table as (
    select
        table_name,
        count(*) filter (where action = 'insert') as inserted_count,
        count(*) filter (where action = 'update') as updated_count,
        count(*) filter (where action = 'delete') as deleted_count
    from changes
    group by table_name
),

final as (
    select
        per_table.table_name,
        per_table.inserted_count,
        per_table.updated_count,
        per_table.deleted_count,
        case when per_table.table_name = 'payment' then removed_money.payment_removed_eur end as payment_removed_eur
    from per_table
    cross join removed_money
)

select * from final
order by table_name
