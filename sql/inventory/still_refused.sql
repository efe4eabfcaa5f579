-- Of the given dump versions (:ids, held and unchanged), those stored as rejected or suspect, with
-- the status and why: a load reports them again, so a refused or held-back dump stays visible
-- until its file changes (or, suspect, until --accept-shrink confirms it).
SELECT file_name, error, status
FROM source_files
WHERE status IN ('rejected', 'suspect') AND file_id IN (SELECT unnest(CAST(:ids AS BIGINT[])))
ORDER BY file_name
