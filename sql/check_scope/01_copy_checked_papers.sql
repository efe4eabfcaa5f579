-- The checked papers' rows of papers, key and reference columns only (copying the text would
-- cost a scan of it): every per-paper rule reads this copy instead of the whole table.
CREATE TEMP TABLE checked_papers AS
SELECT paper_id, organization_id, published_date_id, first_seen_date_id, last_seen_date_id
FROM papers WHERE paper_id IN (SELECT paper_id FROM check_scope)
