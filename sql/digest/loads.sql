-- The loads' record (`source_files`): dump versions by status, and the time of the last load that
-- recorded one (UTC).
-- binds:
select status, count(*) as versions, max(loaded_at) as last_loaded_at
from source_files
group by status
order by status
