-- Papers seen in more than one dump file, with the files they were seen in.
--
-- Columns:
-- paper_id = papers.paper_id
-- title = papers.title
-- files: Number of dump files the paper is seen in, 2 or more (only the loaded version of a file holds
--   sightings).
-- sightings = papers.sightings
-- file_names: Names of those files, sorted and separated by `, `.
-- first_seen = v_papers.first_seen
-- last_seen = v_papers.last_seen
-- listing_year_guessed: True when the listing year of one or more of those sightings is a guess
--   (`v_paper_appearances.listing_year_guessed`), so the dates above may be off by years.
select
    p.paper_id,
    p.title,
    count(distinct a.file_id) as files,
    p.sightings,
    string_agg(distinct f.file_name, ', ' order by f.file_name) as file_names,
    min(listing.date) as first_seen,
    max(listing.date) as last_seen,
    bool_or(f.listing_year_rule = 'file_mtime') as listing_year_guessed
from papers as p
inner join paper_appearances as a on a.paper_id = p.paper_id
inner join source_files as f on f.file_id = a.file_id
inner join dates as listing on listing.date_id = a.listing_date_id
group by p.paper_id, p.title, p.sightings
having count(distinct a.file_id) > 1
