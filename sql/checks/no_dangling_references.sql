-- No reference of the checked papers' rows points at a missing row. A load changes no other
-- row (the links and keywords it deletes are only those no paper names), so this is the
-- whole rule at a cost proportional to the load. A superseded or removed version's listing date
-- is history, not a key (its date goes with its last sighting). Rows: (reference, dangling rows, same).
WITH counts AS (
    SELECT 1 AS k, 'paper_links.link_id -> links' AS what, count(*) AS n FROM checked_paper_links
    WHERE link_id IN (SELECT link_id FROM checked_links_counts WHERE stored = 0)
    UNION ALL
    SELECT 2, 'paper_keywords.keyword_id -> keywords', count(*) FROM checked_paper_keywords
    WHERE keyword_id IN (SELECT keyword_id FROM checked_keywords_counts WHERE stored = 0)
    UNION ALL
    SELECT 3, 'paper_appearances.paper_id -> papers', count(*)
    FROM checked_paper_appearances AS r
    WHERE NOT EXISTS (SELECT 1 FROM checked_papers AS p WHERE p.paper_id = r.paper_id)
    UNION ALL
    SELECT 4, 'paper_appearances.file_id -> source_files', count(*)
    FROM (SELECT DISTINCT file_id FROM checked_paper_appearances) AS r
    WHERE NOT EXISTS (SELECT 1 FROM source_files AS f WHERE f.file_id = r.file_id)
    UNION ALL
    SELECT 5, 'paper_links.paper_id -> papers', count(*)
    FROM checked_paper_links AS r
    WHERE NOT EXISTS (SELECT 1 FROM checked_papers AS p WHERE p.paper_id = r.paper_id)
    UNION ALL
    SELECT 6, 'paper_keywords.paper_id -> papers', count(*)
    FROM checked_paper_keywords AS r
    WHERE NOT EXISTS (SELECT 1 FROM checked_papers AS p WHERE p.paper_id = r.paper_id)
    UNION ALL
    SELECT 7, '*.organization_id -> organizations', count(*)
    FROM (
        SELECT organization_id FROM checked_papers
        UNION ALL SELECT organization_id FROM checked_paper_appearances
    ) r
    WHERE organization_id IS NOT NULL AND organization_id NOT IN (SELECT organization_id FROM organizations)
    UNION ALL
    SELECT 8, '*_date_id -> dates', count(*)
    FROM (
        SELECT listing_date_id AS d FROM checked_paper_appearances
        UNION ALL SELECT card_date_id FROM checked_paper_appearances
        UNION ALL SELECT published_date_id FROM checked_papers
        UNION ALL SELECT first_seen_date_id FROM checked_papers
        UNION ALL SELECT last_seen_date_id FROM checked_papers
        UNION ALL SELECT listing_date_id FROM source_files WHERE status = 'loaded'
    ) r
    WHERE d IS NOT NULL AND d NOT IN (SELECT date_id FROM dates)
)
SELECT what, n AS detail, n AS broken FROM counts ORDER BY k
