-- Every sighting of a paper in a loaded dump, with the file, listing date and card as shown.
select
    a.paper_id,
    p.title,
    f.file_name,
    a.position,
    a.title_line,
    listing.date as listing_date,
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
