-- Dates that the sightings and versions this merge removes refer to: those no row refers to
-- afterwards go (the last step), so the dimension holds what a fresh load of the same dumps holds.
-- creates: released_dates
-- reads: replaced_files, removed_files
CREATE TEMP TABLE released_dates AS
SELECT listing_date_id AS date_id FROM paper_appearances
WHERE file_id IN (SELECT file_id FROM replaced_files UNION ALL SELECT file_id FROM removed_files)
UNION SELECT card_date_id FROM paper_appearances
WHERE file_id IN (SELECT file_id FROM replaced_files UNION ALL SELECT file_id FROM removed_files)
  AND card_date_id IS NOT NULL
UNION SELECT listing_date_id FROM source_files
WHERE file_id IN (SELECT file_id FROM replaced_files UNION ALL SELECT file_id FROM removed_files)
  AND listing_date_id IS NOT NULL
