-- The changed papers' postings in the full-text search index, counted by the batch (etl.search)
-- or by the merge for a text the batch did not extract, ordered by term, so that each load's
-- postings of a term lie together and search_papers' scans skip the row groups that do not
-- hold its terms.
-- reads: changed_texts
INSERT INTO search_postings (term, paper_id, tf)
SELECT term, paper_id, tf FROM (
    SELECT p.term, p.paper_id, p.tf FROM stg_search_postings AS p
    JOIN changed_texts AS c ON c.paper_id = p.paper_id
    JOIN stg_papers AS s ON s.paper_id = p.paper_id AND s.text_id = c.text_id AND s.extracted
    UNION ALL SELECT term, paper_id, tf FROM stg_retext_search_postings
) AS changed
ORDER BY term, paper_id
