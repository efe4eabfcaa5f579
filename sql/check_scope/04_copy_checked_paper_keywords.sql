-- The checked papers' keywords.
CREATE TEMP TABLE checked_paper_keywords AS
SELECT paper_id, keyword_id FROM paper_keywords WHERE paper_id IN (SELECT paper_id FROM check_scope)
