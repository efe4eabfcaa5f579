-- One row per paper: published date, organization, sightings, first/last seen, links and its code URL.
--
-- Columns:
-- paper_id = papers.paper_id
-- title = papers.title
-- abstract = papers.abstract
-- published_date = papers.published_date
-- published_year: Calendar year of `published_date`; null when the paper was never seen with a card.
-- published_year_month: Year and month of `published_date` as text, YYYY-MM (`2025-11`); null when the
--   paper was never seen with a card.
-- organization_handle: Handle of the organization on the card of the paper's most recent sighting
--   whose card shows one (`nvidia`); null when no card showed an organization.
-- organization_name: Display name of that organization (`NVIDIA`); null when no card showed an
--   organization.
-- author_count = papers.author_count
-- upvotes = papers.upvotes
-- peak_upvotes: The highest upvote count any of the paper's sightings shows (`upvotes` is the most recent
--   card's, which may be lower when the paper was listed again); null when never seen with a card.
-- sightings = papers.sightings
-- first_seen: Earliest listing date among the paper's sightings.
-- last_seen: Latest listing date among the paper's sightings.
-- days_to_first_listing: Days from `published_date` (the card's arXiv date) to `first_seen`, the
--   first listing; negative when the card date is after it (see `card_date_after_first_listing`);
--   null when the paper was never seen with a card.
-- card_date_after_first_listing: True when `published_date` is after `first_seen`: the card's date
--   (its year resolved from the listing's) cannot be right, or the listing year was guessed wrong;
--   null when the paper was never seen with a card.
-- link_count: Number of distinct URLs in the abstract (rows of `paper_links`); 0 when it has none.
-- code_url: The first URL of the abstract on a code host (`links.kind` = `code`: github.com,
--   gitlab.com, bitbucket.org, codeberg.org); null when the abstract links to none.
-- title_id = papers.title_id
with link_counts as (
    select paper_id, count(*) as link_count
    from paper_links
    group by paper_id
),

peak_upvotes as (
    select paper_id, max(upvotes) as peak_upvotes
    from paper_appearances
    group by paper_id
),

code_links as (
    select pl.paper_id, (array_agg(l.url order by pl.ordinal))[1] as code_url
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
    pu.peak_upvotes,
    p.sightings,
    first_seen.date as first_seen,
    last_seen.date as last_seen,
    cast(first_seen.date - p.published_date as integer) as days_to_first_listing,
    p.published_date > first_seen.date as card_date_after_first_listing,
    coalesce(lc.link_count, 0) as link_count,
    cl.code_url,
    p.title_id
from papers as p
left join dates as published on published.date_id = p.published_date_id
left join organizations as o on o.organization_id = p.organization_id
left join dates as first_seen on first_seen.date_id = p.first_seen_date_id
left join dates as last_seen on last_seen.date_id = p.last_seen_date_id
left join link_counts as lc on lc.paper_id = p.paper_id
left join peak_upvotes as pu on pu.paper_id = p.paper_id
left join code_links as cl on cl.paper_id = p.paper_id
