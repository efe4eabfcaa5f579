-- Papers sighted in the run's loaded dump versions, in listing order.
SELECT p.* FROM papers p
JOIN (
    SELECT paper_id, min((file_id, position)) AS first_sighting FROM paper_appearances
    WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
    GROUP BY paper_id
) s USING (paper_id)
ORDER BY s.first_sighting
LIMIT :limit
