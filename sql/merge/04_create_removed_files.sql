-- With pruning (:prune), dumps no longer in the folder go too.
-- creates: removed_files
-- binds: prune, held
CREATE TEMP TABLE removed_files AS
SELECT file_id FROM source_files
WHERE CAST(:prune AS BOOLEAN) AND status IN (SELECT unnest(CAST(:held AS VARCHAR[])))
  AND file_name NOT IN (SELECT file_name FROM stg_present_files)
