-- Papers left with no sighting: they go, with their links and keywords.
-- creates: orphan_papers
-- reads: touched_papers
CREATE TEMP TABLE orphan_papers AS
SELECT t.paper_id FROM touched_papers AS t
WHERE NOT EXISTS (SELECT 1 FROM paper_appearances AS a WHERE a.paper_id = t.paper_id)
