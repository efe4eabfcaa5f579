-- The changed papers' postings, ordered by term, so that each load's postings of a term lie
-- together and search_papers' scans skip the row groups that do not hold its terms.
-- reads: changed_search_words
INSERT INTO search_postings (term, paper_id, tf, positions)
SELECT term, paper_id, count(*), array_agg(position ORDER BY position)
FROM changed_search_words
GROUP BY term, paper_id
ORDER BY term, paper_id
