-- Handles the warehouse lacks; every touched organization's name is set from its sightings below.
INSERT INTO organizations SELECT organization_id, handle, name FROM stg_organizations ON CONFLICT DO NOTHING
