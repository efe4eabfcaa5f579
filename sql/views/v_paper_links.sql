-- One row per paper and URL of its abstract: the URL, its host and kind, and for code and Hugging Face links the owner and repository.
--
-- Columns:
-- paper_id = paper_links.paper_id
-- title = papers.title
-- ordinal = paper_links.ordinal
-- link_id = paper_links.link_id
-- url = links.url
-- host = links.host
-- kind = links.kind
-- owner: For a link of kind `code` (github.com, gitlab.com, bitbucket.org, codeberg.org) or
--   `huggingface` (huggingface.co, hf.co): the account or organization the URL names, as written
--   (`nvidia` in `https://huggingface.co/datasets/nvidia/HelpSteer2`): the first segment of the
--   path, or the second after `datasets/` or `spaces/`. Null for other kinds, a URL without a path,
--   and Hugging Face pages that are no repository (`papers/`, `blog/`, `docs/`, `collections/`,
--   `models`, `organizations/`, `learn/`, `tasks/`).
-- repository: The repository under `owner` (`HelpSteer2`), without a trailing `.git`; for a GitLab
--   subgroup, the subgroup. Null where `owner` is, or when the URL names the owner alone
--   (`https://huggingface.co/RedStar-Reasoning`).
with parsed as (
    select
        pl.paper_id,
        pl.ordinal,
        pl.link_id,
        l.url,
        l.host,
        l.kind,
        split_part(split_part(split_part(l.url, '#', 1), '?', 1), '/', 4) as segment_1,
        split_part(split_part(split_part(l.url, '#', 1), '?', 1), '/', 5) as segment_2,
        split_part(split_part(split_part(l.url, '#', 1), '?', 1), '/', 6) as segment_3
    from paper_links as pl
    inner join links as l on l.link_id = pl.link_id
),

owners as (
    select
        *,
        case  -- which path segment names the owner; the repository is the next one
            when kind = 'code' then 1
            when kind <> 'huggingface' then null
            when segment_1 in ('datasets', 'spaces') then 2
            when
                segment_1 in (
                    'papers', 'blog', 'docs', 'collections', 'models', 'organizations', 'learn', 'tasks'
                )
                then null
            else 1
        end as owner_segment
    from parsed
)

select
    o.paper_id,
    p.title,
    o.ordinal,
    o.link_id,
    o.url,
    o.host,
    o.kind,
    nullif(case o.owner_segment when 1 then o.segment_1 when 2 then o.segment_2 end, '') as owner,
    case
        when o.owner_segment = 1 and o.segment_1 <> '' then nullif(regexp_replace(o.segment_2, '[.]git$', ''), '')
        when o.owner_segment = 2 and o.segment_2 <> '' then nullif(regexp_replace(o.segment_3, '[.]git$', ''), '')
    end as repository
from owners as o
inner join papers as p on p.paper_id = o.paper_id
