-- The released papers' links (skipped when there is none).
DELETE FROM paper_links WHERE paper_id IN (SELECT paper_id FROM released_papers)
