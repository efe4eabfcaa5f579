-- The changed papers' links.
-- reads: changed_paper_links
INSERT INTO paper_links SELECT paper_id, link_id, ordinal FROM changed_paper_links
