-- A first backfill of several transactions drops the full-text search index in a transaction of
-- its own (the drop locks papers against readers until it commits) and builds it again in its
-- last (`create_search_index`): searches meanwhile read every paper (the same rows, slower).
DROP INDEX IF EXISTS ix_papers_search
