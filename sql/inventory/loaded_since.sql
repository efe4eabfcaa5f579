-- The dump versions loaded after a position (:after_at, :after_id), oldest first, at most :limit:
-- what Dagster's history sensor reports. Every batch is stamped when it merges, and loads take
-- the write lock in turn, so a version committed later never sorts before one already read.
SELECT file_id, file_name, sha256, size_bytes, entries, loaded_at
FROM source_files
WHERE status = 'loaded'
  AND (loaded_at > CAST(:after_at AS TIMESTAMP)
       OR (loaded_at = CAST(:after_at AS TIMESTAMP) AND file_id > CAST(:after_id AS BIGINT)))
ORDER BY loaded_at, file_id
LIMIT :limit
