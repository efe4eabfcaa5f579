-- No loaded dump has a listing date after :latest (today plus the clock skew the parser
-- allows). The parser refuses such a dump alone, so this fires only if a year rule went wrong.
-- Rows: (file, its listing date, 1), offenders only.
SELECT f.file_name AS what, CAST(d.date AS VARCHAR) AS detail, 1 AS broken
FROM source_files f JOIN dates d ON d.date_id = f.listing_date_id
WHERE f.status = 'loaded' AND d.date > :latest
ORDER BY f.file_name
