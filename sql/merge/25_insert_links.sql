-- A paper's links depend only on its text: computed once, when it is new. links carries no index
-- (see models): stored keys are filtered out first, reading only the stored keys the batch names.
INSERT INTO links SELECT link_id, url, host, kind FROM stg_links
WHERE link_id IN (SELECT link_id FROM stg_paper_links WHERE paper_id IN (SELECT paper_id FROM new_papers))
  AND link_id NOT IN (SELECT link_id FROM links WHERE link_id IN (SELECT link_id FROM stg_links))
