-- The role that runs the warehouse's migrations (it created alembic_version, and creates every
-- later table and view), with the schema and the role connected now.
SELECT current_schema(), t.tableowner, current_user
FROM pg_tables AS t
WHERE t.schemaname = current_schema() AND t.tablename = 'alembic_version'
