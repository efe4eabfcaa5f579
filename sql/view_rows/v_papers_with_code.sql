-- v_papers_with_code: one row per paper whose abstract links to at least one code host.
SELECT count(DISTINCT pl.paper_id)
FROM paper_links AS pl
INNER JOIN links AS l ON l.link_id = pl.link_id
WHERE l.kind = 'code'
