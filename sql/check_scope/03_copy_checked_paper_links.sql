-- The checked papers' links.
CREATE TEMP TABLE checked_paper_links AS
SELECT paper_id, link_id FROM paper_links WHERE paper_id IN (SELECT paper_id FROM check_scope)
