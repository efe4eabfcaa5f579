-- Shown text (`text_id`) and card fields of each touched paper that still has sightings: the text
-- of its most recent sighting, each card field from the most recent sighting that has it;
-- recency = (listing date, file name, position), so the load order does not matter.
-- PostgreSQL has no arg_max: the first of the values ordered by recency, newest first. File
-- names compare byte by byte (COLLATE "C"), as DuckDB compares them, whatever the database's locale.
-- creates: paper_stats
-- reads: touched_papers
CREATE TEMP TABLE paper_stats AS
SELECT sighted.*, d.date AS published_date FROM (
    SELECT a.paper_id,
           (array_agg(a.text_id ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC))[1]
               AS text_id,
           (array_agg(a.author_count ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC)
               FILTER (WHERE a.author_count IS NOT NULL))[1] AS author_count,
           (array_agg(a.organization_id ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC)
               FILTER (WHERE a.organization_id IS NOT NULL))[1] AS organization_id,
           (array_agg(a.card_date_id ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC)
               FILTER (WHERE a.card_date_id IS NOT NULL))[1] AS published_date_id,
           (array_agg(a.upvotes ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC)
               FILTER (WHERE a.upvotes IS NOT NULL))[1] AS upvotes,
           min(a.listing_date_id) AS first_seen_date_id,
           max(a.listing_date_id) AS last_seen_date_id,
           count(*) AS sightings
    FROM paper_appearances a JOIN source_files f USING (file_id)
    WHERE a.paper_id IN (SELECT paper_id FROM touched_papers)
    GROUP BY a.paper_id
) AS sighted LEFT JOIN dates AS d ON d.date_id = sighted.published_date_id
