-- Distinct papers that share a title (after normalization) but differ in their abstracts.
--
-- Columns:
-- title_id = papers.title_id
-- paper_id = papers.paper_id
-- title = papers.title
-- abstract = papers.abstract
-- sightings = papers.sightings
-- papers_with_title: Number of distinct papers with this normalized title, 2 or more.
select title_id, paper_id, title, abstract, sightings, papers_with_title
from (
    select
        p.title_id,
        p.paper_id,
        p.title,
        p.abstract,
        p.sightings,
        count(*) over (partition by p.title_id) as papers_with_title
    from papers as p
) as counted
where papers_with_title > 1
