-- Each link the checked papers name, with how many rows of links store it (one scan of links):
-- 0 is a dangling reference, 2 or more a duplicated key.
CREATE TEMP TABLE checked_links_counts AS
SELECT r.link_id, count(t.link_id) AS stored
FROM (SELECT DISTINCT link_id FROM checked_paper_links) r LEFT JOIN links t USING (link_id)
GROUP BY r.link_id
