-- The next batch of papers to derive again: at most :batch, in key order, after the last key of
-- the batch before (:after; keyset pagination reads each paper once whatever the batch size).
SELECT paper_id, title, abstract FROM papers
WHERE paper_id > :after
ORDER BY paper_id
LIMIT :batch
