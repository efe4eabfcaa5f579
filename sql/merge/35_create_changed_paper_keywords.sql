-- The keywords of the papers whose shown text changed, found as their links are, each with the
-- form the paper writes it in.
-- creates: changed_paper_keywords
-- reads: changed_texts
CREATE TEMP TABLE changed_paper_keywords AS
SELECT k.paper_id, k.keyword_id, k.form, k.score, k.rank FROM stg_paper_keywords AS k
JOIN changed_texts AS c ON c.paper_id = k.paper_id
JOIN stg_papers AS s ON s.paper_id = k.paper_id AND s.text_id = c.text_id AND s.extracted
UNION ALL SELECT paper_id, keyword_id, form, score, rank FROM stg_retext_paper_keywords
