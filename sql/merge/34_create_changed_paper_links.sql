-- The links of the papers whose shown text changed: extracted by the batch from that text, or
-- by the merge (`stg_retext_paper_links`) when the batch did not (the text was loaded before,
-- or an earlier batch of the load extracted it).
-- creates: changed_paper_links
-- reads: changed_texts
CREATE TEMP TABLE changed_paper_links AS
SELECT l.paper_id, l.link_id, l.ordinal FROM stg_paper_links AS l
JOIN changed_texts AS c ON c.paper_id = l.paper_id
JOIN stg_papers AS s ON s.paper_id = l.paper_id AND s.text_id = c.text_id AND s.extracted
UNION ALL SELECT paper_id, link_id, ordinal FROM stg_retext_paper_links
