-- Papers sighted in the run's loaded dump versions, in the order of their first sighting there.
SELECT p.* FROM papers p
JOIN (
    SELECT paper_id, file_id, position,
           row_number() OVER (PARTITION BY paper_id ORDER BY file_id, position) AS nth
    FROM paper_appearances
    WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
) s USING (paper_id)
WHERE s.nth = 1
ORDER BY s.file_id, s.position
LIMIT :limit
