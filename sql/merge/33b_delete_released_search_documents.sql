-- The released papers' documents (lengths) in the full-text search index (skipped when there is none).
-- reads: released_papers
-- skipped unless: released
DELETE FROM search_documents WHERE paper_id IN (SELECT paper_id FROM released_papers)
