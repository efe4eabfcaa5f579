"""create analyst views

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:20:00

Pins the text of sql/views/*.sql as of this revision.
"""

from collections.abc import Sequence

from migrations.views import apply_views, restore_views

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS = {
    "v_papers": """-- One row per paper: published date, organization, sightings, first/last seen, links and its code URL.
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
""",
    "v_paper_appearances": """-- Every sighting of a paper in a loaded dump, with the file, listing date and card as shown.
select
    a.paper_id,
    p.title,
    f.file_name,
    a.position,
    a.title_line,
    listing.date as listing_date,
    a.upvotes,
    a.author_count,
    o.handle as organization_handle,
    o.name as organization_name,
    a.card_date_text,
    card.date as card_date,
    a.file_id
from paper_appearances as a
inner join papers as p on p.paper_id = a.paper_id
inner join source_files as f on f.file_id = a.file_id
left join dates as listing on listing.date_id = a.listing_date_id
left join dates as card on card.date_id = a.card_date_id
left join organizations as o on o.organization_id = a.organization_id
""",
    "v_papers_with_code": """-- Papers whose abstract links to a code repository (GitHub, GitLab and the like).
select
    paper_id,
    title,
    code_url,
    published_date,
    organization_name,
    upvotes,
    sightings,
    last_seen
from v_papers
where code_url is not null
""",
    "v_keyword_counts": """-- How many papers carry each keyword, with its mean RAKE score (method names have none).
select
    k.keyword_id,
    k.keyword,
    k.kind,
    count(*) as papers,
    avg(pk.score) as mean_score
from keywords as k
inner join paper_keywords as pk on pk.keyword_id = k.keyword_id
group by k.keyword_id, k.keyword, k.kind
""",
    "v_duplicates": """-- Papers seen in more than one dump file, with the files they were seen in.
select
    p.paper_id,
    p.title,
    count(distinct a.file_id) as files,
    p.sightings,
    string_agg(distinct f.file_name, ', ' order by f.file_name) as file_names,
    min(listing.date) as first_seen,
    max(listing.date) as last_seen
from papers as p
inner join paper_appearances as a on a.paper_id = p.paper_id
inner join source_files as f on f.file_id = a.file_id
inner join dates as listing on listing.date_id = a.listing_date_id
group by p.paper_id, p.title, p.sightings
having count(distinct a.file_id) > 1
""",
    "v_title_collisions": """-- Distinct papers that share a title (after normalization) but differ in their abstracts.
select
    p.title_id,
    p.paper_id,
    p.title,
    p.abstract,
    p.sightings,
    count(*) over (partition by p.title_id) as papers_with_title
from papers as p
qualify count(*) over (partition by p.title_id) > 1
""",
}


# PostgreSQL has neither arg_min nor QUALIFY: the same views in its SQL (migrations/views.py).
ENGINE_VIEWS = {
    "postgresql": {
        "v_papers": VIEWS["v_papers"].replace(
            "arg_min(l.url, pl.ordinal)", "(array_agg(l.url order by pl.ordinal))[1]"
        ),
        "v_title_collisions": """-- Distinct papers that share a title (after normalization) but differ in their abstracts.
select title_id, paper_id, title, abstract, sightings, papers_with_title
from (
    select
        p.title_id,
        p.paper_id,
        p.title,
        p.abstract,
        p.sightings,
        count(*) over (partition by p.title_id) as papers_with_title
    from papers as p
) as counted
where papers_with_title > 1
""",
    },
}


def upgrade() -> None:
    """Create the analyst views."""
    apply_views(VIEWS, ENGINE_VIEWS)


def downgrade() -> None:
    """Drop the analyst views."""
    restore_views(down_revision, VIEWS, ENGINE_VIEWS)
