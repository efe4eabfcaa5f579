-- v_papers: one row per paper (every join is a left join on a key, every aggregate is per paper).
SELECT count(*) FROM papers
