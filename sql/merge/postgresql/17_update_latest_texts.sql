-- Title and abstract of a known paper as printed in its most recent sighting, when that sighting
-- is in this batch (new papers were written with their batch's latest text). Not compared with
-- the stored text first: that would read every stored abstract.
-- PostgreSQL has no arg_max: DISTINCT ON keeps each paper's most recent sighting. File names
-- compare byte by byte (COLLATE "C"), as DuckDB compares them, whatever the database's locale.
UPDATE papers SET title = s.title, abstract = s.abstract
FROM stg_papers s, (
    SELECT DISTINCT ON (a.paper_id) a.paper_id, a.file_id, a.position
    FROM paper_appearances a JOIN source_files f USING (file_id)
    WHERE a.paper_id IN (
        SELECT i.paper_id FROM incoming_appearances AS i
        WHERE NOT EXISTS (SELECT 1 FROM new_papers AS n WHERE n.paper_id = i.paper_id)
    )
    ORDER BY a.paper_id, a.listing_date_id DESC, f.file_name COLLATE "C" DESC, a.position DESC
) AS l
WHERE papers.paper_id = s.paper_id AND l.paper_id = s.paper_id
  AND l.file_id = s.latest_file_id AND l.position = s.latest_position
