-- The keywords the batch's papers now carry that are not stored yet (keywords carries no index,
-- see models: the stored keys are filtered out first, reading only those the batch names).
INSERT INTO keywords (keyword_id, keyword, kind)
SELECT keyword_id, keyword, kind FROM stg_rederived_keywords
WHERE keyword_id NOT IN (
    SELECT keyword_id FROM keywords WHERE keyword_id IN (SELECT keyword_id FROM stg_rederived_keywords)
)
