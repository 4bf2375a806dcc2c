-- Every import batch, newest first: what was imported, by whom and when, and whether it was undone.
-- Not bound to the Stichtag or a programme: it is the log of data entry itself.
with

batches as (
    select * from import_batch
),

changes as (
    select
        import_batch_id,
        count(*) filter (where action = 'insert') as rows_inserted_count,
        count(*) filter (where action = 'update') as rows_updated_count,
        count(*) filter (where action = 'delete') as rows_deleted_count
    from import_change
    group by import_batch_id
),

final as (
    select
        batches.import_batch_id,
        batches.kind as import_kind,
        batches.file_name as import_file_name,
        batches.row_count as rows_written_count,
        coalesce(changes.rows_inserted_count, 0) as rows_inserted_count,
        coalesce(changes.rows_updated_count, 0) as rows_updated_count,
        coalesce(changes.rows_deleted_count, 0) as rows_deleted_count,
        batches.imported_by,
        batches.imported_at,
        batches.undone_by,
        batches.undone_at,
        batches.undone_at is not null as is_undone,
        batches.sha256
    from batches
    left join changes on changes.import_batch_id = batches.import_batch_id
)

select * from final
order by import_batch_id desc
