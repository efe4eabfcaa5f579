-- Organizations, with the name as printed last.
INSERT INTO organizations SELECT organization_id, handle, name FROM stg_organizations
ON CONFLICT (organization_id) DO UPDATE SET name = excluded.name
