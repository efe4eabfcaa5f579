-- Keywords of the orphan papers (skipped when there is none).
CREATE TEMP TABLE orphan_keywords AS
SELECT DISTINCT keyword_id FROM paper_keywords WHERE paper_id IN (SELECT paper_id FROM orphan_papers)
