-- A touched organization that no sighting names any more goes.
-- reads: touched_organizations
DELETE FROM organizations
WHERE organization_id IN (SELECT organization_id FROM touched_organizations)
  AND NOT EXISTS (SELECT 1 FROM paper_appearances AS a WHERE a.organization_id = organizations.organization_id)
