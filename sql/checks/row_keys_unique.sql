-- Each sighting (file_id, position) of the loaded dumps (:ids), and each paper link, paper
-- keyword, link and keyword the checked papers name, is stored once. These tables carry no
-- index (see models), so this rule is what keeps their keys unique. Rows: (what, detail, broken).
WITH counts AS (
    SELECT 1 AS k, 'paper_appearances' AS what, count(*) - count(DISTINCT (file_id, position)) AS n
    FROM paper_appearances WHERE file_id IN (SELECT unnest(CAST(:ids AS BIGINT[])))
    UNION ALL
    SELECT 2, 'paper_links', count(*) - count(DISTINCT (paper_id, link_id)) FROM checked_paper_links
    UNION ALL
    SELECT 3, 'paper_keywords', count(*) - count(DISTINCT (paper_id, keyword_id)) FROM checked_paper_keywords
    UNION ALL
    SELECT 4, 'links', coalesce(sum(stored - 1), 0) FROM checked_links_counts WHERE stored > 1
    UNION ALL
    SELECT 5, 'keywords', coalesce(sum(stored - 1), 0) FROM checked_keywords_counts WHERE stored > 1
)
SELECT what, n AS detail, n AS broken FROM counts ORDER BY k
