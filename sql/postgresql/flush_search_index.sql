-- Move the search index's pending entries into the index proper, inside the batch's transaction.
-- A GIN index queues new entries in a pending list (fastupdate) and merges the whole list into
-- the index when it outgrows gin_pending_list_limit: left alone, that merge lands on whichever
-- later load crosses the limit (a second or more on a large warehouse, for a dump of 100 papers),
-- and searches scan the list meanwhile. Flushed here, each batch pays for its own entries.
-- A first backfill has dropped the index until its end (NULL: nothing to flush).
SELECT gin_clean_pending_list(to_regclass('ix_papers_search'))
