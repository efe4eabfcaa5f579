-- The text a known paper shows until now, before it is replaced: kept in paper_texts, as the
-- paper may still have sightings that print it (the step deleting unsighted texts sorts that out).
-- reads: changed_texts
INSERT INTO paper_texts (text_id, paper_id, title, abstract)
SELECT p.text_id, p.paper_id, p.title, p.abstract FROM papers AS p
WHERE p.paper_id IN (SELECT paper_id FROM changed_texts WHERE NOT is_new)
  AND NOT EXISTS (SELECT 1 FROM paper_texts AS t WHERE t.text_id = p.text_id)
