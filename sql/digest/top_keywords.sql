-- The topic keyphrases most papers first listed in the period carry (the cookbook's `top-topics` over
-- the period), with their mean score; the twelve first.
-- binds: period_start, period_end
select k.keyword, count(*) as papers, avg(k.score) as mean_score
from v_paper_keywords as k
inner join v_papers as p on p.paper_id = k.paper_id
where
    k.kind = 'keyphrase'
    and p.first_seen between cast(:period_start as date) and cast(:period_end as date)
group by k.keyword
order by papers desc, k.keyword
limit 12
