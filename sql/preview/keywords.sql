-- Keywords of the papers sighted in the run's loaded dump versions.
SELECT * FROM keywords
WHERE keyword_id IN (
    SELECT keyword_id FROM paper_keywords WHERE paper_id IN (
        SELECT paper_id FROM paper_appearances WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
    )
)
ORDER BY keyword
LIMIT :limit
