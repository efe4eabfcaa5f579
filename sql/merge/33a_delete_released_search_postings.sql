-- The released papers' postings in the full-text search index: an orphan's, and those of a
-- paper that shows another text, which the steps after give again (skipped when there is none).
-- reads: released_papers
-- skipped unless: released
DELETE FROM search_postings WHERE paper_id IN (SELECT paper_id FROM released_papers)
