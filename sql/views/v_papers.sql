-- One row per paper: published date, organization, sightings, first/last seen, links and its code URL.
with link_counts as (
    select paper_id, count(*) as link_count
    from paper_links
    group by paper_id
),

code_links as (
    select pl.paper_id, arg_min(l.url, pl.ordinal) as code_url
    from paper_links as pl
    inner join links as l on l.link_id = pl.link_id
    where l.kind = 'code'
    group by pl.paper_id
)

select
    p.paper_id,
    p.title,
    p.abstract,
    p.published_date,
    published.year as published_year,
    published.year_month as published_year_month,
    o.handle as organization_handle,
    o.name as organization_name,
    p.author_count,
    p.upvotes,
    p.sightings,
    first_seen.date as first_seen,
    last_seen.date as last_seen,
    coalesce(lc.link_count, 0) as link_count,
    cl.code_url,
    p.title_id
from papers as p
left join dates as published on published.date_id = p.published_date_id
left join organizations as o on o.organization_id = p.organization_id
left join dates as first_seen on first_seen.date_id = p.first_seen_date_id
left join dates as last_seen on last_seen.date_id = p.last_seen_date_id
left join link_counts as lc on lc.paper_id = p.paper_id
left join code_links as cl on cl.paper_id = p.paper_id
