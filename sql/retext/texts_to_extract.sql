-- The papers whose shown text changed in this merge and whose links and keywords the batch did
-- not extract from that text (the text was loaded before, or an earlier batch of the load
-- extracted it): the merge extracts them. Read after the papers took their new texts.
SELECT p.paper_id, p.title, p.abstract
FROM papers AS p JOIN changed_texts AS c ON c.paper_id = p.paper_id
WHERE NOT EXISTS (
    SELECT 1 FROM stg_papers AS s WHERE s.paper_id = c.paper_id AND s.text_id = c.text_id AND s.extracted
)
ORDER BY p.paper_id
