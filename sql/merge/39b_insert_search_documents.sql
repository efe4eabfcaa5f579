-- The changed papers' documents: how many indexed words each holds (0 for a text of stop words
-- only), BM25's document length.
-- reads: changed_texts, changed_search_words
INSERT INTO search_documents (paper_id, terms)
SELECT c.paper_id, count(w.term)
FROM changed_texts AS c LEFT JOIN changed_search_words AS w ON w.paper_id = c.paper_id
GROUP BY c.paper_id
