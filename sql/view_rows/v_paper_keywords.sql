-- v_paper_keywords: one row per paper keyword (its inner joins follow keys the integrity rules hold).
SELECT count(*) FROM paper_keywords
