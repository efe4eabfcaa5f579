-- The released papers' keywords (skipped when there is none).
-- reads: released_papers
-- skipped unless: released
DELETE FROM paper_keywords WHERE paper_id IN (SELECT paper_id FROM released_papers)
