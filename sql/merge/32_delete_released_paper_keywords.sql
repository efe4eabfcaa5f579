-- The released papers' keywords (skipped when there is none).
DELETE FROM paper_keywords WHERE paper_id IN (SELECT paper_id FROM released_papers)
