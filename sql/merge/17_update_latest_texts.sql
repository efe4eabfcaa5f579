-- Title and abstract of a known paper as printed in its most recent sighting, when that sighting
-- is in this batch (new papers were written with their batch's latest text). Not compared with
-- the stored text first: that would read every stored abstract.
UPDATE papers SET title = s.title, abstract = s.abstract
FROM stg_papers s, (
    SELECT a.paper_id, arg_max((a.file_id, a.position), (a.listing_date_id, f.file_name, a.position)) AS latest
    FROM paper_appearances a JOIN source_files f USING (file_id)
    WHERE a.paper_id IN (
        SELECT i.paper_id FROM incoming_appearances AS i
        WHERE NOT EXISTS (SELECT 1 FROM new_papers AS n WHERE n.paper_id = i.paper_id)
    )
    GROUP BY a.paper_id
) AS l
WHERE papers.paper_id = s.paper_id AND l.paper_id = s.paper_id
  AND l.latest = (s.latest_file_id, s.latest_position)
