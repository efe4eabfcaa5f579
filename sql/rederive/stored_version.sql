-- The version of the extractor (:extractor) that derived the warehouse's rows; no row when none
-- is recorded (a warehouse migrated from before 0013, or never loaded).
SELECT version FROM extractor_versions WHERE extractor = :extractor
