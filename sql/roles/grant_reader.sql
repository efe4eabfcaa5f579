-- Let {role} read the warehouse and nothing else: its schema, every table and view in it, and
-- every one a later load or migration creates (a migration drops and re-creates the views it
-- changes). Later objects are {loader}'s, the role that runs the migrations: the default
-- privileges are that role's, whoever grants (the loader itself, or a superuser).
ALTER DEFAULT PRIVILEGES FOR ROLE {loader} IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role};
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role};
