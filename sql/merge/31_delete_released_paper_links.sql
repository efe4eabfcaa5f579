-- The released papers' links (skipped when there is none).
-- reads: released_papers
-- skipped unless: released
DELETE FROM paper_links WHERE paper_id IN (SELECT paper_id FROM released_papers)
