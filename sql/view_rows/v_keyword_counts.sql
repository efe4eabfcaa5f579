-- v_keyword_counts: one row per keyword that at least one paper carries.
SELECT count(DISTINCT keyword_id) FROM paper_keywords
