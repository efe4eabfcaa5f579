-- The audit's scope: every paper id any table names, so the per-paper rules cover every row
-- that names a paper (a row whose paper is missing included).
SELECT paper_id FROM papers
UNION SELECT paper_id FROM paper_appearances
UNION SELECT paper_id FROM paper_links
UNION SELECT paper_id FROM paper_keywords
