-- Let {role} read the warehouse and nothing else: its schema, every table and view in it, and
-- every one a later load or migration creates (a migration drops and re-creates the views it changes).
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role};
