-- Organizations by the papers of the period whose latest card names them (the cookbook's
-- `organizations`, those without one left out), with their papers with code and most upvotes.
-- binds: period_start, period_end
select
    organization_name as organization,
    count(*) as papers,
    count(code_url) as with_code,
    max(peak_upvotes) as most_upvotes
from v_papers
where
    organization_name is not null
    and first_seen between cast(:period_start as date) and cast(:period_end as date)
group by organization_name
order by papers desc, organization
limit 15
