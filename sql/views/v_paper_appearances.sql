-- Every sighting of a paper in a loaded dump, with the file, listing date and card as shown.
--
-- Columns:
-- paper_id = paper_appearances.paper_id
-- title = papers.title
-- file_name = source_files.file_name
-- position = paper_appearances.position
-- title_line = paper_appearances.title_line
-- listing_date: Listing date of the dump the sighting is in.
-- listing_year_rule = source_files.listing_year_rule
-- listing_year_guessed: True when the year of `listing_date` is a guess: it came from the file's
--   modification time (`listing_year_rule` = `file_mtime`), which says when the page was saved, not
--   which year it lists. False for a year the page prints (`listing_line`), the file name gives
--   (`file_name`), the loader was told (`configured`) or the page's own cards give
--   (`inferred_from_cards`: one more than the latest year they print, as the site prints a card's year
--   only for past years; exact when a card is from the year before). Leave guessed sightings out of
--   a chart by date with `where not listing_year_guessed`.
-- upvotes = paper_appearances.upvotes
-- author_count = paper_appearances.author_count
-- organization_handle: Handle of the organization on this sighting's card (`nvidia`); null when the
--   entry has no card or its card shows an author count instead.
-- organization_name: Display name of that organization (`NVIDIA`); null when the entry has no card or
--   its card shows an author count instead.
-- card_date_text = paper_appearances.card_date_text
-- card_date: The card's date (the paper's arXiv publication date) with its year resolved; null when
--   the entry has no card.
-- file_id = paper_appearances.file_id
select
    a.paper_id,
    p.title,
    f.file_name,
    a.position,
    a.title_line,
    listing.date as listing_date,
    f.listing_year_rule,
    coalesce(f.listing_year_rule = 'file_mtime', false) as listing_year_guessed,
    a.upvotes,
    a.author_count,
    o.handle as organization_handle,
    o.name as organization_name,
    a.card_date_text,
    card.date as card_date,
    a.file_id
from paper_appearances as a
inner join papers as p on p.paper_id = a.paper_id
inner join source_files as f on f.file_id = a.file_id
left join dates as listing on listing.date_id = a.listing_date_id
left join dates as card on card.date_id = a.card_date_id
left join organizations as o on o.organization_id = a.organization_id
