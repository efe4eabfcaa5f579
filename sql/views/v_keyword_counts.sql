-- How many papers carry each keyword, with its mean RAKE score (method names have none).
select
    k.keyword_id,
    k.keyword,
    k.kind,
    count(*) as papers,
    avg(pk.score) as mean_score
from keywords as k
inner join paper_keywords as pk on pk.keyword_id = k.keyword_id
group by k.keyword_id, k.keyword, k.kind
