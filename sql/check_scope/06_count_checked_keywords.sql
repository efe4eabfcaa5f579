-- Each keyword the checked papers name, with how many rows of keywords store it (one scan).
CREATE TEMP TABLE checked_keywords_counts AS
SELECT r.keyword_id, count(t.keyword_id) AS stored
FROM (SELECT DISTINCT keyword_id FROM checked_paper_keywords) r LEFT JOIN keywords t USING (keyword_id)
GROUP BY r.keyword_id
