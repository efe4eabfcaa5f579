-- The batch's other printed texts of its papers (not the one each paper shows), kept for the day
-- the sighting that is newest goes.
-- reads: incoming_appearances, paper_stats
INSERT INTO paper_texts (text_id, paper_id, title, abstract)
SELECT b.text_id, b.paper_id, b.title, b.abstract FROM stg_paper_texts AS b
WHERE b.text_id IN (SELECT text_id FROM incoming_appearances)
  AND NOT EXISTS (SELECT 1 FROM paper_stats AS s WHERE s.text_id = b.text_id)
  AND NOT EXISTS (SELECT 1 FROM paper_texts AS t WHERE t.text_id = b.text_id)
