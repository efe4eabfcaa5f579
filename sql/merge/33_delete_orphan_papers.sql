-- The orphan papers (skipped when there is none).
DELETE FROM papers WHERE paper_id IN (SELECT paper_id FROM orphan_papers)
