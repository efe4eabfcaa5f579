-- Keywords of the released papers (skipped when there is none).
-- creates: released_keywords
-- reads: released_papers
-- skipped unless: released
CREATE TEMP TABLE released_keywords AS
SELECT DISTINCT keyword_id FROM paper_keywords WHERE paper_id IN (SELECT paper_id FROM released_papers)
