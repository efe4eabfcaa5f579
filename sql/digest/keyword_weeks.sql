-- Topic keyphrases by the week of their papers' first listing (as `v_keyword_weeks` counts them),
-- from `trend_start` (four weeks before the period, for the month over month) to the period's end:
-- the rising topics, the top topics and their trend lines are drawn from these rows.
-- binds: trend_start, period_end
select k.keyword, c.week_start, count(*) as papers
from v_paper_keywords as k
inner join v_papers as p on p.paper_id = k.paper_id
inner join v_calendar as c on c.date = p.first_seen
where
    k.kind = 'keyphrase'
    and p.first_seen between cast(:trend_start as date) and cast(:period_end as date)
group by k.keyword, c.week_start
order by c.week_start, k.keyword
