-- Listing dates of the run's loaded dump versions.
SELECT * FROM dates
WHERE date_id IN (
    SELECT listing_date_id FROM source_files WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
)
ORDER BY date_id
LIMIT :limit
