-- Keywords no paper refers to any more (skipped when no paper was orphaned).
DELETE FROM keywords
WHERE keyword_id IN (SELECT keyword_id FROM orphan_keywords ANTI JOIN paper_keywords USING (keyword_id))
