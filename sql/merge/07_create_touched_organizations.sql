-- Organizations whose sightings this merge adds or removes: their names are taken again from
-- the sightings left, and one left with none goes.
-- creates: touched_organizations
-- reads: incoming_appearances, replaced_files, removed_files
CREATE TEMP TABLE touched_organizations AS
SELECT DISTINCT organization_id FROM paper_appearances
WHERE file_id IN (SELECT file_id FROM replaced_files UNION ALL SELECT file_id FROM removed_files)
  AND organization_id IS NOT NULL
UNION SELECT organization_id FROM incoming_appearances WHERE organization_id IS NOT NULL
