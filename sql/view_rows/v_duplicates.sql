-- v_duplicates: one row per paper whose sightings are in two or more dump files.
SELECT count(*)
FROM (
    SELECT paper_id
    FROM paper_appearances
    GROUP BY paper_id
    HAVING count(DISTINCT file_id) > 1
) AS seen_twice
