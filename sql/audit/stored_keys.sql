-- The audit's keys for keys_name_one_text: every stored paper, link, keyword and organization key
-- with its text, as etl.checks.batch_keys gives a batch's: a key stored with two texts breaks it (a
-- row stored twice, the same text, is row_keys_unique's).
SELECT 'papers' AS what, paper_id AS key, CAST(NULL AS VARCHAR) AS text, title_id, 1 AS texts FROM papers
UNION ALL SELECT DISTINCT 'links', link_id, url, CAST(NULL AS BIGINT), 1 FROM links
UNION ALL SELECT DISTINCT 'keywords', keyword_id, kind || chr(31) || keyword, CAST(NULL AS BIGINT), 1 FROM keywords
UNION ALL SELECT 'organizations', organization_id, handle, CAST(NULL AS BIGINT), 1 FROM organizations
