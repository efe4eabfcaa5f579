-- URLs found in the abstracts of the papers sighted in the run's loaded dump versions.
SELECT * FROM links
WHERE link_id IN (
    SELECT link_id FROM paper_links WHERE paper_id IN (
        SELECT paper_id FROM paper_appearances WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
    )
)
ORDER BY url
LIMIT :limit
