-- A paper's keywords depend only on its shown text: written when it changes. keywords carries no
-- index (see models): stored keys are filtered out first, reading only the stored keys the batch names.
-- reads: changed_paper_keywords
INSERT INTO keywords
SELECT keyword_id, keyword, kind FROM (
    SELECT keyword_id, keyword, kind FROM stg_keywords UNION SELECT keyword_id, keyword, kind FROM stg_retext_keywords
) AS k
WHERE keyword_id IN (SELECT keyword_id FROM changed_paper_keywords)
  AND keyword_id NOT IN (SELECT keyword_id FROM keywords WHERE keyword_id IN (SELECT keyword_id FROM changed_paper_keywords))
