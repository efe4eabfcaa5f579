-- Shown text (`text_id`) and card fields of each touched paper that still has sightings: the text
-- of its most recent sighting, each card field from the most recent sighting that has it;
-- recency = (listing date, file name, position), so the load order does not matter.
-- creates: paper_stats
-- reads: touched_papers
CREATE TEMP TABLE paper_stats AS
SELECT sighted.*, d.date AS published_date FROM (
    SELECT a.paper_id,
           arg_max(a.text_id, (a.listing_date_id, f.file_name, a.position)) AS text_id,
           arg_max(a.author_count, (a.listing_date_id, f.file_name, a.position))
               FILTER (WHERE a.author_count IS NOT NULL) AS author_count,
           arg_max(a.organization_id, (a.listing_date_id, f.file_name, a.position))
               FILTER (WHERE a.organization_id IS NOT NULL) AS organization_id,
           arg_max(a.card_date_id, (a.listing_date_id, f.file_name, a.position))
               FILTER (WHERE a.card_date_id IS NOT NULL) AS published_date_id,
           arg_max(a.upvotes, (a.listing_date_id, f.file_name, a.position))
               FILTER (WHERE a.upvotes IS NOT NULL) AS upvotes,
           min(a.listing_date_id) AS first_seen_date_id,
           max(a.listing_date_id) AS last_seen_date_id,
           count(*) AS sightings
    FROM paper_appearances a JOIN source_files f USING (file_id)
    WHERE a.paper_id IN (SELECT paper_id FROM touched_papers)
    GROUP BY a.paper_id
) AS sighted LEFT JOIN dates AS d ON d.date_id = sighted.published_date_id
