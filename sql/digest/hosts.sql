-- What the abstracts of the period's papers link to, by kind and host (the cookbook's `link-kinds`):
-- papers linking to each and distinct URLs.
-- binds: period_start, period_end
select l.kind, l.host, count(distinct l.paper_id) as papers, count(distinct l.url) as urls
from v_paper_links as l
inner join v_papers as p on p.paper_id = l.paper_id
where p.first_seen between cast(:period_start as date) and cast(:period_end as date)
group by l.kind, l.host
order by papers desc, l.kind, l.host
limit 10
