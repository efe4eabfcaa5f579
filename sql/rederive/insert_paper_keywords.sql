-- The batch's papers' keywords as the current extractor derives them.
INSERT INTO paper_keywords (paper_id, keyword_id, form, score, rank)
SELECT paper_id, keyword_id, form, score, rank FROM stg_rederived_paper_keywords
