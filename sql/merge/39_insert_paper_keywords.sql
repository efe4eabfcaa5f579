-- The changed papers' keywords.
-- reads: changed_paper_keywords
INSERT INTO paper_keywords (paper_id, keyword_id, form, score, rank)
SELECT paper_id, keyword_id, form, score, rank FROM changed_paper_keywords
