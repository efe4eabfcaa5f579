-- The changed papers' keywords.
INSERT INTO paper_keywords SELECT paper_id, keyword_id, score, rank FROM changed_paper_keywords
