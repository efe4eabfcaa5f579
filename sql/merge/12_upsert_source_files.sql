-- The batch's versions, loaded or rejected, stamped :loaded_at.
-- reads: incoming_files
-- binds: loaded_at
INSERT INTO source_files (file_id, file_name, sha256, size_bytes, listing_date_id, listing_year_rule,
                         status, error, entries, loaded_at, modified_ns, listing_year_setting, recheck_on)
SELECT file_id, file_name, sha256, size_bytes, listing_date_id, listing_year_rule,
       status, error, entries, CAST(:loaded_at AS TIMESTAMP), modified_ns, listing_year_setting, recheck_on
FROM incoming_files
ON CONFLICT (file_id) DO UPDATE SET
    listing_date_id = excluded.listing_date_id, listing_year_rule = excluded.listing_year_rule,
    status = excluded.status, error = excluded.error, entries = excluded.entries,
    loaded_at = excluded.loaded_at, modified_ns = excluded.modified_ns,
    listing_year_setting = excluded.listing_year_setting, recheck_on = excluded.recheck_on
