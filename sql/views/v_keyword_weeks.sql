-- One row per keyword and week it rises or falls in: its papers that week, the week before, and the change.
--
-- Columns:
-- keyword_id = keywords.keyword_id
-- keyword = keywords.keyword
-- kind = keywords.kind
-- week_start: Monday of the week (ISO weeks start on Monday). A paper counts in the week of its first
--   listing date (`v_papers.first_seen`): every paper has one, a paper listed again later counts once,
--   and it is when Daily Papers showed it, where the card (arXiv) date is missing on cardless dumps and
--   may be years earlier. Its year may be a guess (`v_paper_appearances.listing_year_guessed`). A row
--   exists for each week the keyword has papers and for the week after it (so a fall to zero shows),
--   up to the last date the warehouse knows. For every week, zeros included, left join this view
--   on `week_start` to the distinct weeks of `v_calendar`: no generate_series needed.
-- iso_year = v_calendar.iso_year
-- iso_week = v_calendar.iso_week
-- papers: Number of papers carrying the keyword whose first listing date is in the week; 0 in the week
--   after one with papers.
-- papers_week_before: The same count for the week before (`week_start` minus 7 days); 0 when it had none.
-- change: `papers` minus `papers_week_before`: positive when the keyword rose.
with paper_weeks as (
    select
        pk.keyword_id,
        first_seen.date - (first_seen.day_of_week - 1) as week_start,
        count(*) as papers
    from paper_keywords as pk
    inner join papers as p on p.paper_id = pk.paper_id
    inner join dates as first_seen on first_seen.date_id = p.first_seen_date_id
    group by pk.keyword_id, first_seen.date - (first_seen.day_of_week - 1)
),

weeks as (
    select keyword_id, week_start
    from paper_weeks
    union
    select keyword_id, week_start + 7 as week_start
    from paper_weeks
    where week_start + 7 <= (select max(date) from dates)
)

select
    w.keyword_id,
    k.keyword,
    k.kind,
    w.week_start,
    cast(extract(isoyear from w.week_start) as integer) as iso_year,
    cast(extract(week from w.week_start) as integer) as iso_week,
    coalesce(this_week.papers, 0) as papers,
    coalesce(week_before.papers, 0) as papers_week_before,
    coalesce(this_week.papers, 0) - coalesce(week_before.papers, 0) as change
from weeks as w
inner join keywords as k on k.keyword_id = w.keyword_id
left join paper_weeks as this_week on this_week.keyword_id = w.keyword_id and this_week.week_start = w.week_start
left join paper_weeks as week_before
    on week_before.keyword_id = w.keyword_id and week_before.week_start = w.week_start - 7
