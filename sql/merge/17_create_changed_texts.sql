-- Touched papers whose shown text changes: new papers, and known papers whose most recent
-- sighting now prints another text (it was added, or the one that was newest went). Only their
-- title, abstract, links and keywords are written; `is_new` tells the two apart.
-- creates: changed_texts
-- reads: paper_stats
CREATE TEMP TABLE changed_texts AS
SELECT s.paper_id, s.text_id, p.paper_id IS NULL AS is_new
FROM paper_stats AS s LEFT JOIN papers AS p ON p.paper_id = s.paper_id
WHERE p.paper_id IS NULL OR p.text_id <> s.text_id
