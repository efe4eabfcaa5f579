-- The first sightings of the run's loaded dump versions.
SELECT * FROM paper_appearances
WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
ORDER BY file_id, position
LIMIT :limit
