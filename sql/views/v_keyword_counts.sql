-- How many papers carry each keyword, with its mean score (method names have none).
--
-- Columns:
-- keyword_id = keywords.keyword_id
-- keyword = keywords.keyword
-- kind = keywords.kind
-- papers: Number of papers that carry the keyword (rows of `paper_keywords`).
-- mean_score = paper_keywords.score
select
    k.keyword_id,
    k.keyword,
    k.kind,
    count(*) as papers,
    avg(pk.score) as mean_score
from keywords as k
inner join paper_keywords as pk on pk.keyword_id = k.keyword_id
group by k.keyword_id, k.keyword, k.kind
