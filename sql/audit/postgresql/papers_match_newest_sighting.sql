-- Every paper and organization shows what its newest sighting shows, as a fresh load of the same
-- dumps would (recency = listing date, file name, position): the paper's text is the one its
-- text_id names and the newest sighting prints, each card field the newest sighting's that has it,
-- first and last seen dates and the sighting count its sightings', and an organization's name the
-- one its newest sighting prints. An incremental load that kept a field of a sighting that has
-- gone (a replaced or pruned dump) breaks it. Rows: (field, papers or organizations, same).
-- PostgreSQL has no arg_max: the first of the values ordered by recency, newest first (file names
-- byte by byte, COLLATE "C", as DuckDB compares them); the key's hash as etl.keys makes it.
WITH newest AS (
    SELECT a.paper_id,
           (array_agg(a.text_id ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC))[1] AS text_id,
           (array_agg(a.author_count ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC) FILTER (WHERE a.author_count IS NOT NULL))[1] AS author_count,
           (array_agg(a.organization_id ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC) FILTER (WHERE a.organization_id IS NOT NULL))[1] AS organization_id,
           (array_agg(a.card_date_id ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC) FILTER (WHERE a.card_date_id IS NOT NULL))[1] AS published_date_id,
           (array_agg(a.upvotes ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC) FILTER (WHERE a.upvotes IS NOT NULL))[1] AS upvotes,
           min(a.listing_date_id) AS first_seen_date_id,
           max(a.listing_date_id) AS last_seen_date_id,
           count(*) AS sightings
    FROM paper_appearances AS a JOIN source_files AS f USING (file_id)
    GROUP BY a.paper_id
), newest_names AS (
    SELECT a.organization_id, (array_agg(a.organization_name ORDER BY a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC))[1] AS name
    FROM paper_appearances AS a JOIN source_files AS f USING (file_id)
    WHERE a.organization_id IS NOT NULL
    GROUP BY a.organization_id
), paper_counts AS (
    SELECT
        count(*) FILTER (WHERE p.text_id IS DISTINCT FROM s.text_id) AS text_id,
        count(*) FILTER (WHERE p.author_count IS DISTINCT FROM s.author_count) AS author_count,
        count(*) FILTER (WHERE p.organization_id IS DISTINCT FROM s.organization_id) AS organization_id,
        count(*) FILTER (WHERE p.published_date_id IS DISTINCT FROM s.published_date_id) AS published_date_id,
        count(*) FILTER (WHERE p.upvotes IS DISTINCT FROM s.upvotes) AS upvotes,
        count(*) FILTER (WHERE p.first_seen_date_id IS DISTINCT FROM s.first_seen_date_id) AS first_seen_date_id,
        count(*) FILTER (WHERE p.last_seen_date_id IS DISTINCT FROM s.last_seen_date_id) AS last_seen_date_id,
        count(*) FILTER (WHERE p.sightings IS DISTINCT FROM s.sightings) AS sightings
    FROM papers AS p JOIN newest AS s USING (paper_id)
), counts AS (
    SELECT 1 AS k, 'papers without a sighting' AS what, count(*) AS n FROM papers AS p
    WHERE NOT EXISTS (SELECT 1 FROM paper_appearances AS a WHERE a.paper_id = p.paper_id)
    UNION ALL SELECT 2, 'papers.title and abstract -> text_id', count(*) FROM papers
    WHERE ((('x' || substr(encode(sha256(convert_to(title || chr(31) || abstract, 'UTF8')), 'hex'), 1, 16))::bit(64) >> 11)::bigint) <> text_id
    UNION ALL SELECT 3, 'papers.text_id', text_id FROM paper_counts
    UNION ALL SELECT 4, 'papers.author_count', author_count FROM paper_counts
    UNION ALL SELECT 5, 'papers.organization_id', organization_id FROM paper_counts
    UNION ALL SELECT 6, 'papers.published_date_id', published_date_id FROM paper_counts
    UNION ALL SELECT 7, 'papers.upvotes', upvotes FROM paper_counts
    UNION ALL SELECT 8, 'papers.first_seen_date_id', first_seen_date_id FROM paper_counts
    UNION ALL SELECT 9, 'papers.last_seen_date_id', last_seen_date_id FROM paper_counts
    UNION ALL SELECT 10, 'papers.sightings', sightings FROM paper_counts
    UNION ALL SELECT 11, 'organizations.name', count(*)
    FROM organizations AS o JOIN newest_names AS n USING (organization_id) WHERE o.name IS DISTINCT FROM n.name
)
SELECT what, n AS detail, n AS broken FROM counts ORDER BY k
