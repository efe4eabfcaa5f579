-- The extractor (:extractor) at :version derived every paper's rows, at :derived_at (UTC).
INSERT INTO extractor_versions (extractor, version, derived_at)
VALUES (:extractor, :version, CAST(:derived_at AS TIMESTAMP))
ON CONFLICT (extractor) DO UPDATE SET version = excluded.version, derived_at = excluded.derived_at
