-- Other printed texts of the papers sighted in the run's loaded dump versions, by key.
SELECT t.* FROM paper_texts t
WHERE t.paper_id IN (
    SELECT paper_id FROM paper_appearances WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
)
ORDER BY t.text_id
LIMIT :limit
