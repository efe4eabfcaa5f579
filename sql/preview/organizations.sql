-- Organizations named on the cards of the run's loaded dump versions.
SELECT * FROM organizations
WHERE organization_id IN (
    SELECT organization_id FROM paper_appearances WHERE file_id IN (SELECT unnest(CAST(:file_ids AS BIGINT[])))
)
ORDER BY handle
LIMIT :limit
