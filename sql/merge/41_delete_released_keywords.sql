-- Keywords no paper refers to any more (skipped when no paper was released).
-- reads: released_keywords
-- skipped unless: released
DELETE FROM keywords
WHERE keyword_id IN (
    SELECT o.keyword_id FROM released_keywords AS o
    WHERE NOT EXISTS (SELECT 1 FROM paper_keywords AS pk WHERE pk.keyword_id = o.keyword_id)
)
