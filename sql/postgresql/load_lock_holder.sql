-- The session holding paperhouse's load lock in this database (a session advisory lock on one bigint key), if any.
SELECT a.pid, a.application_name, CAST(a.client_addr AS text)
FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((CAST(l.classid AS bigint) << 32) | CAST(l.objid AS bigint)) = :key
LIMIT 1
