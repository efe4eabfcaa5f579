-- The dump versions refused whole (rejected) or held back (suspect), with why: no view shows them,
-- so this reads `source_files`, the loads' own record (read-only, as every query of the report).
-- binds:
select file_name, status, error, loaded_at
from source_files
where status in ('rejected', 'suspect')
order by loaded_at desc, file_name
