-- The topics that rose most, week over week and month over month, with their papers per week.
-- Topic keyphrases are counted by the week of their papers' first listing (as `v_keyword_weeks`
-- counts them) from `trend_start` to the period's end. `week`: the last week (`last_week`) against
-- the one before; `month`: the four weeks from `month_start` against the four from `month_before`.
-- The ten that rose most in each (ties: by keyword), each with one row per week it has papers in.
-- binds: trend_start, period_end, last_week, month_start, month_before
with weekly as (
    select k.keyword, c.week_start, count(*) as papers
    from v_paper_keywords as k
    inner join v_papers as p on p.paper_id = k.paper_id
    inner join v_calendar as c on c.date = p.first_seen
    where
        k.kind = 'keyphrase'
        and p.first_seen between cast(:trend_start as date) and cast(:period_end as date)
    group by k.keyword, c.week_start
),

spans as (
    select
        keyword,
        cast(coalesce(sum(papers) filter (where week_start = cast(:last_week as date)), 0) as integer)
            as week_papers,
        cast(coalesce(sum(papers) filter (where week_start = cast(:last_week as date) - 7), 0) as integer)
            as week_before,
        cast(coalesce(sum(papers) filter (where week_start >= cast(:month_start as date)), 0) as integer)
            as month_papers,
        cast(coalesce(sum(papers) filter (
            where week_start >= cast(:month_before as date) and week_start < cast(:month_start as date)
        ), 0) as integer) as month_before
    from weekly
    group by keyword
),

ranked as (
    select
        'week' as span,
        keyword,
        week_papers as papers,
        week_before as papers_before,
        row_number() over (order by week_papers - week_before desc, keyword) as place
    from spans
    where week_papers > week_before
    union all
    select
        'month' as span,
        keyword,
        month_papers as papers,
        month_before as papers_before,
        row_number() over (order by month_papers - month_before desc, keyword) as place
    from spans
    where month_papers > month_before
)

select r.span, r.place, r.keyword, r.papers, r.papers_before, w.week_start, cast(w.papers as integer) as week_papers
from ranked as r
inner join weekly as w on w.keyword = r.keyword
where r.place <= 10
order by r.span, r.place, w.week_start
