-- Topic keyphrases new in the period: carried by papers first listed in it, and by no paper first
-- listed before it; the ten with the most papers.
-- binds: period_start, period_end
select k.keyword, count(*) as papers, min(p.first_seen) as first_seen
from v_paper_keywords as k
inner join v_papers as p on p.paper_id = k.paper_id
where k.kind = 'keyphrase' and p.first_seen <= cast(:period_end as date)
group by k.keyword
having min(p.first_seen) >= cast(:period_start as date)
order by papers desc, k.keyword
limit 10
