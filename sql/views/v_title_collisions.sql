-- Distinct papers that share a title (after normalization) but differ in their abstracts.
select
    p.title_id,
    p.paper_id,
    p.title,
    p.abstract,
    p.sightings,
    count(*) over (partition by p.title_id) as papers_with_title
from papers as p
qualify count(*) over (partition by p.title_id) > 1
