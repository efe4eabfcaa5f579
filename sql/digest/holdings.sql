-- What the warehouse holds (the cookbook's `holdings`): papers, sightings, dumps, the span of listing
-- dates and the sightings whose listing year is a guess. The report's header and its span.
-- binds:
select
    (select count(*) from v_papers) as papers,
    count(*) as sightings,
    count(distinct file_name) as dumps,
    min(listing_date) as first_listing,
    max(listing_date) as last_listing,
    count(*) filter (where listing_year_guessed) as guessed_sightings
from v_paper_appearances
