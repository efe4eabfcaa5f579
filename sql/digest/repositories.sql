-- The code repositories most papers of the period link to (`v_paper_links`, kind `code`), by papers.
-- binds: period_start, period_end
select
    l.host,
    l.owner,
    l.repository,
    count(distinct l.paper_id) as papers
from v_paper_links as l
inner join v_papers as p on p.paper_id = l.paper_id
where
    l.kind = 'code'
    and l.owner is not null
    and p.first_seen between cast(:period_start as date) and cast(:period_end as date)
group by l.host, l.owner, l.repository
order by papers desc, l.host, l.owner, l.repository
limit 10
