-- Links of the orphan papers (skipped when there is none).
CREATE TEMP TABLE orphan_links AS
SELECT DISTINCT link_id FROM paper_links WHERE paper_id IN (SELECT paper_id FROM orphan_papers)
