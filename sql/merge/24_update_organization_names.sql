-- Each touched organization's name as printed by its most recent sighting; recency = (listing
-- date, file name, position), so the load order does not matter.
-- reads: touched_organizations
UPDATE organizations SET name = l.name
FROM (
    SELECT a.organization_id, arg_max(a.organization_name, (a.listing_date_id, f.file_name, a.position)) AS name
    FROM paper_appearances a JOIN source_files f USING (file_id)
    WHERE a.organization_id IN (SELECT organization_id FROM touched_organizations)
    GROUP BY a.organization_id
) AS l
WHERE organizations.organization_id = l.organization_id AND organizations.name <> l.name
