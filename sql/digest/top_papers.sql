-- The most upvoted papers first listed in the period, by `peak_upvotes` (ties: by title).
-- binds: period_start, period_end
select title, peak_upvotes, first_seen, organization_name, code_url
from v_papers
where
    peak_upvotes is not null
    and first_seen between cast(:period_start as date) and cast(:period_end as date)
order by peak_upvotes desc, title
limit 10
