-- The audit's dumps: every version stored as loaded.
SELECT file_id FROM source_files WHERE status = 'loaded' ORDER BY file_id
