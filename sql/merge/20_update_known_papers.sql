-- Known papers get their card fields updated.
-- reads: new_papers, paper_stats
UPDATE papers SET
    author_count = agg.author_count, organization_id = agg.organization_id,
    published_date_id = agg.published_date_id,
    published_date = agg.published_date,
    upvotes = agg.upvotes, first_seen_date_id = agg.first_seen_date_id,
    last_seen_date_id = agg.last_seen_date_id, sightings = agg.sightings
FROM (
    SELECT * FROM paper_stats AS s WHERE NOT EXISTS (SELECT 1 FROM new_papers AS n WHERE n.paper_id = s.paper_id)
) AS agg
WHERE papers.paper_id = agg.paper_id
