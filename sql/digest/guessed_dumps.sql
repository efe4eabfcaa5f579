-- The loaded dumps whose listing year is a guess (taken from the file's modification time), with
-- their listing date and sightings: their dates may be off by years.
-- binds:
select file_name, listing_date, count(*) as sightings
from v_paper_appearances
where listing_year_guessed
group by file_name, listing_date
order by listing_date, file_name
