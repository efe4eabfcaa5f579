-- A paper's links depend only on its shown text: written when it changes. links carries no index
-- (see models): stored keys are filtered out first, reading only the stored keys the batch names.
-- reads: changed_paper_links
INSERT INTO links
SELECT link_id, url, host, kind FROM (
    SELECT link_id, url, host, kind FROM stg_links UNION SELECT link_id, url, host, kind FROM stg_retext_links
) AS l
WHERE link_id IN (SELECT link_id FROM changed_paper_links)
  AND link_id NOT IN (SELECT link_id FROM links WHERE link_id IN (SELECT link_id FROM changed_paper_links))
