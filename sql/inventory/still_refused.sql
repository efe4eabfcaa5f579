-- Of the given dump versions (:ids, held and unchanged), those stored as rejected, with why:
-- a load reports them again, so a refused dump stays visible until its file changes.
SELECT file_name, error
FROM source_files
WHERE status = 'rejected' AND file_id IN (SELECT unnest(CAST(:ids AS BIGINT[])))
ORDER BY file_name
