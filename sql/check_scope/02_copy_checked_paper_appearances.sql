-- The checked papers' sightings, key and reference columns only.
CREATE TEMP TABLE checked_paper_appearances AS
SELECT paper_id, file_id, organization_id, listing_date_id, card_date_id
FROM paper_appearances WHERE paper_id IN (SELECT paper_id FROM check_scope)
