-- A pruned version stays in source_files, as removed.
-- reads: removed_files
UPDATE source_files SET status = 'removed' WHERE file_id IN (SELECT file_id FROM removed_files)
