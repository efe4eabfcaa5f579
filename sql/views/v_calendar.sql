-- One row per day from the first to the last date the warehouse knows, with its week, ISO week, month and dumps.
--
-- Columns:
-- date: The day. Every day from the earliest to the latest date of `dates` (card dates included, so
--   the span starts at the oldest arXiv date a card shows), gaps included: left join a fact to it
--   by `date` or `date_id` and a day without rows shows as zero instead of missing.
-- date_id: The day as the integer YYYYMMDD, the key the tables' `*_date_id` columns hold.
-- week_start: Monday of the day's week (ISO weeks start on Monday): group by it for weekly counts.
-- iso_year = dates.iso_year
-- iso_week = dates.iso_week
-- month_start: First day of the day's month: group by it for monthly counts.
-- year = dates.year
-- month = dates.month
-- day_of_week = dates.day_of_week
-- dumps_listed: Number of loaded dump versions whose listing date is the day; 0 on a day with none.
-- has_dump: True when a loaded dump lists the day's papers (`dumps_listed` > 0).
with span as (
    select min(date) as first_day, max(date) - min(date) as days
    from dates
),

listed as (
    select f.listing_date_id, count(*) as dumps_listed
    from source_files as f
    where f.status = 'loaded'
    group by f.listing_date_id
),

days as (
    select span.first_day + cast(g.n as integer) as date
    from span, generate_series(0, span.days) as g (n)
),

calendar as (
    select
        days.date,
        cast(extract(year from days.date) as integer) as year,
        cast(extract(month from days.date) as integer) as month,
        cast(extract(day from days.date) as integer) as day,
        cast(extract(isodow from days.date) as integer) as day_of_week
    from days
)

select
    c.date,
    c.year * 10000 + c.month * 100 + c.day as date_id,
    c.date - (c.day_of_week - 1) as week_start,
    cast(extract(isoyear from c.date) as integer) as iso_year,
    cast(extract(week from c.date) as integer) as iso_week,
    c.date - (c.day - 1) as month_start,
    c.year,
    c.month,
    c.day_of_week,
    coalesce(l.dumps_listed, 0) as dumps_listed,
    coalesce(l.dumps_listed, 0) > 0 as has_dump
from calendar as c
left join listed as l on l.listing_date_id = c.year * 10000 + c.month * 100 + c.day
