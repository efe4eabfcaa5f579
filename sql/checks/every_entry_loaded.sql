-- Every parsed entry of the loaded dumps (:ids) is in paper_appearances.
-- Rows: (file, entries missing, how far off), one per loaded dump checked.
SELECT f.file_name AS what, f.entries - count(a.position) AS detail, abs(f.entries - count(a.position)) AS broken
FROM source_files f LEFT JOIN paper_appearances a USING (file_id)
WHERE f.file_id IN (SELECT unnest(CAST(:ids AS BIGINT[]))) AND f.status = 'loaded'
GROUP BY f.file_name, f.entries
ORDER BY f.file_name
