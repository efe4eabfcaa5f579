-- The full-text search index as the head migration makes it (0009), built again by a first backfill
-- that dropped it (`drop_search_index`), or by the next load when that backfill did not finish.
-- One CREATE INDEX over the loaded papers reads each text once and sorts the entries in memory
-- (maintenance_work_mem, set by the caller); kept up row by row, the backfill's inserts paid for
-- the pending list as well. tests/etl/engines/test_postgresql.py checks it is the migrations' index.
CREATE INDEX IF NOT EXISTS ix_papers_search ON papers USING gin ((
    setweight(to_tsvector('english', left(title, 10000)), 'A')
    || setweight(to_tsvector('english', left(coalesce(abstract, ''), 100000)), 'B')
))
