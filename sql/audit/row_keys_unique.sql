-- The audit's form of row_keys_unique, over whole tables: each sighting (file_id, position) of
-- any dump version, and each paper link, paper keyword, link and keyword, is stored once, also
-- rows no paper names. Rows: (what, detail, broken).
WITH counts AS (
    SELECT 1 AS k, 'paper_appearances' AS what, count(*) - count(DISTINCT (file_id, position)) AS n
    FROM paper_appearances
    UNION ALL
    SELECT 2, 'paper_links', count(*) - count(DISTINCT (paper_id, link_id)) FROM paper_links
    UNION ALL
    SELECT 3, 'paper_keywords', count(*) - count(DISTINCT (paper_id, keyword_id)) FROM paper_keywords
    UNION ALL
    SELECT 4, 'links', count(*) - count(DISTINCT link_id) FROM links
    UNION ALL
    SELECT 5, 'keywords', count(*) - count(DISTINCT keyword_id) FROM keywords
)
SELECT what, n AS detail, n AS broken FROM counts ORDER BY k
