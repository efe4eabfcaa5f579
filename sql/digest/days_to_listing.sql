-- Days from the arXiv date (the card's) to the first listing for the period's papers, in the
-- cookbook's bands (`days-to-listing`); papers never seen with a card have none.
-- binds: period_start, period_end
select
    case
        when days_to_first_listing < 0 then '0: card after listing'
        when days_to_first_listing <= 7 then '1: within a week'
        when days_to_first_listing <= 30 then '2: within a month'
        when days_to_first_listing <= 365 then '3: within a year'
        else '4: over a year'
    end as wait,
    count(*) as papers,
    min(days_to_first_listing) as shortest,
    percentile_cont(0.5) within group (order by days_to_first_listing) as median_days,
    max(days_to_first_listing) as longest
from v_papers
where
    days_to_first_listing is not null
    and first_seen between cast(:period_start as date) and cast(:period_end as date)
group by 1
order by 1
