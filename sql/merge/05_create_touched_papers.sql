-- Every paper whose sightings this merge adds or removes: the papers the card fields and the
-- integrity rules are computed for.
-- creates: touched_papers
-- reads: incoming_appearances, replaced_files, removed_files
CREATE TEMP TABLE touched_papers AS
SELECT DISTINCT paper_id FROM paper_appearances
WHERE file_id IN (SELECT file_id FROM replaced_files UNION ALL SELECT file_id FROM removed_files)
UNION SELECT paper_id FROM incoming_appearances
