-- Links of the released papers (skipped when there is none).
-- creates: released_links
-- reads: released_papers
-- skipped unless: released
CREATE TEMP TABLE released_links AS
SELECT DISTINCT link_id FROM paper_links WHERE paper_id IN (SELECT paper_id FROM released_papers)
