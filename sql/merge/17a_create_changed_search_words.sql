-- The indexed words of the papers whose shown text changes (new ones included), for the
-- full-text search index: each word of the title, then of the abstract (search_words), with its
-- place among them (stop words counted, so a phrase skips them) and its term (search_term); stop
-- words are left out. The text is read where the step updating the papers' texts reads it (the
-- batch's texts, or paper_texts for one loaded before), never from papers: a join there would
-- read every stored abstract. The index depends on a paper's text alone, so incremental loads
-- and a fresh one index alike.
-- creates: changed_search_words
-- reads: changed_texts
CREATE TEMP TABLE changed_search_words AS
SELECT t.paper_id, search_term(w.word) AS term, w.position
FROM (
    SELECT paper_id, text_id, title, abstract FROM stg_papers
    WHERE text_id IN (SELECT text_id FROM changed_texts)
    UNION
    SELECT paper_id, text_id, title, abstract FROM stg_paper_texts
    WHERE text_id IN (SELECT text_id FROM changed_texts)
    UNION
    SELECT paper_id, text_id, title, abstract FROM paper_texts
    WHERE text_id IN (SELECT text_id FROM changed_texts)
) AS t
JOIN changed_texts AS c ON c.paper_id = t.paper_id AND c.text_id = t.text_id
CROSS JOIN LATERAL unnest(search_words(t.title || ' ' || t.abstract)) WITH ORDINALITY AS w (word, position)
WHERE NOT EXISTS (SELECT 1 FROM search_stopwords AS s WHERE s.word = w.word)
