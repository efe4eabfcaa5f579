-- Links of the papers sighted in the run's loaded dump versions.
SELECT * FROM paper_links
WHERE paper_id IN (
    SELECT paper_id FROM paper_appearances WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
)
ORDER BY paper_id, link_id
LIMIT :limit
