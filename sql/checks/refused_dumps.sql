-- Dumps of the folder (:names) held as refused: a refused version stays rejected until a new
-- version of its name loads and supersedes it. Rows: (file, why, 1), offenders only.
SELECT file_name AS what, error AS detail, 1 AS broken
FROM source_files
WHERE status = 'rejected' AND file_name IN (SELECT unnest(CAST(:names AS VARCHAR[])))
ORDER BY file_name
