-- The new papers' links.
INSERT INTO paper_links SELECT paper_id, link_id, ordinal FROM stg_paper_links
WHERE paper_id IN (SELECT paper_id FROM new_papers)
