-- The sightings of the incoming versions that loaded.
-- creates: incoming_appearances
-- reads: incoming_files
CREATE TEMP TABLE incoming_appearances AS
SELECT * FROM stg_paper_appearances
WHERE file_id IN (SELECT file_id FROM incoming_files WHERE status = 'loaded')
