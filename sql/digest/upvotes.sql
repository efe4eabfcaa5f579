-- How the peak upvotes of the period's papers with a card are spread: papers per band.
-- binds: period_start, period_end
select
    case
        when peak_upvotes = 0 then '0'
        when peak_upvotes = 1 then '1'
        when peak_upvotes <= 4 then '2-4'
        when peak_upvotes <= 9 then '5-9'
        when peak_upvotes <= 24 then '10-24'
        when peak_upvotes <= 49 then '25-49'
        when peak_upvotes <= 99 then '50-99'
        else '100+'
    end as band,
    min(peak_upvotes) as lowest,
    count(*) as papers
from v_papers
where
    peak_upvotes is not null
    and first_seen between cast(:period_start as date) and cast(:period_end as date)
group by 1
order by lowest
