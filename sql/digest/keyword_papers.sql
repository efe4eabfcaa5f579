-- The papers of the period behind each keyword the report names (`keywords`), the most upvoted
-- first, at most twelve each: what a topic's link opens.
-- binds: keywords, period_start, period_end
select keyword, title, first_seen, peak_upvotes, code_url
from (
    select
        k.keyword,
        p.title,
        p.first_seen,
        p.peak_upvotes,
        p.code_url,
        row_number() over (
            partition by k.keyword order by coalesce(p.peak_upvotes, -1) desc, p.first_seen desc, p.title
        ) as place
    from v_paper_keywords as k
    inner join v_papers as p on p.paper_id = k.paper_id
    where
        k.kind = 'keyphrase'
        and k.keyword in (select unnest(cast(:keywords as varchar[])))
        and p.first_seen between cast(:period_start as date) and cast(:period_end as date)
) as ranked
where place <= 12
order by keyword, place
