-- Each touched organization's name as printed by its most recent sighting; recency = (listing
-- date, file name, position), so the load order does not matter.
-- PostgreSQL has no arg_max: DISTINCT ON keeps each organization's most recent sighting. File
-- names compare byte by byte (COLLATE "C"), as DuckDB compares them, whatever the database's locale.
-- reads: touched_organizations
UPDATE organizations SET name = l.name
FROM (
    SELECT DISTINCT ON (a.organization_id) a.organization_id, a.organization_name AS name
    FROM paper_appearances a JOIN source_files f USING (file_id)
    WHERE a.organization_id IN (SELECT organization_id FROM touched_organizations)
    ORDER BY a.organization_id, a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC
) AS l
WHERE organizations.organization_id = l.organization_id AND organizations.name <> l.name
