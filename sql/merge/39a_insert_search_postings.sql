-- The changed papers' postings in the full-text search index, counted by the batch (etl.search,
-- which orders them by term) or by the merge for a text the batch did not extract. Kept in the
-- frames' order (a filter, no sort), so that each load's postings of a term lie together and
-- search_papers' scans skip the row groups that do not hold its terms.
-- reads: changed_texts
INSERT INTO search_postings (term, paper_id, tf, length, positions)
SELECT term, paper_id, tf, length, positions FROM stg_search_postings
WHERE paper_id IN (
    SELECT c.paper_id FROM changed_texts AS c
    JOIN stg_papers AS s ON s.paper_id = c.paper_id AND s.text_id = c.text_id AND s.extracted
)
UNION ALL SELECT term, paper_id, tf, length, positions FROM stg_retext_search_postings
