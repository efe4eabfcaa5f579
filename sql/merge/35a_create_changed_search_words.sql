-- The indexed words of the papers whose shown text changed (new ones included), for the
-- full-text search index: each word of the title, then of the abstract (search_words), with its
-- place among them (stop words counted, so a phrase skips them) and its term (search_term); stop
-- words are left out. Only the changed papers' texts are read. The index depends on a paper's
-- text alone, so incremental loads and a fresh one index alike.
-- creates: changed_search_words
-- reads: changed_texts
CREATE TEMP TABLE changed_search_words AS
SELECT p.paper_id, search_term(w.word) AS term, w.position
FROM papers AS p
JOIN changed_texts AS c ON c.paper_id = p.paper_id
CROSS JOIN LATERAL unnest(search_words(p.title || ' ' || p.abstract)) WITH ORDINALITY AS w (word, position)
WHERE NOT EXISTS (SELECT 1 FROM search_stopwords AS s WHERE s.word = w.word)
