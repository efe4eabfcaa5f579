-- Name, sha256 and entry count of the loaded version of each dump named in :names: what
-- Dagster records on each partition a run materializes (the sensor compares the sha256).
SELECT file_name, sha256, entries FROM source_files
WHERE status = 'loaded' AND file_name IN (SELECT unnest(CAST(:names AS VARCHAR[])))
ORDER BY file_name
