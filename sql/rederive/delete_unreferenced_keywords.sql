-- After the last batch: the keywords no paper carries any more (only the earlier extractor gave
-- them), so that `keywords` holds what a fresh load of the same dumps would.
DELETE FROM keywords
WHERE NOT EXISTS (SELECT 1 FROM paper_keywords AS pk WHERE pk.keyword_id = keywords.keyword_id)
