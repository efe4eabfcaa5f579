-- v_paper_links: one row per paper link (its inner joins follow keys the integrity rules hold).
SELECT count(*) FROM paper_links
