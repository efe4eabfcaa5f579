-- The batch's dump versions not loaded yet. Merging the same batch twice changes nothing; a version
-- held as rejected and read again (a listing-year setting changed) replaces its row.
-- creates: incoming_files
CREATE TEMP TABLE incoming_files AS
SELECT * FROM stg_source_files
WHERE file_id NOT IN (SELECT file_id FROM source_files WHERE status = 'loaded')
