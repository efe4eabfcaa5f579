-- One row per day of the period (`v_calendar`, gaps included): its dumps, its sightings, the papers
-- listed for the first time that day (new) and those seen in an earlier dump (returning, as the
-- cookbook's `new-per-dump` splits them), and whether the day's year is a guess.
-- binds: period_start, period_end
with sightings as (
    select
        a.listing_date,
        count(*) as sightings,
        count(distinct a.paper_id) filter (where p.first_seen = a.listing_date) as new_papers,
        count(distinct a.paper_id) filter (where p.first_seen < a.listing_date) as returning_papers,
        bool_or(a.listing_year_guessed) as year_guessed
    from v_paper_appearances as a
    inner join v_papers as p on p.paper_id = a.paper_id
    where a.listing_date between cast(:period_start as date) and cast(:period_end as date)
    group by a.listing_date
)

select
    c.date,
    c.week_start,
    c.month_start,
    c.has_dump,
    c.dumps_listed,
    coalesce(s.sightings, 0) as sightings,
    coalesce(s.new_papers, 0) as new_papers,
    coalesce(s.returning_papers, 0) as returning_papers,
    coalesce(s.year_guessed, false) as year_guessed
from v_calendar as c
left join sightings as s on s.listing_date = c.date
where c.date between cast(:period_start as date) and cast(:period_end as date)
order by c.date
