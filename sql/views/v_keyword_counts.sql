-- How many papers carry each keyword, with its mean RAKE score (method names have none).
--
-- Columns:
-- keyword_id = keywords.keyword_id
-- keyword = keywords.keyword
-- kind = keywords.kind
-- papers: Number of papers that carry the keyword (rows of `paper_keywords`).
-- mean_score: Mean RAKE score of the keyword over those papers; null for a method name, which has no
--   score.
select
    k.keyword_id,
    k.keyword,
    k.kind,
    count(*) as papers,
    avg(pk.score) as mean_score
from keywords as k
inner join paper_keywords as pk on pk.keyword_id = k.keyword_id
group by k.keyword_id, k.keyword, k.kind
