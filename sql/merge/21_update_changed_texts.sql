-- A known paper whose most recent sighting prints another text takes that text: from the batch,
-- or from paper_texts when that sighting was loaded before (a newer one went). Only the changed
-- papers' texts are read, never every stored abstract.
-- reads: changed_texts
-- then: retext
UPDATE papers SET text_id = t.text_id, title = t.title, abstract = t.abstract
FROM (
    SELECT text_id, title, abstract FROM stg_paper_texts
    WHERE text_id IN (SELECT text_id FROM changed_texts WHERE NOT is_new)
    UNION
    SELECT text_id, title, abstract FROM paper_texts
    WHERE text_id IN (SELECT text_id FROM changed_texts WHERE NOT is_new)
) AS t, changed_texts AS c
WHERE papers.paper_id = c.paper_id AND NOT c.is_new AND c.text_id = t.text_id
