-- The new papers' keywords.
INSERT INTO paper_keywords SELECT paper_id, keyword_id, score, rank FROM stg_paper_keywords
WHERE paper_id IN (SELECT paper_id FROM new_papers)
