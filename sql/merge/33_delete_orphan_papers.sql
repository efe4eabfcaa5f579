-- The orphan papers (skipped when there is none).
-- reads: orphan_papers
-- skipped unless: released
DELETE FROM papers WHERE paper_id IN (SELECT paper_id FROM orphan_papers)
