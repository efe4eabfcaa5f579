-- A replaced version stays in source_files, as superseded.
-- reads: replaced_files
UPDATE source_files SET status = 'superseded' WHERE file_id IN (SELECT file_id FROM replaced_files)
