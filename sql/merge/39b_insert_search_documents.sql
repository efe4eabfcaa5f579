-- The changed papers' documents: how many indexed words each holds (0 for a text of stop words
-- only), BM25's document length, counted where their postings were.
-- reads: changed_texts
INSERT INTO search_documents (paper_id, terms)
SELECT paper_id, terms FROM stg_search_documents
WHERE paper_id IN (
    SELECT c.paper_id FROM changed_texts AS c
    JOIN stg_papers AS s ON s.paper_id = c.paper_id AND s.text_id = c.text_id AND s.extracted
)
UNION ALL SELECT paper_id, terms FROM stg_retext_search_documents
