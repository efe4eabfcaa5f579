-- No row stays that nothing loaded refers to, as none would after a fresh load of the same dumps:
-- a date that no sighting, no paper and no loaded version names; an organization that no sighting
-- names; a kept printed text that no sighting prints or that its paper shows already. Rows:
-- (table, unreferenced rows, same).
WITH counts AS (
    SELECT 1 AS k, 'dates' AS what, count(*) AS n FROM dates AS d
    WHERE NOT EXISTS (SELECT 1 FROM paper_appearances AS a WHERE a.listing_date_id = d.date_id)
      AND NOT EXISTS (SELECT 1 FROM paper_appearances AS a WHERE a.card_date_id = d.date_id)
      AND NOT EXISTS (SELECT 1 FROM source_files AS f WHERE f.status = 'loaded' AND f.listing_date_id = d.date_id)
    UNION ALL
    SELECT 2, 'organizations', count(*) FROM organizations AS o
    WHERE NOT EXISTS (SELECT 1 FROM paper_appearances AS a WHERE a.organization_id = o.organization_id)
    UNION ALL
    SELECT 3, 'paper_texts', count(*) FROM paper_texts AS t
    WHERE NOT EXISTS (SELECT 1 FROM paper_appearances AS a WHERE a.paper_id = t.paper_id AND a.text_id = t.text_id)
       OR EXISTS (SELECT 1 FROM papers AS p WHERE p.paper_id = t.paper_id AND p.text_id = t.text_id)
)
SELECT what, n AS detail, n AS broken FROM counts ORDER BY k
