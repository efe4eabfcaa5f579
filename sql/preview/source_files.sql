-- The run's loaded dump versions.
SELECT * FROM source_files
WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
ORDER BY file_name, file_id
LIMIT :limit
