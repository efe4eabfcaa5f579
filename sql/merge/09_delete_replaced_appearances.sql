-- The sightings of replaced and removed versions.
-- reads: replaced_files, removed_files
DELETE FROM paper_appearances
WHERE file_id IN (SELECT file_id FROM replaced_files UNION ALL SELECT file_id FROM removed_files)
