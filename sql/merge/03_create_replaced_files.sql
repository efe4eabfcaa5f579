-- Versions of a file that a newly loaded version replaces (held ones: loaded or rejected): their sightings go.
-- creates: replaced_files
-- reads: incoming_files
-- binds: held
CREATE TEMP TABLE replaced_files AS
SELECT f.file_id FROM source_files f JOIN incoming_files s USING (file_name)
WHERE s.status = 'loaded' AND f.file_id <> s.file_id AND f.status IN (SELECT unnest(CAST(:held AS VARCHAR[])))
