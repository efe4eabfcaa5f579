-- A paper's keywords depend only on its text: computed once, when it is new. keywords carries no
-- index (see models): stored keys are filtered out first, reading only the stored keys the batch names.
INSERT INTO keywords SELECT keyword_id, keyword, kind FROM stg_keywords
WHERE keyword_id IN (SELECT keyword_id FROM stg_paper_keywords WHERE paper_id IN (SELECT paper_id FROM new_papers))
  AND keyword_id NOT IN (SELECT keyword_id FROM keywords WHERE keyword_id IN (SELECT keyword_id FROM stg_keywords))
