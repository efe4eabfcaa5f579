-- Papers first listed in each week of the period, those whose abstract links to code
-- (`v_papers.code_url`) and those that link anywhere: the share of papers with code over time.
-- binds: period_start, period_end
select
    c.week_start,
    count(*) as papers,
    count(p.code_url) as with_code,
    count(*) filter (where p.link_count > 0) as with_links
from v_papers as p
inner join v_calendar as c on c.date = p.first_seen
where p.first_seen between cast(:period_start as date) and cast(:period_end as date)
group by c.week_start
order by c.week_start
