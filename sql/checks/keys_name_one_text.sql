-- No key names two texts. Keys are 53 bits of SHA-256 (etl.keys), so two texts can share one
-- (about 1 in 18,000 per million distinct texts); dedupe and the merge would take them for one
-- row. Checked over the keys the batch gives (checked_keys, etl.checks.batch_keys): within the
-- batch, a paper whose entries have two identities (a second hash of them, etl.dedupe) and a
-- link, keyword or handle key with two texts; against the warehouse, a paper stored under its
-- key with another title_id, and a link, keyword or organization stored with another text.
-- Rows: (table, keys naming two texts, same).
WITH colliding AS (
    SELECT what, key FROM checked_keys GROUP BY what, key HAVING count(*) > 1 OR max(texts) > 1
    UNION ALL
    SELECT k.what, k.key FROM checked_keys AS k JOIN papers AS s ON s.paper_id = k.key
    WHERE k.what = 'papers' AND s.title_id <> k.title_id
    UNION ALL
    SELECT k.what, k.key FROM checked_keys AS k JOIN links AS s ON s.link_id = k.key
    WHERE k.what = 'links' AND s.url <> k.text
    UNION ALL
    SELECT k.what, k.key FROM checked_keys AS k JOIN keywords AS s ON s.keyword_id = k.key
    WHERE k.what = 'keywords' AND s.kind || chr(31) || s.keyword <> k.text
    UNION ALL
    SELECT k.what, k.key FROM checked_keys AS k JOIN organizations AS s ON s.organization_id = k.key
    WHERE k.what = 'organizations' AND s.handle <> k.text
), counts AS (
    SELECT what, count(DISTINCT key) AS n FROM colliding GROUP BY what
)
SELECT t.what, coalesce(c.n, 0) AS detail, coalesce(c.n, 0) AS broken
FROM (VALUES (1, 'papers'), (2, 'links'), (3, 'keywords'), (4, 'organizations')) AS t (k, what)
LEFT JOIN counts AS c ON c.what = t.what
ORDER BY t.k
