-- The orphan papers' links (skipped when there is none).
DELETE FROM paper_links WHERE paper_id IN (SELECT paper_id FROM orphan_papers)
